"""The relay: publishes a database's unpublished outbox rows, oldest id first, then stamps them.

At least once: a crash between publishing and stamping publishes again (JetStream drops the repeat within
its de-duplication window; consumers' inboxes make any other repeat a no-op). On PostgreSQL one relay at a
time works a database (a transaction-scoped advisory lock, so events leave in id order even with many
replicas), holding the batch's rows `FOR UPDATE SKIP LOCKED` while it publishes; the others find the lock
taken and wait for the next tick. On SQLite run one relay per database: it reads, publishes, then stamps
in a short write transaction, so business writes (or in-process handlers writing the same file) never
wait on the broker.
"""

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import RowMapping, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import Database, is_sqlite, utcnow
from common.events.bus import Transport
from common.events.envelope import Event
from common.events.outbox import on_commit

log = logging.getLogger("uplift.events")
FIELDS = ("id", "tenant_id", "topic", "entity_id", "entity_version", "occurred_at", "payload")


class Relay:
    def __init__(self, database: Database, table: Table, transport: Transport, *, batch_size: int = 100,
                 poll_interval: float = 0.5, max_backoff: float = 30.0) -> None:
        self.db, self.table, self.transport = database, table, transport
        self.batch_size, self.poll_interval, self.max_backoff = batch_size, poll_interval, max_backoff
        self.failures = 0  # consecutive runs that could not publish everything they read
        self.idle_runs = 0  # runs that found nothing to publish
        self._locking = not is_sqlite(database.url)
        digest = hashlib.sha256(f"uplift.events.relay:{table.name}".encode()).digest()
        self._lock_key = int.from_bytes(digest[:8], "big", signed=True)
        self._pending = (select(*(table.c[f] for f in FIELDS)).where(table.c.published_at.is_(None))
                         .order_by(table.c.id).limit(batch_size))
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._undo_hook: Callable[[], None] = lambda: None

    async def run_once(self) -> int:
        """Publish one batch; returns how many rows were published and stamped."""
        async with self.db.sessions() as session:
            if self._locking:
                async with session.begin():
                    if not (await session.execute(select(func.pg_try_advisory_xact_lock(self._lock_key)))).scalar():
                        return 0  # another relay is working this database
                    rows = (await session.execute(self._pending.with_for_update(skip_locked=True))).mappings().all()
                    sent, failed = await self._publish(rows)
                    await self._mark(session, sent, failed)
            else:
                rows = (await session.execute(self._pending)).mappings().all()
                await session.rollback()  # no transaction held while publishing
                sent, failed = await self._publish(rows)
                async with session.begin():
                    await self._mark(session, sent, failed)
        self.failures = self.failures + 1 if failed is not None else 0
        if not rows:
            self.idle_runs += 1
        return len(sent)

    async def _publish(self, rows: Sequence[RowMapping]) -> tuple[list[uuid.UUID], uuid.UUID | None]:
        sent: list[uuid.UUID] = []
        for row in rows:
            try:
                await self.transport.publish(Event.model_validate(dict(row)))
            except Exception:
                log.warning("publishing event %s failed; it goes again later", row["id"], exc_info=True)
                return sent, row["id"]  # stop here: later events must not overtake it
            sent.append(row["id"])
        return sent, None

    async def _mark(self, session: AsyncSession, sent: list[uuid.UUID], failed: uuid.UUID | None) -> None:
        t = self.table
        if sent:
            await session.execute(update(t).where(t.c.id.in_(sent)).values(published_at=utcnow()))
        if failed is not None:
            await session.execute(update(t).where(t.c.id == failed).values(attempts=t.c.attempts + 1))

    # ---- the background loop (an app's lifespan calls start/stop)
    def notify(self) -> None:
        """Wake the loop now (called after a commit that recorded events)."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is not None:
            return
        loop = asyncio.get_running_loop()
        engine = self.db.engine.sync_engine

        def poke(bind: Any) -> None:
            if (bind is None or bind is engine) and not loop.is_closed():
                loop.call_soon_threadsafe(self._wake.set)

        self._undo_hook = on_commit(poke)
        self._task = asyncio.create_task(self._loop(), name=f"relay:{self.table.name}")

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the batch in hand (or give up after `grace` seconds: the rows simply go again later)."""
        self._undo_hook()
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        done, _ = await asyncio.wait([task], timeout=grace)
        if not done:
            task.cancel()
            await asyncio.wait([task])
        self._stopping = False

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                published = await self.run_once()
            except Exception:
                log.exception("relay run failed")
                self.failures += 1
                published = 0
            if published >= self.batch_size and not self.failures:
                continue
            delay = min(self.max_backoff, self.poll_interval * 2 ** self.failures)
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                pass
            self._wake.clear()
