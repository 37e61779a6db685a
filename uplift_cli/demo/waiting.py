"""How the demo loader waits for the metrics read model, which events feed behind its back: as long as it keeps
moving. A wall-clock deadline would fail a load on a busy machine while the figures still arrive; the loader gives
up only when `STALL_SECONDS` pass without any progress (events not flowing at all: no broker, a consumer down)."""

import time
from collections.abc import Hashable

STALL_SECONDS = 120.0


class Progress:
    """Call `moved(state)` with what was seen on each poll (any comparable summary of it); `stalled()` is true
    once the state has not changed for `STALL_SECONDS`."""

    def __init__(self, stall_seconds: float = STALL_SECONDS) -> None:
        self.stall_seconds = stall_seconds
        self._state: Hashable = None
        self._since = time.monotonic()

    def moved(self, state: Hashable) -> None:
        if state != self._state:
            self._state, self._since = state, time.monotonic()

    def stalled(self) -> bool:
        return time.monotonic() - self._since > self.stall_seconds
