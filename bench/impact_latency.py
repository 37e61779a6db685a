"""Does an impact query stall the service it runs in? `/healthz` p99 while four impact queries (200 treated vs
800 comparison people) run side by side, ÷ `/healthz` p99 with the service idle.

    .venv/bin/python -m bench.impact_latency [--seconds 6] [--rounds 3]

The metrics service as its own process on a scratch PostgreSQL database; 1,000 sellers with about a meeting a
day over the 140 days before today, 200 of them through a course around 60 days ago. Each round measures idle
first, then loaded: four clients asking for the course's impact back to back while one client asks for
`/healthz` one request at a time (latencies of the loaded phase are taken only while the four are running).
Aim (issue 13): loaded ÷ idle ≤ 3.
"""

import argparse
import asyncio
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import httpx

from bench.load import Load, Request, drive
from bench.processes import Cluster
from bench.report import Figure, print_figures

PEOPLE, TREATED, DAYS, WINDOW = 1000, 200, 140, 28


def at(day: date) -> str:
    return datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=UTC).isoformat()


def seed(base: str, creds: dict[str, str]) -> None:
    rnd = random.Random(5)
    today = datetime.now(UTC).date()
    sellers = [str(uuid.uuid4()) for _ in range(PEOPLE)]
    with httpx.Client(base_url=base, timeout=120, headers={"authorization": f"Bearer {creds['api_key']}"}) as c:
        internal = {"authorization": f"Bearer {creds['internal_key']}"}
        r = c.put("/v1/internal/people", headers=internal, json={"items": [
            {"id": p, "version": 1, "name": f"S{n}", "roles": ["seller"]} for n, p in enumerate(sellers)]})
        r.raise_for_status()
        treated = {p: today - timedelta(days=60 + rnd.randint(-6, 6)) for p in sellers[:TREATED]}
        r = c.post("/v1/completions", json={"items": [
            {"external_id": f"c-{p}", "lms": "cornerstone", "person_id": p, "course_id": "bench-course",
             "course_title": "Bench course", "status": "passed", "completed_at": at(d)} for p, d in treated.items()]})
        r.raise_for_status()
        items: list[dict[str, Any]] = []
        for p in sellers:
            rate = rnd.uniform(0.4, 1.2) + (0.3 if p in treated else 0)
            for d in range(1, DAYS):
                day = today - timedelta(days=d)
                for _ in range(int(rate) + (rnd.random() < rate - int(rate))):
                    items.append({"external_id": f"m{len(items)}", "source": "hubspot", "type": "meeting",
                                  "person_id": p, "occurred_at": at(day), "source_updated_at": at(day)})
        for i in range(0, len(items), 5000):
            c.post("/v1/activities", json={"items": items[i:i + 5000]}).raise_for_status()
        found = c.get("/v1/impact", params={"metric": "meetings", "course_id": "bench-course",
                                            "window_days": WINDOW})
        found.raise_for_status()
        body = found.json()
        assert (body["treated_size"], body["comparison_size"]) == (TREATED, PEOPLE - TREATED), body


async def loaded(base: str, creds: dict[str, str], seconds: float) -> tuple[Load, int]:
    """/healthz latencies while four impact queries run back to back; and how many impact answers came."""
    headers = {"authorization": f"Bearer {creds['api_key']}"}
    url = f"{base}/v1/impact?metric=meetings&course_id=bench-course&window_days={WINDOW}"
    done = 0
    running = 0
    stop = time.perf_counter() + seconds
    all_running = asyncio.Event()
    health = Load()

    async with aiohttp.ClientSession(headers=headers) as session:
        async def impact() -> None:
            nonlocal done, running
            while time.perf_counter() < stop:
                running += 1
                if running == 4:
                    all_running.set()
                async with session.get(url) as r:
                    await r.read()
                    assert r.status == 200, r.status
                running -= 1
                done += 1

        async def healthz() -> None:
            await all_running.wait()
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                async with session.get(f"{base}/healthz") as r:
                    await r.read()
                if running >= 3:  # measured while the impact queries are in the service
                    health.latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*(impact() for _ in range(4)), healthz())
        health.wall = time.perf_counter() - start
    health.count = len(health.latencies)
    return health, done


def measure(seconds: float, rounds: int) -> list[Figure]:
    figure = Figure("healthz_under_impact", "/healthz p99 during 4 impact queries (200 vs 800) ÷ idle", "≤ 3",
                    lambda m: m <= 3)
    with Cluster() as cluster:
        creds = cluster.start("metrics")
        base = cluster.url("metrics")
        seed(base, creds)
        for i in range(rounds):
            idle = asyncio.run(drive(Request("GET", f"{base}/healthz"), seconds=seconds, concurrency=1))
            busy, answered = asyncio.run(loaded(base, creds, seconds))
            p99_idle, p99_busy = idle.percentile(99) * 1000, busy.percentile(99) * 1000
            print(f"round {i + 1}: /healthz p99 idle {p99_idle:.1f} ms, during impact {p99_busy:.1f} ms "
                  f"({busy.count} probes, {answered} impact answers)", file=sys.stderr)
            figure.add(p99_busy / p99_idle, idle_p99_ms=round(p99_idle, 2), loaded_p99_ms=round(p99_busy, 2),
                       impact_answers=answered, probes=busy.count)
    return [figure]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print_figures(measure(args.seconds, args.rounds))


if __name__ == "__main__":
    main()
