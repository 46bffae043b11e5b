"""Schema migrations on both engines: a new database is created at the latest version; a database
at an older version gets each later step in order, through Alembic's `Operations`."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations

from userpool.store import db, migrations, pools, tables, users


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
        made = db.create_engine(url)
        yield made
        made.dispose()
        return
    with db.scratch_postgres("postgresql://postgres@127.0.0.1:5432/postgres", "userpool_mig") as url:
        made = db.create_engine(url)
        yield made
        made.dispose()


def test_a_new_database_is_stamped_with_the_latest_version(engine: sa.Engine) -> None:
    assert migrations.migrate(engine) == migrations.LATEST
    with engine.connect() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        assert sa.inspect(conn).has_table("users")
    assert migrations.migrate(engine) == migrations.LATEST  # again: nothing to do


def test_later_steps_run_in_order_on_an_older_database(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations.migrate(engine)
    ran: list[int] = []
    first, second = migrations.LATEST + 1, migrations.LATEST + 2

    def add_note(op: Operations) -> None:
        ran.append(first)
        op.add_column("users", sa.Column("migration_note", sa.String(20)))

    def index_note(op: Operations) -> None:
        ran.append(second)
        op.create_index("ix_users_migration_note", "users", ["migration_note"])

    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS, (first, add_note), (second, index_note)])
    assert migrations.migrate(engine) == second
    assert ran == [first, second]
    with engine.connect() as conn:
        assert migrations.current_version(conn) == second
        columns = {column["name"] for column in sa.inspect(conn).get_columns("users")}
        indexes = {index["name"] for index in sa.inspect(conn).get_indexes("users")}
    assert "migration_note" in columns
    assert "ix_users_migration_note" in indexes
    assert migrations.migrate(engine) == second  # a database at the latest version gets no step again
    assert ran == [first, second]


# The `origins` table of versions 1 and 2: one row per sign-in.
_ORIGINS = sa.Table(
    "origins",
    sa.MetaData(),
    sa.Column("origin_jti", sa.String(36), primary_key=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("client_id", sa.String(128), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("refresh_hash", sa.String(64), unique=True),
    sa.Column("rotated_hash", sa.String(64), unique=True),
    sa.Column("rotated_until", sa.Double),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("device_key", sa.String(55)),
    sa.Column("auth_time", sa.Double, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=False),
    sa.Column("revoked_at", sa.Double),
    sa.Index("ix_origins_user", "user_id"),
)


def _back_to_version_5(engine: sa.Engine) -> None:
    """Version 5's schema: on PostgreSQL, `user_attributes` with its foreign key to `users`."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "ALTER TABLE user_attributes ADD CONSTRAINT user_attributes_user_id_fkey "
                "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"
            )
        conn.execute(migrations.version_table.update().values(version=5))


def _back_to_version_4(engine: sa.Engine) -> None:
    """Version 4's schema is version 5's; only its rows differ (a `sub` row among the attributes)."""
    _back_to_version_5(engine)
    with engine.begin() as conn:
        conn.execute(migrations.version_table.update().values(version=4))


def _back_to_version_3(engine: sa.Engine) -> None:
    """Turn a new database into the schema version 3 had: pools and clients without revisions."""
    _back_to_version_4(engine)
    with engine.begin() as conn:
        for table in ("pools", "clients"):
            conn.exec_driver_sql(f"DROP INDEX ix_{table}_revision")
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN revision")
        conn.execute(migrations.version_table.update().values(version=3))


def _back_to_version_2(engine: sa.Engine) -> None:
    """Turn a new database into the schema version 2 had: an `origins` row per sign-in, no origin
    states, no server secrets, no token generation."""
    _back_to_version_3(engine)
    with engine.begin() as conn:
        tables.origin_states.drop(conn)
        tables.server_secrets.drop(conn)
        conn.exec_driver_sql("ALTER TABLE users DROP COLUMN token_generation")
        _ORIGINS.create(conn)
        conn.execute(migrations.version_table.update().values(version=2))


def _back_to_version_1(engine: sa.Engine) -> None:
    """Turn a new database into the schema version 1 had: no `user_attributes.username_key`, the
    old lookup index, keys without a collation of their own, a 512-character value key."""
    _back_to_version_2(engine)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for name in ("ix_user_attributes_scan", "ix_users_status", "ix_users_enabled"):
            conn.exec_driver_sql(f"DROP INDEX {name}")
        conn.exec_driver_sql("ALTER TABLE user_attributes DROP COLUMN username_key")
        if postgres:
            for table, column in (("users", "username_key"), ("user_attributes", "value_key")):
                conn.exec_driver_sql(
                    f'ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR(512) COLLATE "default"'
                )
        conn.exec_driver_sql(
            "CREATE INDEX ix_user_attributes_lookup ON user_attributes (pool_id, name, value_key)"
        )
        conn.execute(migrations.version_table.update().values(version=1))


def _insert_pool(conn: sa.Connection) -> None:
    conn.execute(
        tables.pools.insert().values(
            id="us-east-1_mig", region="us-east-1", name="mig", config={}, id_key_pem="k",
            access_key_pem="k", created_at=0.0, modified_at=0.0,
        )
    )  # fmt: skip


def _insert_version_1_user(conn: sa.Connection, user_id: int, username: str, email: str) -> None:
    conn.execute(
        tables.users.insert().values(
            id=user_id, pool_id="us-east-1_mig", username=username, username_key=username.lower(),
            sub=f"00000000-0000-4000-8000-{user_id:012d}", status="CONFIRMED", enabled=True,
            created_at=0.0, modified_at=0.0, mfa={},
        )
    )  # fmt: skip
    rows = [("email", email, email.lower()), ("family_name", "Same", "same")]
    insert = sa.text(
        "INSERT INTO user_attributes (user_id, name, pool_id, value, value_key, position) "
        "VALUES (:user_id, :name, 'us-east-1_mig', :value, :key, :position)"
    )
    for position, (name, value, key) in enumerate(rows):
        conn.execute(
            insert, {"user_id": user_id, "name": name, "value": value, "key": key, "position": position}
        )


def test_version_2_orders_filtered_pages_from_an_index(engine: sa.Engine) -> None:
    migrations.migrate(engine)
    _back_to_version_1(engine)
    long_email = "a" * 300 + "@example.com"
    with engine.begin() as conn:
        _insert_pool(conn)
        for user_id, username, email in (
            (1, "Zed", "z@example.com"),
            (2, "amy", long_email),
            (3, "bo", "b@x.org"),
        ):
            _insert_version_1_user(conn, user_id, username, email)
    assert migrations.migrate(engine) == migrations.LATEST
    with engine.connect() as conn:
        inspected = sa.inspect(conn)
        indexes = {index["name"] for index in inspected.get_indexes("user_attributes")}
        found = conn.execute(
            sa.select(tables.user_attributes.c.user_id, tables.user_attributes.c.username_key)
            .where(tables.user_attributes.c.name == "email")
            .order_by(tables.user_attributes.c.user_id)
        ).all()
        longest = conn.execute(
            sa.select(sa.func.max(sa.func.length(tables.user_attributes.c.value_key)))
        ).scalar()
        # Every user sharing the family name, in username order, as ListUsers pages them.
        same = users.scan_users(
            conn,
            users.UserScan("us-east-1_mig", attribute="family_name", equals=("same",)),
            after=None,
            limit=60,
        )
        after_amy = users.scan_users(
            conn,
            users.UserScan("us-east-1_mig", attribute="family_name", equals=("same",)),
            after=(None, "amy"),
            limit=60,
        )
        by_email = users.scan_users(
            conn, users.UserScan("us-east-1_mig", attribute="email", prefix=""), after=None, limit=60
        )
    assert "ix_user_attributes_scan" in indexes and "ix_user_attributes_lookup" not in indexes
    assert [tuple(row) for row in found] == [(1, "zed"), (2, "amy"), (3, "bo")]
    assert longest == 256
    assert [u.username for u, _, _ in same] == ["amy", "bo", "Zed"]
    assert [u.username for u, _, _ in after_amy] == ["bo", "Zed"]
    assert [u.username for u, _, _ in by_email] == ["amy", "bo", "Zed"]


def test_instances_starting_together_migrate_one_after_the_other(engine: sa.Engine, tmp_path: Path) -> None:
    """Several servers started at once on one older database (PostgreSQL behind a load balancer,
    or SQLite with two `serve` commands): one runs the step, the others then find it done."""
    migrations.migrate(engine)
    _back_to_version_1(engine)
    others = [db.create_engine(engine.url.render_as_string(hide_password=False)) for _ in range(3)]
    try:
        with ThreadPoolExecutor(max_workers=len(others)) as threads:
            versions = list(threads.map(migrations.migrate, others))
    finally:
        for other in others:
            other.dispose()
    assert versions == [migrations.LATEST] * 3
    with engine.connect() as conn:
        indexes = {index["name"] for index in sa.inspect(conn).get_indexes("user_attributes")}
        keys = conn.execute(sa.select(tables.server_secrets.c.value)).scalars().all()
    assert "ix_user_attributes_scan" in indexes
    assert len(keys) == 1  # one refresh-token key between them


def test_version_3_seals_origins_into_refresh_tokens(engine: sa.Engine) -> None:
    migrations.migrate(engine)
    _back_to_version_2(engine)
    with engine.begin() as conn:
        _insert_pool(conn)
        conn.execute(
            sa.text(
                "INSERT INTO users (id, pool_id, username, username_key, sub, status, enabled, "
                "created_at, modified_at, failed_attempts, mfa) VALUES (1, 'us-east-1_mig', 'Zed', "
                "'zed', '00000000-0000-4000-8000-000000000001', 'CONFIRMED', true, 0, 0, 0, '{}')"
            )
        )
        conn.execute(
            _ORIGINS.insert().values(
                origin_jti="o1", pool_id="us-east-1_mig", client_id="c", user_id=1, refresh_hash="h",
                event_id="e", auth_time=0.0, expires_at=1.0,
            )
        )  # fmt: skip
    assert migrations.migrate(engine) == migrations.LATEST
    with engine.connect() as conn:
        inspected = sa.inspect(conn)
        assert not inspected.has_table("origins")
        assert inspected.has_table("origin_states")
        assert "ix_origin_states_expires" in {i["name"] for i in inspected.get_indexes("origin_states")}
        key = conn.execute(sa.select(tables.server_secrets.c.value)).scalar_one()
        user = users.get_by_id(conn, 1)
    assert len(key) == 32
    assert user is not None and user.token_generation == 0 and user.username == "Zed"


def test_version_4_gives_pools_and_clients_revisions(engine: sa.Engine) -> None:
    migrations.migrate(engine)
    _back_to_version_3(engine)
    with engine.begin() as conn:
        _insert_pool(conn)
        conn.execute(
            tables.clients.insert().values(
                id="c1", pool_id="us-east-1_mig", name="app", config={"A": 1}, created_at=0.0,
                modified_at=0.0,
            )
        )  # fmt: skip
    assert migrations.migrate(engine) == migrations.LATEST
    with engine.begin() as conn:
        inspected = sa.inspect(conn)
        for table in ("pools", "clients"):
            assert f"ix_{table}_revision" in {i["name"] for i in inspected.get_indexes(table)}
        pool = pools.get_pool(conn, "us-east-1_mig")
        client = pools.get_client(conn, "c1")
        assert pool is not None and pool.revision == 0 and pool.name == "mig"
        assert client is not None and client.revision == 0 and client.config == {"A": 1}
        saved = pools.save_pool(conn, pool, name="renamed")
        again = pools.get_pool(conn, "us-east-1_mig")
    assert saved.revision != 0
    assert again == saved


def test_version_5_keeps_sub_in_the_users_row_only(engine: sa.Engine) -> None:
    migrations.migrate(engine)
    _back_to_version_4(engine)
    sub = "00000000-0000-4000-8000-000000000007"
    with engine.begin() as conn:
        _insert_pool(conn)
        conn.execute(
            tables.users.insert().values(
                id=7, pool_id="us-east-1_mig", username="Zed", username_key="zed", sub=sub,
                status="CONFIRMED", enabled=True, created_at=0.0, modified_at=0.0, mfa={},
            )
        )  # fmt: skip
        # As versions up to 4 wrote a user: `sub` first among its attribute rows.
        for position, (name, value) in enumerate((("sub", sub), ("email", "z@example.com"))):
            conn.execute(
                tables.user_attributes.insert().values(
                    user_id=7, name=name, pool_id="us-east-1_mig", value=value, value_key=value,
                    username_key="zed", position=position,
                )
            )  # fmt: skip
    assert migrations.migrate(engine) == migrations.LATEST
    with engine.connect() as conn:
        names = conn.execute(sa.select(tables.user_attributes.c.name)).scalars().all()
        user = users.get_by_id(conn, 7)
        by_email = users.scan_users(
            conn, users.UserScan("us-east-1_mig", attribute="email", prefix="z"), after=None, limit=60
        )
    assert names == ["email"]
    assert user is not None and list(user.attributes.items()) == [("sub", sub), ("email", "z@example.com")]
    assert [(u.username, u.attributes) for u, _, _ in by_email] == [("Zed", user.attributes)]


def _attribute_keys(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        keys = sa.inspect(conn).get_foreign_keys("user_attributes")
    return [str(key["referred_table"]) for key in keys]


def test_version_6_drops_the_attributes_foreign_key_on_postgresql_only(engine: sa.Engine) -> None:
    migrations.migrate(engine)
    kept = [] if engine.dialect.name == "postgresql" else ["users"]
    assert _attribute_keys(engine) == kept  # a new database
    _back_to_version_5(engine)
    assert _attribute_keys(engine) == ["users"]
    with engine.begin() as conn:
        _insert_pool(conn)
        conn.execute(
            tables.users.insert().values(
                id=7, pool_id="us-east-1_mig", username="Zed", username_key="zed", sub="s-7",
                status="CONFIRMED", enabled=True, created_at=0.0, modified_at=0.0, mfa={},
            )
        )  # fmt: skip
        conn.execute(
            tables.user_attributes.insert().values(
                user_id=7, name="email", pool_id="us-east-1_mig", value="z@example.com",
                value_key="z@example.com", username_key="zed", position=0,
            )
        )  # fmt: skip
    assert migrations.migrate(engine) == migrations.LATEST
    assert _attribute_keys(engine) == kept
    with engine.begin() as conn:
        pools.delete_pool(conn, "us-east-1_mig")
        left = conn.execute(sa.select(sa.func.count()).select_from(tables.user_attributes)).scalar_one()
    assert left == 0
