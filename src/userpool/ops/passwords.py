"""Setting and checking a user's password: the policy (core spec §5) and the SRP credential the
password is stored as (core spec §9.2), shared by every operation that sets or checks one."""

from __future__ import annotations

from dataclasses import dataclass, field

from userpool.crypto import srp
from userpool.domain.passwords import PasswordPolicy, check_password
from userpool.store.pools import Pool
from userpool.store.users import User

DAY = 86400.0


def policy_of(pool: Pool) -> PasswordPolicy:
    return PasswordPolicy.from_config((pool.config.get("Policies") or {}).get("PasswordPolicy"))


@dataclass(frozen=True)
class Credential:
    """A password as SRP stores it for one pool and username: a new salt and its verifier
    (core spec §9.2)."""

    pool_name: str
    username: str
    password: str = field(repr=False)
    salt: str
    verifier: int

    def fits(self, pool: Pool, user: User, password: str) -> bool:
        return (self.pool_name, self.username, self.password) == (pool.srp_name, user.username, password)


def credential(pool_name: str, username: str, password: str) -> Credential:
    salt = srp.new_salt()
    return Credential(
        pool_name, username, password, salt, srp.password_verifier(pool_name, username, password, salt)
    )


def credential_ahead(pool_id: str, username: str, password: str | None) -> Credential | None:
    """An operation's `ahead` work (`dispatch.operation`) when its request names the user and the
    password to set: the credential, made before the transaction. The verifier's modular power
    was a quarter of the time AdminCreateUser held SQLite's write lock, and that lock is what caps
    creates a second across worker processes (bench/run.py). It is used when the user turns out
    to be stored under that username (not when the request's `Username` is an alias, or in pools
    whose usernames are emails or phone numbers, where the stored username is the sub)."""
    if not password:
        return None
    return credential(pool_id.partition("_")[2], username, password)


def with_password(
    pool: Pool, user: User, password: str, *, temporary: bool, now: float, ahead: object = None
) -> User:
    """The user with `password` checked against the pool's policy and stored as salt + verifier;
    `ahead` is a `Credential` made before the transaction, used if it is this password's.

    A temporary password expires after `TemporaryPasswordValidityDays` (core spec §6.5).
    """
    policy = policy_of(pool)
    check_password(policy, password)
    made = ahead if isinstance(ahead, Credential) and ahead.fits(pool, user, password) else None
    made = made or credential(pool.srp_name, user.username, password)
    expires = now + policy.temporary_password_validity_days * DAY if temporary else None
    return user.with_changes(
        password_salt=made.salt,
        password_verifier=format(made.verifier, "x"),
        temp_password_expires_at=expires,
        modified_at=now,
    )


def password_matches(pool: Pool, user: User, password: str) -> bool:
    """USER_PASSWORD_AUTH checks the password against the SRP verifier (core spec §9.2)."""
    if user.password_salt is None or user.password_verifier is None:
        return False
    return srp.check_password(
        pool.srp_name, user.username, password, user.password_salt, int(user.password_verifier, 16)
    )
