"""Operation handlers, one module per API area; importing this package registers them all."""

from userpool.ops import auth, clients, groups, pools  # noqa: F401
