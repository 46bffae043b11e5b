"""Server settings: one frozen object, built by the CLI (or a test) and handed to every operation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from userpool.domain.mfa.switches import DEFAULT_SWITCHES, Switches


@dataclass(frozen=True)
class Lockout:
    """Sign-in lockout (MFA spec §6.6, core spec §14 [DOC DG-FLOW])."""

    free_failures: int = 5
    max_seconds: float = 900.0
    reset_after_seconds: float = 900.0


@dataclass(frozen=True)
class Settings:
    # Base URL the issuer is built on: `<issuer_base>/<poolId>` (core spec §4.2).
    issuer_base: str = "http://127.0.0.1:9229"
    # Issue `https://cognito-idp.<region>.amazonaws.com/<poolId>` instead (core spec §4.2).
    aws_issuer: bool = False
    default_region: str = "us-east-1"
    account_id: str = "123456789012"
    # `smtp://[user:password@]host[:port][?tls=starttls|ssl]`; None keeps email in the outbox only.
    smtp_url: str | None = None
    lockout: Lockout = field(default_factory=Lockout)
    # Which MFA decision model runs (MFA spec §5.3 `observed`, §5.7 `documented`), and the
    # contested rules of MFA spec §12.
    mfa_model: Literal["observed", "documented"] = "observed"
    switches: Switches = DEFAULT_SWITCHES

    def issuer(self, pool_id: str) -> str:
        if self.aws_issuer:
            region = pool_id.split("_", 1)[0]
            return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        return f"{self.issuer_base.rstrip('/')}/{pool_id}"
