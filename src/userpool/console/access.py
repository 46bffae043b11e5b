"""Who may use the console and the admin operations (issue 6, "Access").

On a loopback bind address (127.0.0.1, ::1, localhost) nobody needs a credential: only this
machine can connect. On any other address the console, every admin operation (an operation the
botocore model does not mark `noAuth`, i.e. one AWS only accepts SigV4-signed) and the outbox
endpoint need the credential the server was started with (`--console-credential`); without one
configured they refuse everyone. Public operations (SignUp, InitiateAuth, ...) stay open.

How a caller shows the credential:
* API: as the SigV4 access key id (`aws_access_key_id=<credential>`); signatures are not checked.
* Console: the login form, or HTTP Basic with the credential as password (any user name).
* Outbox (`/_userpool/messages`): HTTP Basic as above, or `Authorization: Bearer <credential>`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import ipaddress
import re

from userpool.settings import Settings

ENV_VAR = "USERPOOL_CONSOLE_CREDENTIAL"
# A credential must survive being an access key id inside `Credential=<id>/<date>/...`.
CREDENTIAL_PATTERN = re.compile(r"[A-Za-z0-9._~+=-]{8,256}")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


@functools.lru_cache(maxsize=64)
def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and `localhost` are loopback; anything else (0.0.0.0 too) is not. Cached:
    every API call asks it of the bind address (`credential_required`), and parsing the address
    each time was 1.5% of a served AdminCreateUser's samples (py-spy)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def credential_required(settings: Settings) -> bool:
    return not is_loopback(settings.bind_host)


def credential_matches(settings: Settings, given: str | None) -> bool:
    """True when `given` is the configured credential (constant-time); never without one."""
    expected = settings.console_credential
    if expected is None or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def allowed(settings: Settings, given: str | None) -> bool:
    """The whole check: no credential needed on loopback, else the right one."""
    return not credential_required(settings) or credential_matches(settings, given)


def startup_problem(host: str, credential: str | None) -> str | None:
    """Why `userpool serve` must not start with these options, or None."""
    if credential is not None and not CREDENTIAL_PATTERN.fullmatch(credential):
        return "the console credential must be 8-256 characters of A-Z a-z 0-9 . _ ~ + = -"
    if credential is None and not is_loopback(host):
        return (
            f"--host {host} is not a loopback address: set a credential for the console and the admin "
            f"operations with --console-credential or ${ENV_VAR}"
        )
    return None


def access_key_id(authorization: str) -> str | None:
    match = _ACCESS_KEY.search(authorization)
    return match.group(1) if match else None


def basic_password(authorization: str) -> str | None:
    """The password of an HTTP Basic `Authorization` header, or None."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] if ":" in decoded else None


def bearer_or_basic(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return token.strip() or None
    return basic_password(authorization)
