"""Every history: upgrade → no drift against the models → downgrade to base → upgrade again.
Runs on SQLite, and on PostgreSQL when UPLIFT_TEST_DATABASE_URL is set."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from common.identity.models import Base as IdentityBase
from common.migrations import HISTORIES, downgrade, upgrade
from services.behaviors.models import Base as BehaviorsBase
from services.coaching.models import Base as CoachingBase
from services.metrics.models import Base as MetricsBase
from tests.dbs import PG_URL
from tests.timing import patience

METADATA: dict[str, MetaData] = {
    "identity": IdentityBase.metadata,
    "behaviors": BehaviorsBase.metadata,
    "coaching": CoachingBase.metadata,
    "metrics": MetricsBase.metadata,
}


async def _admin(sql: str) -> None:
    engine = create_async_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@pytest.fixture
def empty_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    name = f"uplift_m{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _inspect(url: str, fn: Any) -> Any:
    async def run() -> Any:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            result = await conn.run_sync(fn)
        await engine.dispose()
        return result

    return asyncio.run(run())


def _drift(metadata: MetaData) -> Any:
    def diff(conn: Connection) -> list[Any]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))

    return diff


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) - {"alembic_version"}


@pytest.mark.parametrize("history", HISTORIES)
def test_upgrade_matches_models_and_downgrade_round_trips(history: str, empty_url: str) -> None:
    metadata = METADATA[history]
    upgrade(history, empty_url)
    assert _inspect(empty_url, _drift(metadata)) == [], "models and migrations differ: write a migration"
    assert _inspect(empty_url, _tables) == set(metadata.tables)

    downgrade(history, empty_url)
    assert _inspect(empty_url, _tables) == set()

    upgrade(history, empty_url)
    assert _inspect(empty_url, _drift(metadata)) == []


def test_drift_check_notices_a_model_change(empty_url: str) -> None:
    """The drift check above is only worth something if it sees a difference when there is one."""
    from sqlalchemy import Column, Integer, Table

    upgrade("behaviors", empty_url)
    changed = MetaData()
    for table in BehaviorsBase.metadata.tables.values():
        table.to_metadata(changed)
    Table("not_migrated", changed, Column("id", Integer, primary_key=True))
    diffs = _inspect(empty_url, _drift(changed))
    assert [d[0] for d in diffs] == ["add_table"]


def test_replicas_starting_together_migrate_one_at_a_time(empty_url: str) -> None:
    """Two replicas of a service (`uplift serve --service X` migrates first) started at once on an empty
    database: both must come up. Without the migration lock one of them died on a duplicate type or table."""
    if not PG_URL:
        pytest.skip("PostgreSQL only: replicas share a PostgreSQL database (SQLite is one process per file)")
    uplift = str(Path(sys.executable).parent / "uplift")
    env = {**os.environ, "UPLIFT_METRICS_DATABASE_URL": empty_url}
    runs = [subprocess.Popen([uplift, "migrate", "--service", "metrics"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=patience(60.0))[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], "\n".join(out[-2000:] for out in outputs)
    assert _inspect(empty_url, _drift(METADATA["metrics"])) == []
