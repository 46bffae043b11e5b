"""Setting and checking a user's password: the policy (core spec §5) and the SRP credential the
password is stored as (core spec §9.2), shared by every operation that sets or checks one."""

from __future__ import annotations

from userpool.crypto import srp
from userpool.domain.passwords import PasswordPolicy, check_password
from userpool.store.pools import Pool
from userpool.store.users import User

DAY = 86400.0


def policy_of(pool: Pool) -> PasswordPolicy:
    return PasswordPolicy.from_config((pool.config.get("Policies") or {}).get("PasswordPolicy"))


def with_password(pool: Pool, user: User, password: str, *, temporary: bool, now: float) -> User:
    """The user with `password` checked against the pool's policy and stored as salt + verifier.

    A temporary password expires after `TemporaryPasswordValidityDays` (core spec §6.5).
    """
    policy = policy_of(pool)
    check_password(policy, password)
    salt = srp.new_salt()
    verifier = srp.password_verifier(pool.srp_name, user.username, password, salt)
    expires = now + policy.temporary_password_validity_days * DAY if temporary else None
    return user.with_changes(
        password_salt=salt,
        password_verifier=format(verifier, "x"),
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
