"""The result channel between the child process and the `learn` process.

The child writes one JSON message per line to a pipe that is neither stdout nor stderr, each
signed with a secret that the parent made for this run alone and handed over on stdin before any
learner code was loaded. A learner's `print` cannot reach this pipe, and a forged line without the
right signature is dropped. (What this does not stop is described in the README's threat model.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os


def _signature(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def encode(secret: str, message: dict) -> bytes:
    body = json.dumps(message, sort_keys=True)
    return (json.dumps({"body": body, "mac": _signature(secret, body)}) + "\n").encode()


def decode(secret: str, line: bytes) -> dict | None:
    """The message in `line`, or None when it is malformed or not signed with `secret`."""
    try:
        envelope = json.loads(line)
        body, mac = envelope["body"], envelope["mac"]
        if not hmac.compare_digest(_signature(secret, body), str(mac)):
            return None
        message = json.loads(body)
    except (ValueError, KeyError, TypeError):
        return None
    return message if isinstance(message, dict) else None


def make_sender(fd: int, secret: str):
    """A function that signs and writes one message to `fd`. The secret lives only in this
    closure, so it is not an attribute that learner code can read off a module by name."""
    def send(kind: str, **fields) -> None:
        data = memoryview(encode(secret, {"type": kind, **fields}))
        while data:
            data = data[os.write(fd, data):]
    return send
