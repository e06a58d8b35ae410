"""One worker of a fleet, for test_stores.py and the bench: asks `get_token` for a token from a
shared store and prints one JSON line with the result.

Usage: python store_worker.py STORE_URL TOKEN_URL FLOW [USER] [GO_FILE]
It imports everything first, prints "ready", then (with GO_FILE) waits until that file exists,
so that every worker of a wave asks at the same moment.
"""

from __future__ import annotations

import json
import os
import sys
import time

import mailoauth
from mailoauth import flows
from mailoauth.stores import open_store

CLIENT = "00000000-1111-2222-3333-444444444444"
SCOPES = ["https://outlook.office365.com/.default"]


def main() -> int:
    store_url, token_url, flow = sys.argv[1], sys.argv[2], sys.argv[3]
    user = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    go = sys.argv[5] if len(sys.argv) > 5 else None
    app = flows.App(client_id=CLIENT, tenant="contoso.onmicrosoft.com", client_secret="s3cr3t",
                    endpoints=mailoauth.Endpoints(token_url=token_url))
    store = open_store(store_url)
    print("ready", flush=True)
    if go:
        while not os.path.exists(go):
            time.sleep(0.005)
    try:
        tokens = flows.get_token(app, flow=flow, scopes=SCOPES, cache=store, user=user)
    except mailoauth.Error as e:
        print(json.dumps({"error": e.code, "retry_after": e.retry_after, "message": str(e)}), flush=True)
        return 3
    print(json.dumps({"access_token": tokens.access_token, "refresh_token": tokens.refresh_token}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
