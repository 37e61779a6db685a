"""The real NATS JetStream server the events tests use (`make test` and .ci/run start it when down)."""

import os

import nats
import nats.js.errors
import pytest

from tests.timing import patience

NATS_URL = os.environ.get("UPLIFT_TEST_NATS_URL", "nats://127.0.0.1:4222")
MISSING = (f"NATS JetStream must run at {NATS_URL} for these tests (`make test` and .ci/run start it: "
           "scripts/ensure-nats.sh)")


def fail_without_nats(exc: BaseException) -> None:
    pytest.fail(f"{MISSING}: {exc!r}", pytrace=False)


async def require_nats() -> None:
    try:
        nc = await nats.connect(NATS_URL, connect_timeout=int(patience(4)), max_reconnect_attempts=0,
                                allow_reconnect=False)
    except Exception as exc:
        fail_without_nats(exc)
    await nc.close()


async def delete_stream(stream: str) -> None:
    """Remove a test's stream (nothing to do when the server or the stream is gone)."""
    try:
        nc = await nats.connect(NATS_URL, connect_timeout=int(patience(4)), max_reconnect_attempts=0,
                                allow_reconnect=False)
    except Exception:
        return
    try:
        await nc.jetstream().delete_stream(stream)
    except nats.js.errors.NotFoundError:
        pass
    await nc.close()
