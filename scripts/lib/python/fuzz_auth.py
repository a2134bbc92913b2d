"""Schemathesis hooks for scripts/lib/bin/fuzz-api: every request carries `Authorization: Token <jwt>`,
the token of a user registered through the gateway ($INKWELL_FUZZ_API, e.g. http://127.0.0.1:8080/api).

A fuzzed `PUT /api/user` that changes the password or email ends the sessions of earlier tokens, so
a 401 makes schemathesis ask for a new token (its default `retry_on`) and replay the request once:
this registers another user rather than letting the rest of the run go unauthenticated.
"""

import os
import secrets
import time

import requests
import schemathesis

REGISTRATION_TRIES = 10


@schemathesis.auth()
class RegisteredUserToken:
    def get(self, case, context):
        name = "fuzz" + secrets.token_hex(6)
        user = {"username": name, "email": f"{name}@example.com", "password": f"{name}-password"}
        for _ in range(REGISTRATION_TRIES):
            response = requests.post(os.environ["INKWELL_FUZZ_API"] + "/users", json={"user": user}, timeout=30)
            # The gateway limits registrations per address; the fuzzer's own may meet that limit.
            if response.status_code != 429:
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
        if response.status_code != 201:
            raise RuntimeError(f"registering {name} answered {response.status_code}: {response.text[:200]}")
        return response.json()["user"]["token"]

    def set(self, case, token, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Token {token}"
