"""Operation handlers, one module per API area; importing this package registers them all."""

from userpool.ops import account, auth, clients, groups, listing, mfa_settings, pools, profile, totp, users  # noqa: F401
