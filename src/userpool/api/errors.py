"""Cognito's error envelope: an exception type (`__type`), a message and an HTTP status.

Core spec §1.3: every documented client error is HTTP 400 with
`{"__type": "<Code>", "message": "<text>"}`; `InternalErrorException` is 500.
"""

from __future__ import annotations


class CognitoError(Exception):
    """An error answered to the client in Cognito's shape.

    `keep_changes` marks the rare error whose side effects must still be committed
    (a wrong password still counts towards lockout, core spec §14); every other error
    rolls the operation's transaction back.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int = 400,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(f"{code}: {message}" if message is not None else code)
        self.code = code
        self.message = message
        self.status = status
        self.keep_changes = keep_changes

    def body(self) -> dict[str, str]:
        out = {"__type": self.code}
        if self.message is not None:
            out["message"] = self.message
        return out


def invalid_parameter(message: str) -> CognitoError:
    return CognitoError("InvalidParameterException", message)


def not_authorized(message: str, *, keep_changes: bool = False) -> CognitoError:
    return CognitoError("NotAuthorizedException", message, keep_changes=keep_changes)


def resource_not_found(message: str) -> CognitoError:
    return CognitoError("ResourceNotFoundException", message)


def pool_not_found(pool_id: str) -> CognitoError:
    """Core spec §1.6: `User pool <poolId> does not exist.`"""
    return resource_not_found(f"User pool {pool_id} does not exist.")


def client_not_found(client_id: str) -> CognitoError:
    """Core spec §1.6: `User pool client <clientId> does not exist.`"""
    return resource_not_found(f"User pool client {client_id} does not exist.")


def user_not_found() -> CognitoError:
    return CognitoError("UserNotFoundException", "User does not exist.")


def totp_not_found() -> CognitoError:
    """MFA spec §7.2-§7.3: the user has no software token (or none pending, to verify)."""
    message = "Software Token MFA does not exist for the user."
    return CognitoError("SoftwareTokenMFANotFoundException", message)
