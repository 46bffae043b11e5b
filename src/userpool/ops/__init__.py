"""Operation handlers, one module per API area; importing this package registers them all."""

from userpool.ops import (  # noqa: F401
    account,
    auth,
    clients,
    devices,
    groups,
    imports,
    listing,
    mfa_settings,
    pools,
    profile,
    srp,
    totp,
    users,
)
