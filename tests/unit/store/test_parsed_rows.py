"""store/pools.py keeps parsed pools and clients per process, checked by revision: a write moves
the revision, a rolled-back write leaves nothing behind, a deleted row is gone, on both engines."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from tests.unit.store.helpers import new_pool, sqlite_plan, sqlite_statements
from userpool.store import db, pools, tables


def _read(engine: sa.Engine, pool_id: str) -> pools.Pool | None:
    with db.transaction(engine, read_only=True) as conn:
        return pools.get_pool(conn, pool_id)


def test_a_kept_pool_is_read_again_after_a_write(engine: sa.Engine, pool_id: str) -> None:
    first = _read(engine, pool_id)
    assert first is not None and _read(engine, pool_id) is first  # kept: not parsed again
    with db.transaction(engine) as conn:
        pools.save_pool(conn, pools.Pool(**{**first.__dict__, "config": {"MfaConfiguration": "ON"}}))
    after = _read(engine, pool_id)
    assert after is not None and after.config == {"MfaConfiguration": "ON"}
    assert after.revision != first.revision


def test_a_rolled_back_write_is_not_kept(engine: sa.Engine, pool_id: str) -> None:
    before = _read(engine, pool_id)
    assert before is not None
    with pytest.raises(RuntimeError), db.transaction(engine) as conn:
        pools.save_pool(conn, pools.Pool(**{**before.__dict__, "config": {"MfaConfiguration": "ON"}}))
        inside = pools.get_pool(conn, pool_id)  # the write's own content, under its revision
        assert inside is not None and inside.config == {"MfaConfiguration": "ON"}
        raise RuntimeError("roll back")
    after = _read(engine, pool_id)
    assert after is not None and after.config == {"MfaConfiguration": "OFF"}
    assert after.revision == before.revision
    with db.transaction(engine) as conn:  # the next write that commits is read as written
        pools.save_pool(conn, pools.Pool(**{**after.__dict__, "config": {"MfaConfiguration": "OPTIONAL"}}))
    latest = _read(engine, pool_id)
    assert latest is not None and latest.config == {"MfaConfiguration": "OPTIONAL"}


def _client(engine: sa.Engine, pool_id: str) -> pools.Client:
    client = pools.Client(
        id=secrets.token_hex(8), pool_id=pool_id, name="app", secret=None,
        config={"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}, created_at=0.0, modified_at=0.0,
    )  # fmt: skip
    with db.transaction(engine) as conn:
        pools.insert_client(conn, client)
    return client


def test_a_kept_client_follows_its_row(engine: sa.Engine, pool_id: str) -> None:
    client = _client(engine, pool_id)
    with db.transaction(engine, read_only=True) as conn:
        kept = pools.get_client(conn, client.id)
    assert kept is not None and kept.config == client.config
    with db.transaction(engine) as conn:
        pools.save_client(conn, pools.Client(**{**kept.__dict__, "config": {"ExplicitAuthFlows": []}}))
    with db.transaction(engine, read_only=True) as conn:
        changed = pools.get_client(conn, client.id)
    assert changed is not None and changed.config == {"ExplicitAuthFlows": []}
    with db.transaction(engine) as conn:
        pools.delete_client(conn, client.id)
    with db.transaction(engine, read_only=True) as conn:
        assert pools.get_client(conn, client.id) is None


def test_a_deleted_pool_is_gone(engine: sa.Engine, pool_id: str) -> None:
    assert _read(engine, pool_id) is not None
    with db.transaction(engine) as conn:
        pools.delete_pool(conn, pool_id)
    assert _read(engine, pool_id) is None


def test_a_config_changed_in_place_is_reported(engine: sa.Engine, pool_id: str) -> None:
    """The check looks at the rows handed out since it last looked."""
    kept = _read(engine, pool_id)
    assert kept is not None and pool_id not in pools.changed_in_place()
    kept.config["MfaConfiguration"] = "ON"  # what no caller may do
    try:
        assert _read(engine, pool_id) is kept
        assert pools.changed_in_place() == [pool_id]
        assert pools.changed_in_place() == []  # not handed out since
    finally:
        kept.config["MfaConfiguration"] = "OFF"
    assert _read(engine, pool_id) is kept
    assert pools.changed_in_place() == []


def test_past_its_limit_the_longest_kept_row_goes(engine: sa.Engine) -> None:
    parsed = pools._Parsed(tables.pools, pools.Pool, limit=2)
    made = [f"us-east-1_{secrets.token_hex(4)}" for _ in range(3)]
    with db.transaction(engine) as conn:
        for pool_id in made:
            pools.insert_pool(conn, new_pool(pool_id))
    with db.transaction(engine, read_only=True) as conn:
        first = [parsed.get(conn, pool_id) for pool_id in made]
        last_again = parsed.get(conn, made[2])
        first_again = parsed.get(conn, made[0])
    assert all(row is not None for row in first)
    assert last_again is first[2]  # still kept
    assert first_again is not first[0] and first_again == first[0]  # gone, so read and parsed again


def test_on_sqlite_the_revision_is_read_off_its_own_index(engine: sa.Engine, pool_id: str) -> None:
    """The primary key's index would make SQLite read the row to its end (store/pools.py)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("INDEXED BY is SQLite's")
    with db.transaction(engine, read_only=True) as conn:
        sql = pools._POOLS._revision._compiled_for(conn, {"id": pool_id}).sql
        plan = " ".join(sqlite_plan(conn, sql, (pool_id,)))
    assert "COVERING INDEX ix_pools_revision" in plan, plan


def _both(engine: sa.Engine, client_id: str) -> tuple[pools.Client, pools.Pool | None] | None:
    with db.transaction(engine, read_only=True) as conn:
        return pools.get_client_and_pool(conn, client_id)


def test_a_client_and_its_pool_follow_their_rows_when_read_together(engine: sa.Engine, pool_id: str) -> None:
    made = _client(engine, pool_id)
    for _ in range(2):  # first neither kept, then both
        found = _both(engine, made.id)
        assert found is not None
        client, pool = found
        assert client.config == made.config and pool is not None and pool.id == pool_id
        assert pool.config == {"MfaConfiguration": "OFF"}
    with db.transaction(engine) as conn:
        pools.save_pool(conn, pools.Pool(**{**pool.__dict__, "config": {"MfaConfiguration": "ON"}}))
    found = _both(engine, made.id)
    assert found is not None and found[0] is client  # the client's revision has not moved
    assert found[1] is not None and found[1].config == {"MfaConfiguration": "ON"}
    with db.transaction(engine) as conn:
        pools.save_client(conn, pools.Client(**{**client.__dict__, "config": {"ExplicitAuthFlows": []}}))
    found = _both(engine, made.id)
    assert found is not None and found[0].config == {"ExplicitAuthFlows": []}
    assert found[1] is not None and found[1].config == {"MfaConfiguration": "ON"}
    with db.transaction(engine) as conn:
        pools.delete_client(conn, made.id)
    assert _both(engine, made.id) is None
    assert _both(engine, "no-such-client") is None


def test_a_kept_clients_and_its_pools_revisions_take_one_statement(engine: sa.Engine, pool_id: str) -> None:
    """Each off its own index. SQLite only: its driver traces every statement it runs (on
    PostgreSQL the one statement is one round trip)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the driver's trace and INDEXED BY are SQLite's")
    made = _client(engine, pool_id)
    assert _both(engine, made.id) is not None  # both kept now
    with db.transaction(engine, read_only=True) as conn:
        found, traced = sqlite_statements(conn, lambda: pools.get_client_and_pool(conn, made.id))
        plan = " ".join(sqlite_plan(conn, traced[0]))
    assert found is not None and found[1] is not None and found[1].id == pool_id
    assert len(traced) == 1, traced
    assert "COVERING INDEX ix_clients_revision" in plan and "COVERING INDEX ix_pools_revision" in plan, plan
