"""A background loop for a service's periodic work (webhook deliveries, sweeps): `tick` runs again at once
while it finds work (it returns how much it did), else after `every` seconds; a failing tick is logged and
the loop goes on (the work stays where it was and is tried again)."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


class Periodic:
    def __init__(self, name: str, tick: Callable[[], Awaitable[int]], every: float, *,
                 until_idle: Callable[[int], bool] = bool) -> None:
        self.name = name
        self.tick = tick
        self.every = every
        self.until_idle = until_idle  # when a tick's result means "there is more, go again"
        self._task: asyncio.Task[None] | None = None
        self._log = logging.getLogger(f"uplift.{name.split(':', 1)[0]}")

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.name)

    async def _loop(self) -> None:
        while True:
            try:
                while self.until_idle(await self.tick()):
                    pass
            except Exception:
                self._log.exception("%s: tick failed", self.name)
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
