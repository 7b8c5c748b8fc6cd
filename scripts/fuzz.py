#!/usr/bin/env python3
"""Fuzzes the served OpenAPI document with schemathesis, every operation with the principal it
is for, against a demo server started from the release binary.

Four runs, each with all of schemathesis' checks, every phase, a fixed seed and `--examples` test
cases per operation at most:

| run        | credential                                   | operations                          |
|------------|----------------------------------------------|-------------------------------------|
| identity   | an identity's Bearer token (minted by a key) | /api/v1/me/*                        |
| management | X-API-Key of acme/billing/production         | the rest of /api/v1/*               |
| admin      | the demo admin's Bearer token                | /portal/v1/* but sign-out, and the  |
|            |                                              | open ones (health, the reference)   |
| sign-out   | a second admin session's token               | POST /portal/v1/auth/logout         |

Sign-out has its own session, as it ends the one it is sent with. The identity and management
runs go first: the admin run deletes and deactivates things at random. `schemathesis.toml`
beside this file pins the tenant in the paths to the demo's (`acme`, `billing`, `production`),
and `fuzz_hooks.py` tells the generator the one rule of the bodies that a JSON Schema cannot say
(an assignment's `effective_to` is after its `effective_from`, documented as a 422).

Prints each run's failures by check and closes with `schemathesis: P passed, F failed`, counting
operations per run (an operation fails when any check failed on it). Exit 1 on a failure.

Usage: fuzz.py --start target/release/canopy [--examples 10] [--seed 20260420] [--report-dir DIR]
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_samples import DemoServer, call  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(os.path.dirname(HERE), ".canopy", "venv")


def request(base, method, path, headers):
    req = urllib.request.Request(base + path, method=method, headers=headers)
    with urllib.request.urlopen(req) as response:
        return json.loads(response.read() or b"null")


def identity_token(base, api_key):
    """A token for an active identity of acme/billing, minted by the management key."""
    headers = {"x-api-key": api_key}
    identity = request(base, "GET", "/api/v1/identities?status=active&take=1", headers)["items"][0]["id"]
    return request(base, "POST", f"/api/v1/identities/{identity}/tokens", headers)["access_token"]


def run(name, base, header, include, exclude, args, report_root):
    report_dir = os.path.join(report_root, name)
    command = [
        os.path.join(VENV, "bin", "schemathesis"), "--config-file", os.path.join(HERE, "schemathesis.toml"),
        "run", base + "/api/openapi.json",
        "-H", header,
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--seed", str(args.seed),
        "--max-examples", str(args.examples),
        "--generation-database", "none",
        "--include-path-regex", include,
        "--no-color",
        "--report", "json", "--report-dir", report_dir,
    ]
    if exclude:
        command += ["--exclude-path-regex", exclude]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="fuzz_hooks", PYTHONPATH=HERE)
    started = time.monotonic()
    # In the report's folder: schemathesis keeps a cache (.schemathesis/) where it runs.
    output = subprocess.run(command, env=env, capture_output=True, text=True, cwd=report_root)
    seconds = time.monotonic() - started
    log = os.path.join(report_root, f"{name}.log")
    with open(log, "w") as f:
        f.write(output.stdout + output.stderr)
    reports = glob.glob(os.path.join(report_dir, "*.json"))
    if not reports:
        print(f"FAIL {name}: schemathesis wrote no report (exit {output.returncode}); its output:\n{output.stdout[-3000:]}{output.stderr[-3000:]}")
        return 0, 1, 0
    report = json.load(open(reports[0]))
    tested = report["operations"]["tested"]
    failed_operations = set()
    for failure in report["failures"]:
        failed_operations.update(failure["operations"])
    errored = report["operations"]["errored"]
    failed = len(failed_operations) + errored
    examples = report["test_cases"]["generated"]
    print(f"{name}: {tested} operations, {examples} test cases in {seconds:.0f} s; "
          f"{len(failed_operations)} operations with failures, {errored} errored")
    for failure in report["failures"]:
        print(f"  {failure['code']} {failure['title']}: {failure['count']} ({', '.join(sorted(failure['operations']))})")
    if failed:
        print(f"  details: {log}")
        print("\n".join("  | " + line for line in output.stdout.split("=== FAILURES ===")[-1].splitlines()[:200]))
    return tested - len(failed_operations), failed, examples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", required=True, help="canopy binary: starts a demo server on a temporary SQLite database")
    parser.add_argument("--examples", type=int, default=10, help="test cases per operation and phase, at most")
    parser.add_argument("--seed", type=int, default=20260420)
    parser.add_argument("--report-dir", help="keep the reports and logs here (default: a temporary directory)")
    args = parser.parse_args()

    if not os.path.exists(os.path.join(VENV, "bin", "schemathesis")):
        print("fuzz: .canopy/venv has no schemathesis; run: bash scripts/setup.sh test", file=sys.stderr)
        return 1
    scratch = None
    report_root = args.report_dir
    if not report_root:
        scratch = tempfile.TemporaryDirectory(prefix="canopy-fuzz-")
        report_root = scratch.name
    os.makedirs(report_root, exist_ok=True)

    # Errors only: the server's warnings (slow statements on a busy machine) are not findings.
    server = DemoServer(args.start, "fuzz", log="error")
    passed = failed = examples = 0
    try:
        base = server.base
        admin = server.login()
        scratch_env = {"slug": "fuzz-scratch", "name": "Fuzz scratch"}
        call(base, "POST", "/portal/v1/accounts/acme/applications/billing/environments", admin, scratch_env)
        runs = [
            ("identity", f"Authorization: Bearer {identity_token(base, server.api_key)}", r"^/api/v1/me/", None),
            ("management", f"X-API-Key: {server.api_key}", r"^/api/v1/", r"^/api/v1/me/"),
            ("admin", f"Authorization: Bearer {admin}", r"^/(portal/v1/|healthz$|readyz$|api/openapi\.json$|api/docs$)", r"^/portal/v1/auth/logout$"),
            ("sign-out", f"Authorization: Bearer {server.login()}", r"^/portal/v1/auth/logout$", None),
        ]
        for name, header, include, exclude in runs:
            p, f, n = run(name, base, header, include, exclude, args, report_root)
            passed, failed, examples = passed + p, failed + f, examples + n
    finally:
        server.stop()
        if scratch:
            scratch.cleanup()
    print(f"{examples} test cases, {args.examples} examples per operation at most, seed {args.seed}")
    print(f"schemathesis: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
