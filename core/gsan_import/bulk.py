"""Write rows in batches through SQLAlchemy Core, never the ORM.

SQLite gets executemany in batches; PostgreSQL gets psycopg's COPY, about
five times faster (STACK.md §3). Either way the rows join the session's
transaction, and Python-side column defaults are filled in here, since COPY
knows nothing of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, bindparam, select, update

BATCH = 5000


def _default(column):
    default = column.default
    if default is None or column.primary_key:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)
    return None


def _complete(table: Table, rows: list[dict]) -> list[dict]:
    """Give every row every defaulted column; drop keys starting with '_'."""
    keys = {key for row in rows for key in row if not key.startswith("_")}
    defaults = {col.name: _default(col) for col in table.columns}
    defaults = {name: value for name, value in defaults.items() if value is not None}
    template = {key: None for key in keys} | {
        name: value for name, value in defaults.items() if name not in keys
    }
    fill = {k: v for k, v in defaults.items() if k in keys and not table.c[k].nullable}
    out = []
    for row in rows:
        done = template.copy()
        done.update(row)
        for key, value in fill.items():
            if done[key] is None:
                done[key] = value
        out.append(done)
    hidden = [key for key in out[0] if key.startswith("_")] if out else []
    for row in out if hidden else ():
        for key in hidden:
            del row[key]
    return out


def _copy(session, table: Table, rows: list[dict]) -> None:
    from psycopg import sql

    keys = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, keys))
    )
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[key] for key in keys])


def insert_rows(session, table: Table, rows: list[dict], size: int = BATCH) -> int:
    """Insert rows (COPY on PostgreSQL, else batches of ``size``); return the count."""
    if not rows:
        return 0
    rows = _complete(table, rows)
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, rows)
        return len(rows)
    for start in range(0, len(rows), size):
        session.execute(table.insert(), rows[start : start + size])
    return len(rows)


def set_gsan_ids(session, table: Table, links: Iterable[tuple[int, int]]) -> None:
    """Set ``gsan_id`` on existing rows, given (row id, gsan id) pairs."""
    params = [{"row_id": row_id, "new_gsan_id": gsan} for row_id, gsan in links]
    if params:
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(gsan_id=bindparam("new_gsan_id"))
        )
        session.execute(statement, params)


def gsan_ids(session, table: Table) -> dict[int, int]:
    """Return {gsan id: our id} of a table's imported rows."""
    query = select(table.c.gsan_id, table.c.id).where(table.c.gsan_id.is_not(None))
    return dict(session.execute(query).all())
