"""The floor a service's GET by id is measured against: a bare FastAPI app with an asyncpg pool doing one
single-row SELECT (the behaviour joined to its effective version) and returning its columns as JSON, with no
credential check, no session, no ORM. Served by uvicorn like the services (uvloop, httptools).

    BENCH_BARE_DSN=postgresql://... .venv/bin/uvicorn bench.bare_app:app --port 8099
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, HTTPException

SELECT = """SELECT b.id, b.key, b.status, b.current_version, b.draft_version, b.created_at, b.updated_at,
                   v.name, v.description, v.rationale, v.audience, v.category, v.stage, v.priority
            FROM behaviors b JOIN behavior_versions v
              ON v.behavior_id = b.id AND v.number = coalesce(b.current_version, b.draft_version)
            WHERE b.id = $1 AND b.tenant_id = $2"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_BARE_DSN"], min_size=2, max_size=10)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/v1/behaviors/{behavior_id}")
async def get_behavior(behavior_id: uuid.UUID, tenant: uuid.UUID) -> dict[str, Any]:
    row = await app.state.pool.fetchrow(SELECT, behavior_id, tenant)
    if row is None:
        raise HTTPException(404)
    return dict(row)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
