"""Server settings: one frozen object, built by the CLI (or a test) and handed to every operation."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Literal, get_args, get_type_hints

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
    # POST every SMS as JSON to this URL (a bridge to a real SMS provider); None: outbox only.
    sms_webhook: str | None = None
    # SNS SMS sandbox simulation (MFA spec §3.2): only these numbers receive SMS; the rest are
    # recorded as not delivered, and challenges are still returned as on AWS.
    sms_sandbox: bool = False
    sms_verified_numbers: tuple[str, ...] = ()
    lockout: Lockout = field(default_factory=Lockout)
    # Which MFA decision model runs (MFA spec §5.3 `observed`, §5.7 `documented`), and the
    # contested rules of MFA spec §12.
    mfa_model: Literal["observed", "documented"] = "observed"
    switches: Switches = DEFAULT_SWITCHES
    # The credential the console and the admin operations need when the server is not bound to a
    # loopback address (`--console-credential`; see userpool.console.access).
    console_credential: str | None = field(default=None, repr=False)
    # The address the server listens on (`--host`): a loopback one needs no credential.
    bind_host: str = "127.0.0.1"
    # Seconds between runs of the maintenance thread (purging expired sessions, codes, counters and
    # token origins; resuming abandoned import jobs); 0 turns it off (userpool.purge).
    purge_interval: float = 60.0

    def issuer(self, pool_id: str) -> str:
        if self.aws_issuer:
            region = pool_id.split("_", 1)[0]
            return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        return f"{self.issuer_base.rstrip('/')}/{pool_id}"


def parse_switches(items: list[str]) -> Switches:
    """`NAME=VALUE` pairs (from `--switch`) over the defaults; a bad name or value raises
    ValueError naming the choices."""
    hints = get_type_hints(Switches)
    names = {f.name for f in fields(Switches)}
    values: dict[str, object] = {}
    for item in items:
        name, _, text = item.partition("=")
        if name not in names:
            raise ValueError(f"unknown switch {name!r}; switches: {', '.join(sorted(names))}")
        values[name] = _switch_value(name, hints[name], text)
    return replace(DEFAULT_SWITCHES, **values)  # type: ignore[arg-type]


def _switch_value(name: str, hint: object, text: str) -> object:
    if hint is bool:
        if text.lower() not in ("true", "false"):
            raise ValueError(f"switch {name} takes true or false, not {text!r}")
        return text.lower() == "true"
    if hint is int:
        if not text.isdigit():
            raise ValueError(f"switch {name} takes a number, not {text!r}")
        return int(text)
    choices = get_args(hint)
    if text not in choices:
        raise ValueError(f"switch {name} takes one of {', '.join(map(str, choices))}, not {text!r}")
    return text
