"""Ingest speed against raw COPY, in one run on the local PostgreSQL.

    .venv/bin/python bench/ingest.py [--batches 10] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Starts the metrics service as its own process (`uplift serve --service metrics`) on a scratch database,
pushes generated CRM activities over HTTP in 5,000-item batches (the service keeps its daily aggregates as
it goes; the people the items name by id are put into its read model first, as ingest rejects unknown ones),
then COPYs the same rows with asyncpg into a scratch table of the same shape. Prints activities/s
for both and their ratio (aim, issue 13: ≥ 0.5).
"""

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from httpx_aiohttp import AiohttpTransport

from bench.report import Figure

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5000
TYPES = ["call", "email", "meeting", "demo", "proposal", "opportunity_created", "opportunity_won"]


def generate(n: int, seed: int = 7, prefix: str = "act") -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    people = [str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(200)]
    start = datetime(2026, 6, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        at = start + timedelta(minutes=rnd.randrange(0, 120 * 24 * 60))
        item: dict[str, Any] = {"external_id": f"{prefix}-{i}", "source": "salesforce", "type": rnd.choice(TYPES),
                "person_id": rnd.choice(people), "occurred_at": at.isoformat(),
                "attributes": {"contact_level": rnd.choice(["c_level", "vp", "manager"]), "account": f"acc-{i % 977}"},
                "source_updated_at": (at + timedelta(hours=1)).isoformat()}
        if item["type"] == "opportunity_won":
            item.update(amount=round(rnd.uniform(5_000, 90_000), 2), currency="EUR")
        items.append(item)
    return items


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The metrics service as its own process on scratch databases (set up before the clock starts)."""

    def __init__(self, pg: str) -> None:
        self.pg = pg
        self.name = f"uplift_bench_{uuid.uuid4().hex[:8]}"
        self.dsn = pg.rsplit("/", 1)[0] + f"/{self.name}"
        sa_url = self.dsn.replace("postgresql://", "postgresql+asyncpg://")
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "UPLIFT_METRICS_DATABASE_URL": sa_url,
                    "UPLIFT_IDENTITY_DATABASE_URL": f"{sa_url}_identity", "UPLIFT_ENVIRONMENT": "production",
                    "UPLIFT_JWT_SECRET": "bench-" * 8, "UPLIFT_LOG_LEVEL": "WARNING"}
        self.process: subprocess.Popen[bytes] | None = None

    def _admin(self, sql: str) -> None:
        async def run() -> None:
            conn = await asyncpg.connect(self.pg)
            await conn.execute(sql)
            await conn.close()

        asyncio.run(run())

    def start(self) -> dict[str, str]:
        self._admin(f'CREATE DATABASE "{self.name}"')
        self._admin(f'CREATE DATABASE "{self.name}_identity"')
        uplift = str(Path(sys.executable).parent / "uplift")
        creds: dict[str, str] = json.loads(subprocess.run(
            [uplift, "tenant", "create", "bench"], env=self.env, check=True, capture_output=True, text=True).stdout)
        internal = json.loads(subprocess.run(  # the read model's key: what the directory's events would write
            [uplift, "apikey", "create", "--tenant", creds["tenant_id"], "--scopes", "metrics:internal",
             "--name", "bench-read-model"], env=self.env, check=True, capture_output=True, text=True).stdout)
        creds["internal_key"] = internal["api_key"]
        self.process = subprocess.Popen([uplift, "serve", "--service", "metrics", "--port", str(self.port)],
                                        env=self.env, stdout=subprocess.DEVNULL, stderr=sys.stderr)
        for _ in range(200):
            try:
                if httpx.get(f"{self.url}/healthz").status_code == 200:
                    return creds
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the metrics service did not start")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=15)
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}_identity" WITH (FORCE)')


async def measure(server: Server, creds: dict[str, str], batches: int, prefix: str = "act") -> tuple[float, float]:
    items = generate(batches * BATCH, prefix=prefix)
    # The client's own JSON encoding is done before the clock starts: we time the service, not the client.
    bodies = [json.dumps({"items": items[b * BATCH:(b + 1) * BATCH]}).encode() for b in range(batches)]
    headers = {"authorization": f"Bearer {creds['api_key']}", "content-type": "application/json"}
    transport = AiohttpTransport()  # as the gateway's clients
    warm_items = generate(200, seed=1, prefix="warm")
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120, transport=transport) as client:
        # the people the items name are in the read model (ingest rejects an unknown person_id), as the
        # directory's events would leave them
        people = sorted({i["person_id"] for i in items + warm_items})
        learnt = await client.put("/v1/internal/people", json={"items": [
            {"id": p, "version": 1, "name": f"Person {n}"} for n, p in enumerate(people)]},
            headers={"authorization": f"Bearer {creds['internal_key']}"})
        learnt.raise_for_status()
        warm = await client.post("/v1/activities", json={"items": warm_items})
        warm.raise_for_status()
        t0 = time.perf_counter()
        for body in bodies:
            r = await client.post("/v1/activities", content=body)
            r.raise_for_status()
            assert r.json()["created"] == BATCH, r.json()["items"][:2]
        http_seconds = time.perf_counter() - t0

    conn = await asyncpg.connect(server.dsn)
    daily = await conn.fetchval("SELECT count(*) FROM metric_daily")
    print(f"  daily aggregate rows kept by ingest: {daily}", file=sys.stderr)
    await conn.execute("CREATE TABLE IF NOT EXISTS copy_target (LIKE activities INCLUDING ALL)")
    await conn.execute("TRUNCATE copy_target")
    tenant = uuid.UUID(creds["tenant_id"])
    now = datetime.now(UTC)
    rows = [(uuid.uuid4(), tenant, i["source"], i["external_id"], i["type"], uuid.UUID(i["person_id"]), None,
             datetime.fromisoformat(i["occurred_at"]), i.get("amount"), i.get("currency"),
             json.dumps(i["attributes"]), datetime.fromisoformat(i["source_updated_at"]), "0" * 64, now, now)
            for i in items]
    columns = ["id", "tenant_id", "source", "external_id", "type", "person_id", "source_user_id", "occurred_at",
               "amount", "currency", "attributes", "source_updated_at", "content_hash", "received_at", "updated_at"]
    t0 = time.perf_counter()
    for b in range(batches):
        await conn.copy_records_to_table("copy_target", records=rows[b * BATCH:(b + 1) * BATCH], columns=columns)
    copy_seconds = time.perf_counter() - t0
    await conn.close()
    return http_seconds, copy_seconds


def rounds(batches: int, count: int, pg: str = "postgresql://postgres@127.0.0.1:5432/postgres") -> list[Figure]:
    """`count` rounds on one server, each pushing new activities; the ratio ingest ÷ COPY per round."""
    figure = Figure("ingest_vs_copy", "CRM activity ingest over HTTP ÷ raw asyncpg COPY", "≥ 0.5", lambda m: m >= 0.5)
    server = Server(pg)
    try:
        creds = server.start()
        for i in range(count):
            http_seconds, copy_seconds = asyncio.run(measure(server, creds, batches, prefix=f"round{i}"))
            n = batches * BATCH
            print(f"round {i + 1}: ingest {n / http_seconds:.0f}/s, COPY {n / copy_seconds:.0f}/s", file=sys.stderr)
            figure.add(copy_seconds / http_seconds, ingest_per_s=round(n / http_seconds),
                       copy_per_s=round(n / copy_seconds))
    finally:
        server.stop()
    return [figure]


def main(batches: int, pg: str) -> None:
    server = Server(pg)
    try:
        creds = server.start()
        http_seconds, copy_seconds = asyncio.run(measure(server, creds, batches))
    finally:
        server.stop()
    n = batches * BATCH
    print(f"activities:               {n}")
    print(f"HTTP ingest (5k batches): {n / http_seconds:10.0f} activities/s")
    print(f"raw asyncpg COPY:         {n / copy_seconds:10.0f} activities/s")
    print(f"ratio ingest / COPY:      {copy_seconds / http_seconds:10.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    main(args.batches, args.pg)
