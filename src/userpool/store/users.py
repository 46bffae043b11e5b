"""Users and their attributes: load and save rows (no Cognito rules here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa

from userpool import jsoncodec
from userpool.store.prepared import Prepared
from userpool.store.tables import VALUE_KEY_LENGTH, user_attributes, users


@dataclass(frozen=True)
class User:
    pool_id: str
    username: str
    username_key: str
    sub: str
    status: str
    enabled: bool
    created_at: float
    modified_at: float
    # Attributes in insertion order, `sub` included and first (core spec §10). `sub` is kept in
    # the users row only (`stored_attributes`).
    attributes: dict[str, str] = field(default_factory=dict)
    password_salt: str | None = None
    password_verifier: str | None = None
    temp_password_expires_at: float | None = None
    failed_attempts: int = 0
    last_failure_at: float | None = None
    lockout_until: float | None = None
    mfa: dict[str, Any] = field(default_factory=dict)
    # Origins issued under an earlier generation are revoked (tables.py `token_generation`).
    token_generation: int = 0
    id: int = 0

    def with_changes(self, **changes: Any) -> User:
        """The user with `changes` (field names): `dataclasses.replace` without running the
        frozen `__init__` again (12 µs; an AdminCreateUser made three)."""
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"User has no field {sorted(unknown)}")
        return _user_of(self.__dict__, changes)


_FIELDS = frozenset(f.name for f in fields(User))
_DEFAULTS = {f.name: f.default for f in fields(User) if f.default is not MISSING}
# The fields `unsaved_user` needs: those without a default, and the two dicts (no shared default).
_GIVEN = _FIELDS - _DEFAULTS.keys()


def _user_of(*parts: Mapping[str, Any]) -> User:
    """A User whose fields are `parts` merged in turn, made without the frozen `__init__` (6-12
    µs a user): every field must be given, which the callers make sure of."""
    made = object.__new__(User)
    for part in parts:
        made.__dict__.update(part)
    return made


def unsaved_user(**values: Any) -> User:
    """A new User of `values`, the other fields at their defaults, made without the frozen
    `__init__` as `_user_of` makes one (an import checks each line by making its user)."""
    unknown, missing = values.keys() - _FIELDS, _GIVEN - values.keys()
    if unknown or missing:
        raise TypeError(f"User fields: unknown {sorted(unknown)}, missing {sorted(missing)}")
    return _user_of(_DEFAULTS, values)


_ROW_FIELDS = [
    "pool_id",
    "username",
    "username_key",
    "sub",
    "status",
    "enabled",
    "created_at",
    "modified_at",
    "password_salt",
    "password_verifier",
    "temp_password_expires_at",
    "failed_attempts",
    "last_failure_at",
    "lockout_until",
    "mfa",
]


def _row_values(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in _ROW_FIELDS}


def value_key(value: str) -> str:
    """The indexed form of an attribute value (see `user_attributes.value_key`)."""
    return value.lower()[:VALUE_KEY_LENGTH]


def stored_attributes(user: User) -> list[tuple[int, str, str]]:
    """(position, name, value) of the attributes that get a `user_attributes` row: every one but
    `sub`, which is the users row's own column and read back from there, first. A row of its own
    put a random value into the scan index for every user, which ListUsers never reads (a `sub`
    filter uses `uq_users_pool_sub`): a quarter of a 1,000,000-user import on SQLite
    (bench/import_scale.py: 156.7 s with it, 114.7 s without)."""
    return [
        (position, name, value)
        for position, (name, value) in enumerate(user.attributes.items())
        if name != "sub"
    ]


def _with_sub(row: Mapping[str, Any], stored: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A user's attributes: `sub` from its users row, then its attribute rows in order (one dict
    made, on every read of a user)."""
    attributes = {"sub": row["sub"]}
    attributes.update(stored)
    return attributes


def _attribute_rows(user: User) -> list[dict[str, Any]]:
    return [
        {
            "user_id": user.id,
            "pool_id": user.pool_id,
            "name": name,
            "value": value,
            "value_key": value_key(value),
            "username_key": user.username_key,
            "position": position,
        }
        for position, name, value in stored_attributes(user)
    ]


# Statements are built once: building one per call (and its cache key) cost SQLAlchemy more than
# running it.
_INSERT_USER = Prepared(users.insert().returning(users.c.id))
_INSERT_ATTRIBUTES = Prepared(user_attributes.insert())
_UPDATE_USER = Prepared(users.update().where(users.c.id == sa.bindparam("_user_id")))
_DELETE_ATTRIBUTES = user_attributes.delete().where(user_attributes.c.user_id == sa.bindparam("_user_id"))


_Function = Callable[..., sa.FunctionElement[Any]]


def _user_with_attributes(*conditions: sa.ColumnElement[bool]) -> Prepared:
    """The `users` row of `conditions` and, in its column `stored_attributes`, the user's
    attribute rows as JSON text, `[[position, name, value], ...]` in no particular order (NULL
    or `[]` for none): one statement instead of two, which on PostgreSQL is one round trip fewer
    each time a user is read (a password sign-in reads one, a TOTP-MFA sign-in two). Each engine
    spells JSON aggregation its own way; both give the same text to `_stored_attributes`. A page
    of users reads its attributes with one `IN` query instead (`users_from_rows`): built per user,
    61 JSON arrays a page cost PostgreSQL more than the round trip they saved (at 1,000,000 users
    a page of 60 took 3.2-3.5 ms at the median against 1.9-2.4 ms, docs/performance.md,
    session 20)."""

    def select(aggregate: _Function, array: _Function) -> sa.Select[Any]:
        row = array(user_attributes.c.position, user_attributes.c.name, user_attributes.c.value)
        stored = sa.select(aggregate(row)).where(user_attributes.c.user_id == users.c.id)
        return sa.select(users, sa.cast(stored.scalar_subquery(), sa.Text).label("stored_attributes")).where(
            *conditions
        )

    return Prepared(
        select(sa.func.json_agg, sa.func.json_build_array),
        sqlite=select(sa.func.json_group_array, sa.func.json_array),
    )


def _stored_attributes(text: str | None) -> list[tuple[str, str]]:
    """(name, value) pairs in their saved order, from `_user_with_attributes`' JSON text."""
    return [(name, value) for _, name, value in sorted(jsoncodec.loads(text))] if text else []


_BY_ID = _user_with_attributes(users.c.id == sa.bindparam("user_id"))
_BY_USERNAME_KEY = _user_with_attributes(
    users.c.pool_id == sa.bindparam("pool_id"), users.c.username_key == sa.bindparam("key")
)
_BY_SUB = _user_with_attributes(
    users.c.pool_id == sa.bindparam("pool_id"), users.c.sub == sa.bindparam("sub")
)


def insert_user(conn: sa.Connection, user: User) -> User:
    ((user_id,),) = _INSERT_USER.rows(conn, _row_values(user))
    stored = user.with_changes(id=int(user_id))
    _INSERT_ATTRIBUTES.execute_many(conn, _attribute_rows(stored))
    return stored


def save_user(conn: sa.Connection, user: User) -> None:
    """Write every column of the user and replace its attribute rows."""
    _UPDATE_USER.execute(conn, {"_user_id": user.id, **_row_values(user)})
    conn.execute(_DELETE_ATTRIBUTES, {"_user_id": user.id})
    _INSERT_ATTRIBUTES.execute_many(conn, _attribute_rows(user))


class Changed(Exception):
    """A guarded write found the user's row changed since it was read."""


_SET_MFA_IF_UNCHANGED = Prepared(
    users.update()
    .where(
        users.c.id == sa.bindparam("_user_id"),
        sa.cast(users.c.mfa, sa.Text) == sa.bindparam("_was", type_=sa.Text),
    )
    .values(mfa=sa.bindparam("_mfa", type_=users.c.mfa.type))
)


def set_mfa_if_unchanged(
    conn: sa.Connection, user_id: int, *, was: dict[str, Any], mfa: dict[str, Any]
) -> None:
    """Write the user's MFA settings if they are still `was` as stored (the text the JSON column
    holds, which is what `was` encodes to); raise `Changed` otherwise: a guarded write for
    `Context.write_after_reading`."""
    values = {"_user_id": user_id, "_was": jsoncodec.dumps_text(was), "_mfa": mfa}
    if _SET_MFA_IF_UNCHANGED.execute(conn, values) != 1:
        raise Changed


def update_columns(conn: sa.Connection, user_id: int, **values: Any) -> None:
    """Update some columns without touching attributes (counters, status, password)."""
    _UPDATE_USER.execute(conn, {"_user_id": user_id, **values})


def delete_user(conn: sa.Connection, user_id: int) -> None:
    conn.execute(user_attributes.delete().where(user_attributes.c.user_id == user_id))
    conn.execute(users.delete().where(users.c.id == user_id))


@cache
def _attributes_of(count: int) -> Prepared:
    """The attributes of `count` users (`id_0`, ...): one Prepared statement for each number of
    users read at once (a ListUsers page reads 61), as SQLAlchemy's path for an expanding IN
    cost a tenth of a page."""
    ids = [sa.bindparam(f"id_{i}", type_=sa.Integer) for i in range(count)]
    return Prepared(
        sa.select(user_attributes.c.user_id, user_attributes.c.name, user_attributes.c.value)
        .where(user_attributes.c.user_id.in_(ids))
        .order_by(user_attributes.c.user_id, user_attributes.c.position)
    )


def _load_attributes(conn: sa.Connection, user_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    ids = list(user_ids)
    out: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    if not ids:
        return out
    params = {f"id_{i}": user_id for i, user_id in enumerate(ids)}
    for user_id, name, value in _attributes_of(len(ids)).rows(conn, params):
        out[user_id].append((name, value))
    return out


def _stored_user(row: Mapping[str, Any], stored: Iterable[tuple[str, str]]) -> User:
    """A user from its whole `users` row and its attribute rows. The row holds every field but
    `attributes` (checked below, once), so the frozen `__init__` is not run: it cost 6 µs a
    user, and a ListUsers page of 60 builds 61."""
    return _user_of(row, {"attributes": _with_sub(row, stored)})


if {column.key for column in users.c} | {"attributes"} != _FIELDS:
    raise RuntimeError("users' columns and User's fields differ: _stored_user needs them alike")


def dict_rows(result: sa.Result[Any]) -> list[dict[str, Any]]:
    """A result's rows as dicts (`dict(row)` of `.mappings()` cost three times as much)."""
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def users_from_rows(conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> list[User]:
    """Build users from whole `users` rows, loading all their attributes in one query."""
    attrs = _load_attributes(conn, (row["id"] for row in rows))
    return [_stored_user(row, attrs[row["id"]]) for row in rows]


def _one(conn: sa.Connection, query: Prepared, params: dict[str, Any]) -> User | None:
    row = query.first(conn, params)
    if row is None:
        return None
    return _stored_user(row, _stored_attributes(row.pop("stored_attributes")))


def get_by_id(conn: sa.Connection, user_id: int) -> User | None:
    return _one(conn, _BY_ID, {"user_id": user_id})


def get_by_username_key(conn: sa.Connection, pool_id: str, key: str) -> User | None:
    return _one(conn, _BY_USERNAME_KEY, {"pool_id": pool_id, "key": key})


def get_by_sub(conn: sa.Connection, pool_id: str, sub: str) -> User | None:
    return _one(conn, _BY_SUB, {"pool_id": pool_id, "sub": sub})


def ids_with_attribute(conn: sa.Connection, pool_id: str, name: str, value: str) -> list[int]:
    """Users of the pool whose attribute `name` equals `value`, compared case-insensitively."""
    query = sa.select(user_attributes.c.user_id).where(
        user_attributes.c.pool_id == pool_id,
        user_attributes.c.name == name,
        user_attributes.c.value_key == value_key(value),
    )
    return [int(r[0]) for r in conn.execute(query)]


def count_users(conn: sa.Connection, pool_id: str) -> int:
    query = sa.select(sa.func.count()).select_from(users).where(users.c.pool_id == pool_id)
    return int(conn.execute(query).scalar_one())


# --- ListUsers: keyset-paged scans -------------------------------------------------------------

# Upper bound of a prefix range: the highest code point, so every continuation sorts below it
# (both engines compare strings by code point: SQLite BINARY, PostgreSQL with a C collation).
_TOP = "\U0010ffff"


@dataclass(frozen=True)
class UserScan:
    """Which of a pool's users to list, ordered for keyset pagination.

    The sort value is a `users` column (`column`) or, with `attribute`, that attribute's
    lower-cased value (`user_attributes.value_key`). `equals` restricts it to some values and
    `prefix` to a starting string; `username_equals` / `username_prefix` also check the stored
    username exactly. `nothing` selects no user. Rows come ordered by (sort value, username_key),
    or by username_key alone when the sort value is fixed.
    """

    pool_id: str
    column: str = "username_key"
    attribute: str | None = None
    equals: tuple[Any, ...] = ()
    prefix: str | None = None
    username_equals: str | None = None
    username_prefix: str | None = None
    nothing: bool = False

    @property
    def by_key_only(self) -> bool:
        return (self.attribute is None and self.column == "username_key") or len(self.equals) == 1

    @property
    def by_sort_only(self) -> bool:
        """The sort value is unique in a pool (`sub`): no username is needed to break ties, and
        ordering by the value alone lets its unique index hand the page over in order."""
        return self.attribute is None and self.column == "sub"


# A scan's statement depends only on its shape: which kind of sort, how many values, which
# conditions and whether a page went before. Each shape's is built once, with named parameters,
# and run as a Prepared statement: building it per call, and SQLAlchemy's execution path, cost a
# fifth of a ListUsers page's CPU.
class _Shape(NamedTuple):
    column: str
    by_attribute: bool
    equals: int
    prefix: bool
    username_equals: bool
    username_prefix: bool
    after: bool
    by_key_only: bool
    by_sort_only: bool


def _shape(scan: UserScan, after: tuple[Any, str] | None) -> _Shape:
    return _Shape(
        scan.column,
        scan.attribute is not None,
        len(scan.equals),
        bool(scan.prefix),
        scan.username_equals is not None,
        bool(scan.username_prefix),
        after is not None,
        scan.by_key_only,
        scan.by_sort_only,
    )


def _scan_params(scan: UserScan, after: tuple[Any, str] | None, limit: int) -> dict[str, Any]:
    """The values of `_statement_of(_shape(scan, after))`, by parameter name."""
    params: dict[str, Any] = {"pool_id": scan.pool_id, "limit": limit}
    if scan.attribute is not None:
        params["attribute"] = scan.attribute
    params.update((f"equals_{i}", value) for i, value in enumerate(scan.equals))
    if scan.prefix:
        params.update(_prefix_params("prefix", scan.prefix))
    if scan.username_prefix:
        params.update(_prefix_params("username_prefix", scan.username_prefix))
    if scan.username_equals is not None:
        params["username_equals"] = scan.username_equals
    if after is not None:
        params["after_value"], params["after_key"] = after
    return params


def _prefix_params(name: str, prefix: str) -> dict[str, Any]:
    return {name: prefix, f"{name}_top": prefix + _TOP, f"{name}_length": len(prefix)}


def _prefix_conditions(col: sa.ColumnElement[Any], name: str) -> list[sa.ColumnElement[bool]]:
    """`col` starts with the parameter `name`: a range the index can use (up to `name_top`),
    plus an exact check."""
    prefix = sa.bindparam(name, type_=col.type)
    top = sa.bindparam(f"{name}_top", type_=col.type)
    length = sa.bindparam(f"{name}_length", type_=sa.Integer)
    return [col >= prefix, col < top, sa.func.substr(col, 1, length) == prefix]


def _scan_conditions(shape: _Shape, sort: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = [users.c.pool_id == sa.bindparam("pool_id")]
    if shape.by_attribute:
        conds += [
            user_attributes.c.pool_id == sa.bindparam("pool_id"),
            user_attributes.c.name == sa.bindparam("attribute"),
        ]
    values = [sa.bindparam(f"equals_{i}", type_=sort.type) for i in range(shape.equals)]
    if values:
        conds.append(sort == values[0] if len(values) == 1 else sort.in_(values))
    if shape.prefix:
        conds += _prefix_conditions(sort, "prefix")
    if shape.username_equals:
        conds.append(users.c.username == sa.bindparam("username_equals"))
    if shape.username_prefix:
        conds += _prefix_conditions(users.c.username, "username_prefix")
    return conds


def _after_condition(
    shape: _Shape, sort: sa.ColumnElement[Any], key_column: sa.ColumnElement[Any]
) -> sa.ColumnElement[bool]:
    value: sa.BindParameter[Any] = sa.bindparam("after_value")
    key: sa.BindParameter[Any] = sa.bindparam("after_key")
    if shape.by_key_only:
        return key_column > key
    if shape.by_sort_only:
        beyond: sa.ColumnElement[bool] = sort > value
        return beyond
    return sa.and_(sort >= value, sa.or_(sort > value, sa.and_(sort == value, key_column > key)))


def scan_statement(
    scan: UserScan, *, after: tuple[Any, str] | None, limit: int
) -> tuple[Prepared, dict[str, Any]]:
    """The statement of a scan page and its values: `users` rows and their sort value
    (`scan_sort`), in the order of an index, so a page reads `limit` index entries however many
    users match."""
    return _statement_of(_shape(scan, after)), _scan_params(scan, after, limit)


@cache
def _statement_of(shape: _Shape) -> Prepared:
    key_column: sa.ColumnElement[Any] = users.c.username_key
    if shape.by_attribute:
        # Sorted and paged by the attribute row's own copy of the username key, so that the
        # ix_user_attributes_scan index alone yields the page in order.
        sort: sa.ColumnElement[Any] = user_attributes.c.value_key
        key_column = user_attributes.c.username_key
        source: sa.FromClause = users.join(user_attributes, user_attributes.c.user_id == users.c.id)
    else:
        sort, source = users.c[shape.column], users
    conds = _scan_conditions(shape, sort)
    if shape.after:
        conds.append(_after_condition(shape, sort, key_column))
    order = [key_column] if shape.by_key_only else [sort] if shape.by_sort_only else [sort, key_column]
    return Prepared(
        sa.select(users, sort.label("scan_sort"))
        .select_from(source)
        .where(*conds)
        .order_by(*order)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


def scan_users(
    conn: sa.Connection, scan: UserScan, *, after: tuple[Any, str] | None, limit: int
) -> list[tuple[User, Any, str]]:
    """Up to `limit` users of `scan` after the position `after` = (sort value, username_key),
    each with its own position. Never OFFSET: every page is an index range."""
    if scan.nothing:
        return []
    statement, params = scan_statement(scan, after=after, limit=limit)
    rows = statement.mappings(conn, params)
    sorts = [row.pop("scan_sort") for row in rows]
    found = users_from_rows(conn, rows)
    return [(u, None if scan.by_key_only else s, u.username_key) for u, s in zip(found, sorts, strict=True)]
