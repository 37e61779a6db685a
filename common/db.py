"""Async engines, one commit point per request, column types that behave the same on SQLite and PostgreSQL."""

import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import pydantic_core
from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, MetaData, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, Engine, ExceptionContext, Row
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, PoolProxiedConnection
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import greenlet_spawn

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite drops the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if dialect.name != "sqlite" else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _json(value: Any) -> str:
    return pydantic_core.to_json(value).decode()


def _without_row_values(context: ExceptionContext) -> None:
    """PostgreSQL explains a refused write with the row's values (`DETAIL: Key (email)=(ann@example.com) already
    exists`, `Failing row contains (...)`); the driver's exception carries them into every traceback that is
    logged. Drop them where the error is raised: the message, the constraint and the SQLSTATE stay."""
    seen: BaseException | None = context.original_exception
    for _ in range(8):  # the driver's error is one or two links down the chain
        if seen is None:
            return
        if getattr(seen, "detail", None) and hasattr(seen, "sqlstate"):
            with contextlib.suppress(AttributeError, TypeError):
                seen.detail = None  # type: ignore[attr-defined]
        seen = seen.__cause__ or seen.__context__


PING_AFTER_SECONDS = 1.0
_RETURNED = "uplift_returned_at"


def _ping_when_idle(engine: AsyncEngine, ping_after: float) -> None:
    """Make a pooled connection that may have died harmless, at a round trip only where one can have died unseen.

    SQLAlchemy's `pool_pre_ping` pings on every checkout; with asyncpg that is BEGIN, `;`, ROLLBACK — three round
    trips before a one-statement read. Here a connection is checked at checkout by what the driver already knows:
    one whose server closed it (a restarted or stopped PostgreSQL, `pg_terminate_backend`, an idle timeout: the
    socket's end was read by the event loop) is replaced, and one that sat in the pool `ping_after` seconds or
    more is pinged first (the end of a silently dropped link shows only then). Either way a dead connection is
    reconnected before the request uses it, and every other connection opened before then is replaced on its
    next checkout (the pool's invalidation), as with `pool_pre_ping`."""

    @event.listens_for(engine.sync_engine, "connect")
    def _opened(_dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _check(dbapi_conn: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        closed = getattr(record.driver_connection, "is_closed", None)  # asyncpg's Connection.is_closed
        if closed is not None and closed():
            raise InvalidatePoolError("the server closed the connection")
        if time.monotonic() - record.info.get(_RETURNED, 0.0) < ping_after:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure of `;` means the connection is of no use
            raise InvalidatePoolError(f"ping failed: {type(exc).__name__}") from exc


def make_engine(url: str, *, pool_size: int = 10, ping_after: float = PING_AFTER_SECONDS) -> AsyncEngine:
    """`pool_size=0`: no pool (each connection is opened when asked and closed when returned). A pooled
    PostgreSQL connection is checked at checkout (`_ping_when_idle`): pinged when it sat `ping_after` seconds
    or more in the pool, replaced when its server closed it."""
    # hide_parameters: no statement's parameters in an exception's text (nor in any log that quotes it)
    kwargs: dict[str, Any] = {"json_serializer": _json,  # pydantic-core's Rust encoder, not json.dumps
                              "hide_parameters": True}
    if is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
    if pool_size == 0:
        kwargs["poolclass"] = NullPool
    elif not is_sqlite(url):
        kwargs.update(pool_size=pool_size, max_overflow=pool_size)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "handle_error", _without_row_values)
    if pool_size != 0 and not is_sqlite(url):
        _ping_when_idle(engine, ping_after)
    if is_sqlite(url):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

    return engine


def _read_in_autocommit(engine: Engine, statement: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn.execute(statement, params).all()


class Database:
    """One engine and session factory per service database."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def read(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        """The rows of a read answered by one statement (which sees one snapshot by itself): on a pooled
        connection in autocommit, so it costs that statement's round trip and no BEGIN/COMMIT, and the
        connection is back in the pool when this returns (before any response is sent). The statement runs in
        one hop to SQLAlchemy's greenlet with the autocommit setting."""
        return await greenlet_spawn(_read_in_autocommit, self.engine.sync_engine, statement, params)

    async def autovacuum_off(self) -> bool:
        """Whether this is a PostgreSQL server running without autovacuum, which then never analyses a table by
        itself (False for SQLite, and when the server cannot be asked)."""
        if self.engine.dialect.name != "postgresql":
            return False
        try:
            async with self.engine.connect() as conn:
                return bool((await conn.execute(text("SHOW autovacuum"))).scalar_one() == "off")
        except Exception:  # not reachable yet: /readyz says so; this is only advice
            return False


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    async with db.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": the commit happens when the handler returns, before the response is sent.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
