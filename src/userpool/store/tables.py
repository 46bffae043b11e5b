"""The tables every operation reads and writes (SQLAlchemy Core, one schema for both engines).

Every ceremony is a row (ARCHITECTURE idea 4): auth sessions, codes and counters live here with
an expiry, so any server process on the same database can answer any step.
Times are epoch seconds as floats.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

pools = sa.Table(
    "pools",
    metadata,
    sa.Column("id", sa.String(55), primary_key=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    # The pool's settings in botocore's UserPoolType member names.
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("id_key_pem", sa.Text, nullable=False),
    sa.Column("access_key_pem", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("modified_at", sa.Double, nullable=False),
    # A new random number at every write of the row (store/pools.py: the cache of parsed rows).
    sa.Column("revision", sa.BigInteger, nullable=False, server_default="0"),
    # Read by id alone: the revision without the row (its config and keys span several pages).
    sa.Index("ix_pools_revision", "id", "revision"),
)

clients = sa.Table(
    "clients",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("pool_id", sa.String(55), sa.ForeignKey("pools.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("secret", sa.String(64)),
    # The client's settings in botocore's UserPoolClientType member names.
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("modified_at", sa.Double, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False, server_default="0"),  # as pools.revision
    sa.Index("ix_clients_pool", "pool_id"),
    sa.Index("ix_clients_revision", "id", "revision"),
)

VALUE_KEY_LENGTH = 256


def key_type(length: int) -> sa.types.TypeEngine[str]:
    """A key that prefix ranges and keyset pages compare by code point on both engines: SQLite
    compares BINARY by default, and PostgreSQL gets the "C" collation whatever the database's."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pool_id", sa.String(55), sa.ForeignKey("pools.id", ondelete="CASCADE"), nullable=False),
    sa.Column("username", sa.String(128), nullable=False),
    # The lookup key: the username, lower-cased in case-insensitive pools (core spec §6.2).
    # (Lower-casing can lengthen a string: `İ` becomes two characters.)
    sa.Column("username_key", key_type(512), nullable=False),
    sa.Column("sub", sa.String(36), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("modified_at", sa.Double, nullable=False),
    # SRP credential (core spec §9.2): salt hex and verifier hex; NULL for users without a password.
    sa.Column("password_salt", sa.String(64)),
    sa.Column("password_verifier", sa.Text),
    sa.Column("temp_password_expires_at", sa.Double),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_failure_at", sa.Double),
    sa.Column("lockout_until", sa.Double),
    # MFA settings of the user (MFA spec §1), owned by the MFA operations.
    sa.Column("mfa", sa.JSON, nullable=False),
    # Moved on by GlobalSignOut, AdminUserGlobalSignOut and AdminDisableUser: the origins issued
    # under an earlier generation are revoked (core spec §4.8; origin_states).
    sa.Column("token_generation", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("pool_id", "username_key", name="uq_users_pool_username"),
    sa.UniqueConstraint("pool_id", "sub", name="uq_users_pool_sub"),
    # ListUsers filtered by `cognito:user_status` or `status` (core spec §11.1), in username order.
    sa.Index("ix_users_status", "pool_id", "status", "username_key"),
    sa.Index("ix_users_enabled", "pool_id", "enabled", "username_key"),
)

# A user's attributes but `sub`, which is `users.sub` (store/users.py `stored_attributes`).
user_attributes = sa.Table(
    "user_attributes",
    metadata,
    sa.Column("user_id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    # Lower-cased value for case-insensitive filters and alias lookups (core spec §11.1, §6.2),
    # cut to VALUE_KEY_LENGTH characters so that, with the username key, it always fits a B-tree
    # index entry (PostgreSQL's limit is 2,704 bytes; 256 characters are at most 1,024). A filter
    # value is shorter than 256 characters (the whole Filter is at most 256), so `=` and `^=` on
    # the cut key stay exact.
    sa.Column("value_key", key_type(VALUE_KEY_LENGTH), nullable=False),
    # The user's `users.username_key`, which never changes: ListUsers with a filter orders by
    # (value, username) (core spec §11.1 [INF]), and this index hands a page over in that order,
    # whether the filter matches one user or all of them, without sorting the matches.
    sa.Column("username_key", key_type(512), nullable=False),
    # Insertion order, so responses list attributes as they were given (core spec §10).
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_user_attributes_scan", "pool_id", "name", "value_key", "username_key"),
    # The rows go with their user (store/users.py `delete_user`) or pool (store/pools.py
    # `delete_pool`), deleted by the store. SQLite also holds them to it with a foreign key;
    # PostgreSQL does not (migration 6): its check runs one query per inserted row, and in an
    # import's COPY those took 38% of the PostgreSQL server's time (perf), a 200,000-user import
    # 24.2-25.2 s against 18.5-20.4 s without.
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE").ddl_if(dialect="sqlite"),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("pool_id", sa.String(55), sa.ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("description", sa.String(2048)),
    sa.Column("role_arn", sa.String(2048)),
    sa.Column("precedence", sa.Integer),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("modified_at", sa.Double, nullable=False),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("pool_id", sa.String(55), primary_key=True),
    sa.Column("group_name", sa.String(128), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.ForeignKeyConstraint(["pool_id", "group_name"], ["groups.pool_id", "groups.name"], ondelete="CASCADE"),
    sa.Index("ix_group_members_user", "user_id"),
)

# What happened to a token origin after it was issued (core spec §4.7, §4.8). An origin itself is
# not stored: its refresh token carries it, sealed (crypto/refresh.py), so a sign-in writes nothing.
# A row exists only once the origin was revoked (RevokeToken) or its refresh token rotated, and is
# kept until the refresh token expires. GlobalSignOut revokes every origin of a user at once by
# moving on `users.token_generation`, which each origin was issued under.
origin_states = sa.Table(
    "origin_states",
    metadata,
    sa.Column("origin_jti", sa.String(36), primary_key=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("revoked_at", sa.Double),
    # Rotation: the refresh token of sequence `seq` is current; the one of `previous_seq` works
    # until `previous_until` (RetryGracePeriodSeconds).
    sa.Column("seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("previous_seq", sa.Integer),
    sa.Column("previous_until", sa.Double),
    # The origin's refresh token expires then; the row can go afterwards.
    sa.Column("expires_at", sa.Double, nullable=False),
)

# Secrets of the server, made once when the database is created (migrations.py):
# `refresh_token_key`, the AES-256-GCM key refresh tokens are sealed with.
server_secrets = sa.Table(
    "server_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
)

# Auth `Session` strings (MFA spec §6.4): the string's hash, what it is for, and its state.
auth_sessions = sa.Table(
    "auth_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("client_id", sa.String(128), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
    sa.Column("challenge", sa.String(64), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=False),
    sa.Column("used_at", sa.Double),
)

# Single-use codes (sign-up, attribute verification, password reset): consumed by a conditional
# UPDATE ... WHERE used_at IS NULL whose row count is checked (ARCHITECTURE idea 4).
codes = sa.Table(
    "codes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("target", sa.Text),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=False),
    sa.Column("used_at", sa.Double),
    sa.Index("ix_codes_user_purpose", "user_id", "purpose"),
)

# Attempt and send counters (core spec §14): atomic increments keyed by a string.
counters = sa.Table(
    "counters",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("window_start", sa.Double, nullable=False),
)

# The outbox: every email and SMS a pool sends, written in the operation's transaction.
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("recipient", sa.String(2048), nullable=False),
    sa.Column("subject", sa.String(2048)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("code", sa.String(256)),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("username", sa.String(128)),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("delivered_at", sa.Double),
    sa.Column("delivery_error", sa.Text),
    sa.Index("ix_messages_recipient", "recipient"),
    sa.Index("ix_messages_pool", "pool_id"),
)

# Devices (MFA spec §5.6, core spec §9.5): issued to a sign-in as NewDeviceMetadata, confirmed by
# ConfirmDevice with the device's SRP salt and verifier (hex), remembered or not by the user.
devices = sa.Table(
    "devices",
    metadata,
    sa.Column("device_key", sa.String(55), primary_key=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("group_key", sa.String(55), nullable=False),
    sa.Column("salt", sa.Text),
    sa.Column("verifier", sa.Text),
    sa.Column("name", sa.String(1024)),
    sa.Column("attributes", sa.JSON, nullable=False),
    # `remembered` | `not_remembered` (DeviceRememberedStatusType).
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("confirmed", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("modified_at", sa.Double, nullable=False),
    sa.Column("last_authenticated_at", sa.Double),
    sa.Index("ix_devices_user", "user_id"),
)

# User import jobs (CreateUserImportJob ... StopUserImportJob, `userpool import`). A job's CSV is
# uploaded to the server (import_job_data, 1 MiB chunks) or read from a local path (`source`);
# `done_bytes`/`done_line` say how far the committed batches got, so another process can resume the job.
import_jobs = sa.Table(
    "import_jobs",
    metadata,
    sa.Column("id", sa.String(55), primary_key=True),
    sa.Column("pool_id", sa.String(55), sa.ForeignKey("pools.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("role_arn", sa.String(2048), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("started_at", sa.Double),
    sa.Column("completed_at", sa.Double),
    sa.Column("imported", sa.Integer, nullable=False, server_default="0"),
    sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", sa.String(128)),
    sa.Column("source", sa.Text),
    sa.Column("uploaded_bytes", sa.BigInteger),
    sa.Column("done_bytes", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("done_line", sa.Integer, nullable=False, server_default="0"),
    sa.Column("runner", sa.String(36)),
    sa.Column("heartbeat_at", sa.Double),
    sa.Index("ix_import_jobs_pool", "pool_id", "created_at"),
)

import_job_data = sa.Table(
    "import_job_data",
    metadata,
    sa.Column("job_id", sa.String(55), sa.ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

# One row per CSV line that was not imported: FAILED or SKIPPED, with the reason (CloudWatch on AWS).
import_job_errors = sa.Table(
    "import_job_errors",
    metadata,
    sa.Column("job_id", sa.String(55), sa.ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True),
    sa.Column("outcome", sa.String(8), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

# Purging expired rows (userpool/purge.py) walks these instead of whole tables.
sa.Index("ix_auth_sessions_expires", auth_sessions.c.expires_at)
sa.Index("ix_codes_expires", codes.c.expires_at)
sa.Index("ix_counters_window", counters.c.window_start)
sa.Index("ix_origin_states_expires", origin_states.c.expires_at)
