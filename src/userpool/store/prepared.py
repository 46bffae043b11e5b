"""Statements of the hot paths (sign-in, challenges, user creation), compiled once per dialect and
run on the driver's own cursor inside the caller's SQLAlchemy transaction.

SQLAlchemy's execution path (execution context, cursor result, events) costs about 70 µs a
statement on the benchmark machine and the driver itself about 6 µs; on PostgreSQL a password
sign-in runs five statements and a TOTP-MFA sign-in twelve, BEGIN and COMMIT included
(tests/wire/test_postgres_round_trips.py counts them). The statement is still SQLAlchemy Core,
compiled by the dialect, and values still go through the column types' bind and result
processors (JSON, booleans), so both engines get exactly what `Connection.execute` would send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any]


@dataclass
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # bind names in order for a positional driver, else None
    binds: tuple[tuple[str, Processor], ...]  # bind processors by name
    fixed: tuple[tuple[str, Any], ...]  # values the statement itself holds (`col == 5`)
    types: tuple[sa.types.TypeEngine[Any], ...]  # result column types
    keys: tuple[str, ...]  # result column names
    # Result processors by column position, made on the first execution: some depend on the
    # type the driver reports for the column (psycopg's numeric types).
    results: tuple[tuple[int, Processor], ...] | None = None


def _compile(statement: sa.Executable, dialect: sa.Dialect, keys: Sequence[str]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    binds: list[tuple[str, Processor]] = []
    fixed = tuple((name, bind.value) for name, bind in compiled.binds.items() if name not in keys)
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds.append((name, processor))
    selected = list(statement.selected_columns) if isinstance(statement, sa.Select) else []
    names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return _Compiled(
        sql=compiled.string,
        names=names,
        binds=tuple(binds),
        fixed=fixed,
        types=tuple(column.type for column in selected),
        keys=tuple(str(column.key) for column in selected),
    )


def _result_processors(
    compiled: _Compiled, dialect: sa.Dialect, description: Sequence[Sequence[Any]] | None
) -> tuple[tuple[int, Processor], ...]:
    found = []
    for position, type_ in enumerate(compiled.types):
        driver_type = description[position][1] if description else None
        processor = type_.dialect_impl(dialect).result_processor(dialect, driver_type)
        if processor is not None:
            found.append((position, processor))
    return tuple(found)


def _values(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    """The driver's parameters: processed values, a list in bind order for a positional driver."""
    values = dict(compiled.fixed)
    values.update(params)
    for name, processor in compiled.binds:
        values[name] = processor(values[name])
    return values if compiled.names is None else [values[name] for name in compiled.names]


class Prepared:
    """A Core statement (select, insert, update or delete with named bind parameters) executed
    with a mapping of values; an insert or update without `.values()` sets the columns named by
    the mapping, as `Connection.execute` does."""

    def __init__(self, statement: sa.Executable, *, sqlite: sa.Executable | None = None) -> None:
        """`sqlite`: the statement to run on SQLite instead (one that says what SQLite's planner
        would not find itself, say `INDEXED BY`)."""
        self.statement = statement
        self._by_dialect = {} if sqlite is None else {"sqlite": sqlite}
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def _compiled_for(self, conn: sa.Connection, params: Mapping[str, Any]) -> _Compiled:
        dialect = conn.dialect
        key = (dialect.name, tuple(params))
        compiled = self._compiled.get(key)
        if compiled is None:
            statement = self._by_dialect.get(dialect.name, self.statement)
            compiled = self._compiled[key] = _compile(statement, dialect, key[1])
        return compiled

    def _run(self, conn: sa.Connection, params: Mapping[str, Any]) -> tuple[Any, _Compiled]:
        compiled = self._compiled_for(conn, params)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(compiled.sql, _values(compiled, params))
        return cursor, compiled

    def execute(self, conn: sa.Connection, params: Mapping[str, Any]) -> int:
        """Run an insert, update or delete; returns the number of rows it touched."""
        cursor, _ = self._run(conn, params)
        count = int(cursor.rowcount)
        cursor.close()
        return count

    def execute_many(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run an insert once per row (every row with the same keys)."""
        if not rows:
            return
        compiled = self._compiled_for(conn, rows[0])
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(compiled.sql, [_values(compiled, row) for row in rows])
        cursor.close()

    def mappings(self, conn: sa.Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row of a select as a mapping of column name to value."""
        compiled, found = self._fetch(conn, params)
        return [dict(zip(compiled.keys, row, strict=True)) for row in found]

    def rows(self, conn: sa.Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of a select, each value through its column type's result processor."""
        return self._fetch(conn, params)[1]

    def first(self, conn: sa.Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row of a select as a mapping of column name to value, or None."""
        compiled, found = self._fetch(conn, params)
        return dict(zip(compiled.keys, found[0], strict=True)) if found else None

    def _fetch(
        self, conn: sa.Connection, params: Mapping[str, Any]
    ) -> tuple[_Compiled, list[tuple[Any, ...]]]:
        cursor, compiled = self._run(conn, params)
        if compiled.results is None:
            compiled.results = _result_processors(compiled, conn.dialect, cursor.description)
        found = cursor.fetchall()
        cursor.close()
        if not compiled.results:
            return compiled, [tuple(row) for row in found]
        out = []
        for row in found:
            values = list(row)
            for position, processor in compiled.results:
                values[position] = processor(values[position])
            out.append(tuple(values))
        return compiled, out
