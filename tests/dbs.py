"""Test databases: migrated once per session, fresh per test.

SQLite: each history is migrated into a template file once; every test gets copies.
PostgreSQL (UPLIFT_TEST_DATABASE_URL=postgresql+asyncpg://user@host:port/any): one database per
history per session, created and dropped here; every test starts from truncated tables.
"""

import asyncio
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from common.migrations import HISTORIES, upgrade

PG_URL = os.environ.get("UPLIFT_TEST_DATABASE_URL", "")


def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


class TestDatabases:
    __test__ = False

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:8]
        self.templates: dict[str, str] = {}

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
        for h in HISTORIES:
            engine = create_async_engine(self.pg_url(h))
            async with engine.begin() as conn:
                rows = await conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))
                tables = [r[0] for r in rows]
                if tables:
                    await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
            await engine.dispose()
