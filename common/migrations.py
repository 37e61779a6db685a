"""Alembic glue: each history's env.py calls `run_env`; the CLI and tests call `upgrade`/`downgrade`."""

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from common.db import is_sqlite

INI = Path(__file__).resolve().parent.parent / "migrations" / "alembic.ini"
HISTORIES = ("identity", "behaviors", "coaching", "metrics")
# PostgreSQL: every migration of a database holds this transaction-scoped advisory lock, so replicas started
# together migrate one at a time (the others then find the schema at head) instead of racing on its DDL.
MIGRATION_LOCK = 0x75706C6966740001


def alembic_config(history: str, url: str) -> Config:
    if history not in HISTORIES:
        raise ValueError(f"unknown migration history {history!r}")
    cfg = Config(str(INI), ini_section=history)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(history: str, url: str, revision: str = "head") -> None:
    _ensure_sqlite_dir(url)
    command.upgrade(alembic_config(history, url), revision)


def downgrade(history: str, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(history, url), revision)


def _ensure_sqlite_dir(url: str) -> None:
    if is_sqlite(url) and ":memory:" not in url:
        path = url.split("///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def run_env(metadata: MetaData) -> None:
    """Body of every env.py: async engine online, SQLite in batch mode, types compared."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set (use common.migrations.alembic_config)"
    opts: dict[str, Any] = {"target_metadata": metadata, "render_as_batch": is_sqlite(url), "compare_type": True}
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, **opts)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":  # before the current revision is read
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
            await conn.commit()
        await engine.dispose()

    connection = context.config.attributes.get("connection")
    if connection is not None:
        do_run(connection)
    else:
        asyncio.run(run_async())
