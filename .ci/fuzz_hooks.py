"""Schemathesis hooks for .ci/fuzz.sh.

The fuzzer acts with the bootstrap owner key on its own account, so it may
change, rotate, disable or revoke any key there. Doing that to the very key
it authenticates with would lock it out, and every later request would
answer 401: the run would pass while testing nothing. So a request that
would change the fuzzer's own key is pointed at a key that does not exist
instead (still a request the document describes: 404). Reads of the key stay
as generated. Made-up page keys are left out of list requests (see
`before_call`).
"""

import datetime
import os
import uuid

import schemathesis

OWN_NAME = os.environ["KEYWARD_FUZZ_KEY_NAME"]
OWN_ID = os.environ["KEYWARD_FUZZ_KEY_ID"].lower()  # 32 hex digits, no hyphens
WRITES = {"PUT", "PATCH", "POST", "DELETE"}
HEX = set("0123456789abcdef")


def _future(value):
    """An RFC 3339 instant moved a day ahead of now when it is not later."""
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return value
    if when.tzinfo is None:
        return value
    now = datetime.datetime.now(datetime.timezone.utc)
    if when > now + datetime.timedelta(minutes=1):
        return value
    return (now + datetime.timedelta(days=1)).isoformat().replace("+00:00", "Z")


def _instant(value):
    """An RFC 3339 instant as an aware datetime, or None."""
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else None


def _usage_range_ok(query, path):
    """Whether a usage route's `from` and `to` keep the rules the document
    states in words: `from` before `to` (now when left out), `to` by
    9999-12-31, and at most 744 buckets (366 days for the account's keys)."""
    utc = datetime.timezone.utc
    now = datetime.datetime.now(utc)
    given_from, given_to = query.get("from"), query.get("to")
    start = _instant(given_from) if given_from is not None else None
    end = _instant(given_to) if given_to is not None else now
    if (given_from is not None and start is None) or end is None:
        return False
    if end > datetime.datetime(9999, 12, 30, tzinfo=utc):
        return False
    if start is None:
        return True
    if start >= end:
        return False
    if "/api-keys/" in path:
        step = 86_400 if query.get("granularity") == "day" else 3_600
        most = 744
    else:
        step, most = 3_600, 366 * 24
    # Whole buckets, with a bucket to spare for the rounding at both ends.
    return (end - start).total_seconds() / step <= most - 2


@schemathesis.hook
def before_call(context, case, **kwargs):
    # A usage range must run forwards, end by 9999-12-31 and hold at most so
    # many buckets, rules JSON Schema cannot state (the document says them
    # in words). A generated range that breaks them is left out, so that
    # positive cases stay positive; tests/api/usage.rs tests the refusals.
    if case.path.endswith("/usage") and isinstance(case.query, dict):
        if not _usage_range_ok(case.query, case.path):
            case.query.pop("from", None)
            case.query.pop("to", None)
    # `expiresAt` must lie in the future, a rule JSON Schema cannot state
    # (the document says it in words). A generated instant in the past is
    # moved ahead, so that positive cases stay positive; the server's
    # refusal of a past expiry is tested in tests/api/lifecycle.rs.
    if isinstance(case.body, dict) and isinstance(case.body.get("expiresAt"), str):
        case.body["expiresAt"] = _future(case.body["expiresAt"])
    # A new password must not be a common one, nor the invited address or
    # its local part: a list and a rule JSON Schema cannot state (the
    # document says them in words). A generated one of an allowed length
    # gets a random tail, so that positive cases stay positive;
    # tests/api/invitations.rs and users.rs test the refusals.
    if isinstance(case.body, dict) and (
        case.path.endswith("/accept") or case.path == "/api/me/password"
    ):
        field = "password" if case.path.endswith("/accept") else "newPassword"
        value = case.body.get(field)
        if isinstance(value, str) and 12 <= len(value) <= 200:
            case.body[field] = value + "~" + uuid.uuid4().hex
    # A page key is valid only when this server gave it for that very list
    # (it carries a check), which no schema can state. A made-up one is
    # left out, so that a positive case stays positive; tests/api/paging.rs
    # tests the refusal of forged and foreign page keys.
    if isinstance(case.query, dict):
        for name in ("pageKey", "page[after]"):
            case.query.pop(name, None)
    if case.method.upper() not in WRITES:
        return
    params = case.path_parameters
    if params is None:
        return
    if params.get("name") == OWN_NAME:
        params["name"] = OWN_NAME + "Spared"
    # Any spelling of the id that still names the key (hyphens, braces, case).
    ident = params.get("id")
    if isinstance(ident, str) and OWN_ID in "".join(c for c in ident.lower() if c in HEX):
        params["id"] = str(uuid.uuid4())
