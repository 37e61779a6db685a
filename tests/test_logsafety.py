"""What libraries would log, made safe at the source (common/logsafety.py, common/db.py)."""

import logging
import traceback
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from common import logsafety
from common.db import make_engine
from common.errors import db_error_summary, install_error_handlers
from tests.dbs import PG_URL

EMAIL = "zoe.private@example.com"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    logsafety.install()
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_a_refused_write_carries_no_row_values_in_its_traceback(tmp_path: Path):
    """PostgreSQL's DETAIL (`Key (email)=(…) already exists`) and the statement's parameters stay out of the
    exception, so out of any traceback a log prints; the constraint and SQLSTATE stay."""
    engine = make_engine(PG_URL or f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TEMP TABLE contacts (email VARCHAR(100) UNIQUE)"))
            insert = text("INSERT INTO contacts (email) VALUES (:email)")
            await conn.execute(insert, {"email": EMAIL})
            with pytest.raises(IntegrityError) as raised:
                await conn.execute(insert, {"email": EMAIL})
    finally:
        await engine.dispose()
    printed = "".join(traceback.format_exception(raised.value))
    assert EMAIL not in printed
    assert "parameters hidden" in printed
    summary = db_error_summary(raised.value)
    assert EMAIL not in summary and ("UNIQUE constraint failed" in summary or "[23505]" in summary), summary


async def test_request_lines_of_httpx_lose_the_query_string_and_userinfo(logs):
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(204))) as client:
        await client.get("http://user:pw@coaching/v1/people", params={"q": EMAIL})
        with logsafety.origin_only():
            await client.post("https://hooks.example.com:8443/services/T0/B0/s3cretPathToken")
    lines = [r.getMessage() for r in logs.records if r.name == "httpx"]
    assert lines == ['HTTP Request: GET http://coaching/v1/people?… "HTTP/1.1 204 No Content"',
                     'HTTP Request: POST https://hooks.example.com:8443 "HTTP/1.1 204 No Content"']


async def test_aiosqlite_statement_parameters_are_not_logged(logs, tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'y.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT :v"), {"v": EMAIL})).scalar() == EMAIL
    finally:
        await engine.dispose()
    assert EMAIL not in logs.text
    assert not [r for r in logs.records if r.name == "aiosqlite" and r.levelno <= logging.DEBUG]


def test_install_is_idempotent():
    logsafety.install()
    logsafety.install()
    for name, kind in logsafety.FILTERS.items():
        assert sum(isinstance(f, kind) for f in logging.getLogger(name).filters) == 1


async def test_an_unexpected_database_error_is_logged_once_without_values(logs, tmp_path: Path):
    """A 500 from the database: logged by class, SQLSTATE and stack, not with the value PostgreSQL quotes in its
    message (`invalid input for query argument $1: '…'`); the server's own second log of it is dropped."""
    engine = make_engine(PG_URL or f"sqlite+aiosqlite:///{tmp_path / 'z.db'}")
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/boom")
    async def boom() -> None:
        async with engine.connect() as conn:
            statement = "SELECT CAST(:v AS INTEGER)" if PG_URL else "SELECT :v FROM no_such_table"
            await conn.execute(text(statement), {"v": EMAIL})

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            with pytest.raises(DBAPIError) as raised:  # what Starlette re-raises to the server after answering
                await client.post("/boom")
    finally:
        await engine.dispose()
    [logged] = [r for r in logs.records if r.levelno >= logging.ERROR]
    assert logged.name == "uplift.errors" and logged.exc_info is None
    assert "unhandled database error on /boom: " in logged.getMessage() and "in boom" in logged.getMessage()
    assert ("DataError [22000]: invalid input for query argument $1: …" in logged.getMessage() if PG_URL
            else "OperationalError: no such table: no_such_table" in logged.getMessage())
    assert EMAIL not in logs.text

    server = logging.getLogger("uvicorn.error")  # as uvicorn logs what the app raised
    server.error("Exception in ASGI application\n", exc_info=raised.value)
    server.error("Exception in ASGI application\n", exc_info=RuntimeError("not logged by Uplift"))
    assert [r.exc_info[1] for r in logs.records if r.name == "uvicorn.error" and r.exc_info] == [
        r.exc_info[1] for r in logs.records if r.name == "uvicorn.error" and not isinstance(r.exc_info[1], DBAPIError)]
    assert len([r for r in logs.records if r.name == "uvicorn.error"]) == 1
