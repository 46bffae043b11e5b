"""``SECRET_HASH`` of app clients with a secret (core spec §3.4).

``SECRET_HASH = Base64(HMAC-SHA256(key=UTF-8(client secret), msg=UTF-8(username ‖ clientId)))``,
standard Base64 with padding. Which username goes into the MAC depends on the operation (§3.4
table); that choice belongs to the caller.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["hash_matches", "secret_hash"]


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """The expected ``SECRET_HASH`` for ``username`` on client ``client_id`` (§3.4)."""
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def hash_matches(client_secret: str, username: str, client_id: str, presented: str) -> bool:
    """Whether ``presented`` equals the expected ``SECRET_HASH``, compared in constant time (§3.4).

    Never raises for client input (text that is not valid UTF-8 simply does not match).
    """
    try:
        expected = secret_hash(client_secret, username, client_id)
        given = presented.encode()
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected.encode("ascii"), given)
