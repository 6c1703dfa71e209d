"""Schemathesis hooks for .ci/fuzz.sh.

The fuzzer acts with the bootstrap owner key on its own account, so it may
change, rotate, disable or revoke any key there. Doing that to the very key
it authenticates with would lock it out, and every later request would
answer 401: the run would pass while testing nothing. So a request that
would change the fuzzer's own key is pointed at a key that does not exist
instead (still a request the document describes: 404). Reads of the key stay
as generated.
"""

import os
import uuid

import schemathesis

OWN_NAME = os.environ["KEYWARD_FUZZ_KEY_NAME"]
OWN_ID = os.environ["KEYWARD_FUZZ_KEY_ID"].lower()  # 32 hex digits, no hyphens
WRITES = {"PUT", "PATCH", "POST", "DELETE"}
HEX = set("0123456789abcdef")


@schemathesis.hook
def before_call(context, case, **kwargs):
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
