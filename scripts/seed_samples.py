#!/usr/bin/env python3
"""Runs the published API reference's code samples against a real Canopy server.

The pages in docs/api-reference/ (copies of the published pages) carry curl and Python
`requests` samples. Each is extracted as published and run with only these replaced:

| published                          | replaced with                                        |
|------------------------------------|------------------------------------------------------|
| https://api.canopy.dev             | the server's base URL                                |
| {accountSlug} {appSlug} {envSlug}  | acme, billing, production (the demo tenant)          |
| $CANOPY_TOKEN                      | an admin JWT from POST /portal/v1/auth/login         |
| $CANOPY_API_KEY                    | a management key from `canopy create-api-key`        |
| page=0&take=0                      | page=1&take=20 (0 is out of range by the contract)   |
| q=value, role_id=value,            | values of one existing active assignment, so the     |
| source_node_id=value, sort_by=value| filtered list is not empty; sort_by=created_at       |
| path segment `value`               | an existing identity or assignment id                |
| "string" in JSON bodies            | real ids, and RFC 3339 dates for effective_from/_to  |

curl runs through bash with `-s -o <file> -w '%{http_code}'` added after `curl`; the Python
sample runs with exec() and its `response` is inspected. Each run must answer the page's
success status with exactly the top-level fields of the page's response example.

Usage: seed_samples.py --start target/release/canopy   (starts a demo server on a temp SQLite)
       seed_samples.py --base-url http://127.0.0.1:3000 --api-key cnp_...
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = os.path.join(ROOT, "docs", "api-reference")
HOST = "https://api.canopy.dev"
ENV = "/portal/v1/accounts/acme/applications/billing/environments/production"
APP = "/portal/v1/accounts/acme/applications/billing"

# Page → (success status, top-level fields of the page's response example).
EXPECTED = {
    "list-app-wide-assignments": (200, {"items", "pagination"}),
    "identity-assignments": (200, {"items", "pagination"}),
    "update-assignment": (200, {"id", "identity_id", "application_node_id", "role_id", "effective_from", "effective_to", "created_at", "updated_at"}),
    "bulk-create-assignments": (200, {"summary", "results"}),
    "setup-resource-permissions": (201, {"permissions_created", "skipped_permissions", "roles_updated"}),
}


def extract(text):
    """The curl and the Python sample of a page, as published."""
    start = text.index("curl -X")
    ends = [i for i in (text.find("const response", start), text.find("Responses", start)) if i != -1]
    curl = text[start:min(ends)].strip()
    # Some pages publish only their curl sample's text (the other tabs are not in the page).
    py_start = text.find("import requests")
    if py_start == -1:
        return curl, None
    py_end = text.index("data = response.json()", py_start) + len("data = response.json()")
    return curl, text[py_start:py_end]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, token=None, body=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


class DemoServer:
    """The release binary serving the demo data on a temporary SQLite database, on a free port,
    with a management key of acme/billing/production made by `canopy create-api-key`."""

    def __init__(self, binary, key_name, log="warn"):
        self.scratch = tempfile.TemporaryDirectory(prefix="canopy-demo-")
        self.env = dict(os.environ, DATABASE_URL=f"sqlite://{self.scratch.name}/canopy.db", CANOPY_DATA_DIR=self.scratch.name, RUST_LOG=log)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([binary, "serve", "--demo", "--addr", f"127.0.0.1:{port}"], env=self.env, stdout=subprocess.DEVNULL)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/readyz")
                break
            except OSError:
                time.sleep(0.1)
        self.api_key = subprocess.run([binary, "create-api-key", "--account", "acme", "--application", "billing", "--environment", "production", "--name", key_name],
                                      env=self.env, capture_output=True, text=True, check=True).stdout.strip()

    def login(self):
        """A fresh admin session's token (the demo admin)."""
        return call(self.base, "POST", "/portal/v1/auth/login", body={"email": "admin@acme.example", "password": "canopy-demo"})["access_token"]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.scratch.cleanup()


class Fixture:
    """Ids from the running server that the samples' placeholders become."""

    def __init__(self, base, token):
        self.base, self.token = base, token
        row = call(base, "GET", f"{ENV}/assignments/app-wide?status=active&take=1", token)["items"][0]
        self.row = row
        roles = call(base, "GET", f"{ENV}/roles?take=100", token)["items"]
        self.roles = {r["name"]: r["id"] for r in roles}
        self.nodes = [n["id"] for n in call(base, "GET", f"{ENV}/nodes?take=100", token)["items"]]
        self.patch_target = call(base, "GET", f"{ENV}/assignments/app-wide?take=2&sort_by=created_at&order=asc", token)["items"][1]["assignment"]["id"]
        self.counter = 0

    def fresh_identity(self):
        self.counter += 1
        body = {"email": f"seed-sample-{self.counter}-{int(time.time() * 1000)}@acme.example", "first_name": "Seed", "last_name": f"Sample {self.counter}"}
        return call(self.base, "POST", f"{APP}/identities", self.token, body)["id"]

    def fill(self, page, sample, base, api_key):
        s = sample.replace(HOST, base).replace("{accountSlug}", "acme").replace("{appSlug}", "billing").replace("{envSlug}", "production")
        s = s.replace("$CANOPY_TOKEN", self.token).replace("$CANOPY_API_KEY", api_key)
        s = s.replace("page=0&take=0", "page=1&take=20").replace("sort_by=value", "sort_by=created_at")
        # The identity page searches role and node names; the app-wide list also identities.
        term = self.row["role"]["name"] if page == "identity-assignments" else self.row["identity"]["email"]
        s = s.replace("q=value", "q=" + urllib.parse.quote(term))
        s = s.replace("role_id=value", "role_id=" + self.row["role"]["id"])
        s = s.replace("source_node_id=value", "source_node_id=" + self.row["assignment"]["source_node_id"])
        s = s.replace("/identities/value/", f"/identities/{self.row['identity']['id']}/")
        s = s.replace("/assignments/value", f"/assignments/{self.patch_target}")
        if page == "bulk-create-assignments":
            s = s.replace('"identity_id": "string"', f'"identity_id": "{self.fresh_identity()}"')
            s = s.replace('"node_id": "string"', f'"node_id": "{self.nodes[3]}"')
            s = s.replace('"role_id": "string"', f'"role_id": "{self.roles["viewer"]}"')
        elif page == "update-assignment":
            s = s.replace('"role_id": "string"', f'"role_id": "{self.roles["editor"]}"')
        elif page == "setup-resource-permissions":
            s = s.replace('"role_id": "string"', f'"role_id": "{self.roles["editor"]}"')
        s = s.replace('"effective_from": "string"', '"effective_from": "2026-04-20T12:00:00.000Z"')
        s = s.replace('"effective_to": "string"', '"effective_to": "2027-04-20T12:00:00.000Z"')
        assert '"string"' not in s and "=value" not in s, f"unfilled placeholder in {page}:\n{s}"
        return s


def run_curl(sample):
    with tempfile.NamedTemporaryFile() as out:
        command = sample.replace("curl ", f"curl -s -o {out.name} -w '%{{http_code}}' ", 1)
        status = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True).stdout.strip()
        return int(status), json.loads(open(out.name).read() or "null")


def run_python(sample):
    scope = {}
    exec(sample, scope)  # noqa: S102 - the published sample, placeholders filled
    return scope["response"].status_code, scope["data"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", help="canopy binary: start a demo server on a temporary SQLite database")
    parser.add_argument("--base-url", default="http://127.0.0.1:3100")
    parser.add_argument("--api-key", help="management key of acme/billing/production (with --base-url)")
    args = parser.parse_args()

    server = None
    base, api_key = args.base_url, args.api_key
    if args.start:
        server = DemoServer(args.start, "seed-samples")
        base, api_key = server.base, server.api_key
    try:
        token = call(base, "POST", "/portal/v1/auth/login", body={"email": "admin@acme.example", "password": "canopy-demo"})["access_token"]
        fixture = Fixture(base, token)
        passed = failed = 0
        for page, (status, fields) in EXPECTED.items():
            curl, python = extract(open(os.path.join(PAGES, page + ".txt")).read())
            for language, sample, runner in (("curl", curl, run_curl), ("python", python, run_python)):
                if sample is None:
                    continue
                got_status, body = runner(fixture.fill(page, sample, base, api_key))
                problems = []
                if got_status != status:
                    problems.append(f"status {got_status}, expected {status}")
                if not isinstance(body, dict) or set(body) != fields:
                    problems.append(f"fields {sorted(body) if isinstance(body, dict) else body}, expected {sorted(fields)}")
                elif "items" in body and not body["items"]:
                    problems.append("the list is empty; the placeholders should select existing rows")
                if problems:
                    failed += 1
                    print(f"FAIL {page} {language}: {'; '.join(problems)}\n  {json.dumps(body)[:400]}")
                else:
                    passed += 1
                    print(f"PASS {page} {language} {got_status}")
        print(f"seed samples: {passed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
