"""Test databases: migrated once per session, fresh per test.

SQLite: each history is migrated into a template file once; every test gets copies.
PostgreSQL (UPLIFT_TEST_DATABASE_URL=postgresql+asyncpg://user@host:port/any): one database per
history per session, created and dropped here; every test starts from emptied tables.

Emptying on PostgreSQL: DELETE every table, children before parents (the foreign keys' order, read once),
in one round trip per database. A test leaves a few rows, and DELETE of a few rows costs milliseconds where
TRUNCATE of ~50 tables costs ~1 s (it swaps every table's files and syncs them); a fresh database per test
(CREATE DATABASE ... TEMPLATE) costs more again. DELETE leaves dead rows behind, so every TRUNCATE_EVERY-th
clean truncates instead, which gives the space back whether or not autovacuum runs.

SQLite in this process runs with `PRAGMA synchronous=NORMAL` (the services keep the default, FULL): in WAL mode
that still never corrupts a database, it only skips the fsync of every commit (~4 ms each here, and a test
commits dozens of times), which guards against losing the last commits on a power cut, something no test
here exercises. The processes tests start (`uplift serve`, tests/e2e) keep FULL.
"""

import asyncio
import graphlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from common.migrations import HISTORIES, upgrade

PG_URL = os.environ.get("UPLIFT_TEST_DATABASE_URL", "")
TRUNCATE_EVERY = 50

TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
FOREIGN_KEYS = """SELECT child.relname, parent.relname FROM pg_constraint c
  JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
  WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"""


@event.listens_for(Engine, "connect")
def _no_fsync_per_commit(dbapi_connection: Any, _record: Any) -> None:
    if "sqlite" in type(dbapi_connection).__module__:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


class TestDatabases:
    __test__ = False

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:8]
        self.templates: dict[str, str] = {}
        self.emptying: dict[str, str] = {}  # PostgreSQL: history -> the statements that empty its tables
        self.cleans = 0

    # ---- names
    def pg_url(self, history: str) -> str:
        return make_url(PG_URL).set(database=f"uplift_t{self.run_id}_{history}").render_as_string(hide_password=False)

    def _admin_url(self) -> str:
        return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)

    # ---- lifecycle
    def create(self) -> None:
        if PG_URL:
            asyncio.run(self._pg_admin("CREATE DATABASE {}"))
            for h in HISTORIES:
                upgrade(h, self.pg_url(h))
        else:
            for h in HISTORIES:
                path = self.workdir / f"template_{h}.db"
                upgrade(h, f"sqlite+aiosqlite:///{path}")
                self.templates[h] = str(path)

    def drop(self) -> None:
        if PG_URL:
            asyncio.run(self._pg_admin("DROP DATABASE IF EXISTS {} WITH (FORCE)"))

    async def _pg_admin(self, statement: str) -> None:
        engine = create_async_engine(self._admin_url(), isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            for h in HISTORIES:
                name = make_url(self.pg_url(h)).database
                if statement.startswith("CREATE"):
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await conn.execute(text(statement.format(f'"{name}"')))
        await engine.dispose()

    def fresh(self, tmp: Path) -> dict[str, str]:
        """URLs of clean databases for one test."""
        if PG_URL:
            return {h: self.pg_url(h) for h in HISTORIES}
        urls = {}
        for h, template in self.templates.items():
            target = tmp / f"{h}.db"
            shutil.copyfile(template, target)
            urls[h] = f"sqlite+aiosqlite:///{target}"
        return urls

    async def clean(self) -> None:
        """After a test on PostgreSQL: empty every table (the schema stays)."""
        if not PG_URL:
            return
        self.cleans += 1
        truncate = self.cleans % TRUNCATE_EVERY == 0
        for h in HISTORIES:
            await self._empty(h, truncate=truncate)

    async def _empty(self, history: str, *, truncate: bool) -> None:
        engine = create_async_engine(self.pg_url(history))
        async with engine.begin() as conn:
            if history not in self.emptying:
                self.emptying[history] = await _emptying(conn)
            statements = self.emptying[history]
            if truncate and statements:
                tables = [r[0] for r in await conn.execute(text(TABLES))]
                statements = "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"
            if statements:  # several statements in one round trip: asyncpg's simple query protocol
                await (await conn.get_raw_connection()).driver_connection.execute(statements)  # type: ignore[union-attr]
        await engine.dispose()

async def _emptying(conn: AsyncConnection) -> str:
    """DELETE statements for every table of the database, a table's referencing tables before it (a cycle of
    foreign keys falls back to one TRUNCATE ... CASCADE of them all)."""
    tables = [r[0] for r in await conn.execute(text(TABLES))]
    referenced_by: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in await conn.execute(text(FOREIGN_KEYS)):
        if child != parent and parent in referenced_by:
            referenced_by[parent].add(child)
    try:
        order = list(graphlib.TopologicalSorter(referenced_by).static_order())  # referencing tables first
    except graphlib.CycleError:
        return ("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE") if tables else ""
    return "".join(f'DELETE FROM "{t}";' for t in order)
