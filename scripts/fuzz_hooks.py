"""schemathesis hooks for scripts/fuzz.py (loaded through SCHEMATHESIS_HOOKS).

A JSON Schema cannot compare two fields, so the document states these rules in words, with the
status the server answers when one is broken; this tells the generator the same rules for the
test cases it means to be valid (those meant to be invalid are left alone):
- an assignment's `effective_to` is after its `effective_from` (422), also in bulk items;
- the audit log's `to` is not before its `from` (400);
- a bulk import's `succeeded + failed` is at most its `total_rows` (422).
And one the generator breaks although the document states it: schemathesis' coverage phase
sends header values without regard to their `pattern` (an `If-Match: 0` where the document
allows only `*` or entity tags), so a case meant to be valid whose header breaks its documented
pattern is not one (the server's 400 `invalid_if_match` for it is the contract's answer).

And one rule of the answers: a well-formed request that names something that is not there, or
that is in a state that forbids it, is refused with the status the contract gives it, and
schemathesis cannot tell that from a refused shape. Its `positive_data_acceptance` check takes
404 and 409 for those, and is told here of the others, each documented on its operations:
- the seed's 400 `system_role` (assigning a system role), and its rule that an atomic bulk call
  with failing items is a 422 carrying every item's outcome: accepted when every failing item
  failed for such a reason (404, 409, 424 rolled back, `system_role`, `identity_inactive`);
- 422 `identity_inactive` (an assignment or a token for an inactive identity);
- 422 `idempotency_key_reused` (an `Idempotency-Key` sent before with another body; the IETF
  Idempotency-Key draft's status);
- 412 `precondition_failed` (an `If-Match` that is well formed but names another version than
  the stored one: the generator cannot know the object's current `ETag`);
- 400 `invalid_revision` (a `Canopy-Revision` or `after` that matches the token's shape but names
  another database or a revision this one has not reached: tokens are opaque, and the generator
  cannot know this database's identity or its current revision);
- 422 naming a body field that refers to nothing here or to the wrong thing: `parent_id` (no such
  node, or the node itself or one of its descendants), permission keys that do not exist in the
  environment, a bulk import's `environment` slug that is not this application's.
- 422 on a PATCH of an assignment whose new bound is not after the stored other one (the body
  sets one bound; the generator cannot know the stored window).
Anything else (a bound, a format, a required field the document did not state) stays a failure.
"""

import re
from datetime import datetime

import schemathesis


def _instant(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _window_moves_forward(item):
    if not isinstance(item, dict):
        return True
    start, end = _instant(item.get("effective_from")), _instant(item.get("effective_to"))
    return start is None or end is None or end > start


@schemathesis.hook
def filter_case(context, case):
    meta = getattr(case, "meta", None)
    if meta is not None and not meta.generation.mode.is_positive:
        return True
    if not _headers_match_their_patterns(case):
        return False
    query = case.query if isinstance(case.query, dict) else {}
    start, end = _instant(query.get("from")), _instant(query.get("to"))
    if start is not None and end is not None and end < start:
        return False
    body = case.body
    if isinstance(body, dict) and all(isinstance(body.get(k), (int, float)) for k in ("total_rows", "succeeded", "failed")):
        if body["succeeded"] + body["failed"] > body["total_rows"]:
            return False
    if isinstance(body, dict) and isinstance(body.get("assignments"), list):
        return all(_window_moves_forward(item) for item in body["assignments"])
    return _window_moves_forward(body)


STATE_CODES = {"system_role", "identity_inactive", "idempotency_key_reused", "precondition_failed", "invalid_revision"}
# (detail field prefix, message prefix) of the 422s for a body that names something not there.
UNKNOWN_REFERENCES = (
    ("parent_id", "No node with this id"),
    ("parent_id", "A node cannot move under itself"),
    ("permissions", "Unknown permission key"),
    ("role_permissions[", "Unknown permission key"),
    ("environment", "No environment with this slug"),
)


def _state_refusal(status, body):
    if not isinstance(body, dict):
        return False
    if isinstance(body.get("results"), list) and isinstance(body.get("summary"), dict):
        failing = [r for r in body["results"] if r.get("status") == "error"]
        return status == 422 and bool(failing) and all(
            r.get("code") in (404, 409, 424) or (r.get("error") or {}).get("code") in STATE_CODES for r in failing
        )
    if body.get("code") in STATE_CODES:
        return True
    details = body.get("details") or {}
    if status == 422 and body.get("code") == "validation_failed" and details:
        return all(
            any(field.startswith(prefix) and str(message).startswith(text) for prefix, text in UNKNOWN_REFERENCES)
            for field, message in details.items()
        )
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if getattr(failure, "code", None) != "ST202" and type(failure).__name__ != "RejectedPositiveData":
        return True
    try:
        body = response.json()
    except Exception:
        return True
    return not (_state_refusal(response.status_code, body) or _against_stored_window(case, response.status_code, body))


def _against_stored_window(case, status, body):
    sent = case.body if isinstance(case.body, dict) else {}
    return (
        case.method.upper() == "PATCH"
        and status == 422
        and isinstance(body, dict)
        and body.get("details") == {"effective_to": "effective_to must be after effective_from."}
        and not (_instant(sent.get("effective_from")) and _instant(sent.get("effective_to")))
    )


def _headers_match_their_patterns(case):
    """Whether every header the case sends matches the `pattern` its operation documents."""
    sent = {k.lower(): v for k, v in (case.headers or {}).items()}
    for parameter in case.operation.headers:
        definition = getattr(parameter, "definition", None) or {}
        pattern = (definition.get("schema") or {}).get("pattern")
        value = sent.get(str(definition.get("name", "")).lower())
        if pattern and isinstance(value, str) and re.search(pattern, value) is None:
            return False
    return True
