"""Does a team scorecard cost what its window holds, not what history holds? Its p95 latency in a tenant with
ten times the history (1M events over 1,200 days) ÷ in one with 100k events over 120 days, same people, same
team, same density, in one metrics service on PostgreSQL (planner statistics left as ingest leaves them).

    .venv/bin/python -m bench.scorecard_history [--events 100000] [--seconds 5] [--rounds 3]

Both tenants are loaded through the CRM ingest API (5,000-item batches) before the clock starts. Each round
asks for the two managers' team scorecards (month) in turn, one request at a time, for twice `seconds`, so that
the other programs of a shared machine weigh on both alike (bench/load.py `alternate`). Aim (issue 13): ≤ 1.2.
"""

import argparse
import asyncio
import json
import random
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from bench.load import Request, alternate
from bench.processes import Cluster
from bench.report import Figure, print_figures

SELLERS = 40
KINDS = ("meeting", "email", "call", "opportunity_won", "opportunity_lost")
BEHAVIORS: list[dict[str, Any]] = [
    {"key": "exec-meetings", "name": "Meet executives", "status": "active", "audience": ["seller"], "indicators": [
        {"metric_key": "meetings", "kind": "activity", "target": 3, "period": "week"},
        {"metric_key": "win_rate", "kind": "proficiency", "target": 0.4, "period": "month"},
        {"metric_key": "emails", "kind": "activity", "target": 20, "comparator": "lte", "period": "week"}]},
    {"key": "calls", "name": "Call every day", "status": "active", "audience": ["seller"],
     "indicators": [{"metric_key": "calls", "kind": "activity", "target": 5, "period": "week"}]},
]


def items(people: list[str], events: int, days: int) -> Iterator[dict[str, Any]]:
    rnd = random.Random(3)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for n in range(events):
        at = (today - timedelta(days=1 + n * days // events, minutes=rnd.randrange(600))).isoformat()
        yield {"external_id": f"e{n}", "source": "salesforce", "type": rnd.choice(KINDS),
               "person_id": rnd.choice(people), "occurred_at": at, "source_updated_at": at}


def load(base: str, creds: dict[str, str], events: int, days: int) -> str:
    """The org, its behaviours and `events` activities spread evenly over the `days` before today; returns the
    manager's id."""
    manager, sellers = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(SELLERS)]
    start = (date.today() - timedelta(days=days + 10)).isoformat()
    internal = {"authorization": f"Bearer {creds['internal_key']}"}
    with httpx.Client(base_url=base, timeout=300, headers={"authorization": f"Bearer {creds['api_key']}"}) as c:
        def put(path: str, rows: list[dict[str, Any]]) -> None:
            r = c.put(f"/v1/internal/{path}", headers=internal, json={"items": rows})
            r.raise_for_status()
            assert r.json()["rejected"] == 0, r.text

        put("people", [{"id": manager, "version": 1, "name": "M", "roles": ["manager"]}] + [
            {"id": p, "version": 1, "name": f"S{n}", "roles": ["seller"]} for n, p in enumerate(sellers)])
        put("reporting-lines", [{"id": str(uuid.uuid4()), "version": 1, "person_id": p, "manager_id": manager,
                                 "valid_from": start} for p in sellers])
        put("behaviors", [{"id": str(uuid.uuid4()), "version": 1, **b, "indicators": [
            {"id": str(uuid.uuid4()), **i} for i in b["indicators"]]} for b in BEHAVIORS])
        batch: list[dict[str, Any]] = []
        for item in items(sellers, events, days):
            batch.append(item)
            if len(batch) == 5000:
                _push(c, batch)
                batch = []
        if batch:
            _push(c, batch)
    return manager


def _push(c: httpx.Client, batch: list[dict[str, Any]]) -> None:
    r = c.post("/v1/activities", content=json.dumps({"items": batch}), headers={"content-type": "application/json"})
    r.raise_for_status()
    assert r.json()["created"] == len(batch), r.text[:300]


def measure(events: int, seconds: float, rounds: int) -> list[Figure]:
    figure = Figure("scorecard_history", f"team scorecard p95 at {10 * events:,} events ÷ at {events:,}", "≤ 1.2",
                    lambda m: m <= 1.2)
    with Cluster() as cluster:
        small = cluster.start("metrics")
        large = cluster.tenant("large")
        base = cluster.url("metrics")
        managers = {"small": load(base, small, events, 120), "large": load(base, large, 10 * events, 1200)}
        creds = {"small": small, "large": large}
        requests = {name: Request("GET", f"{base}/v1/scorecard?team_of={managers[name]}&period=month",
                                  {"authorization": f"Bearer {creds[name]['api_key']}"}) for name in managers}
        for i in range(rounds):
            done = asyncio.run(alternate(requests, seconds=2 * seconds))
            p95 = {name: load.percentile(95) * 1000 for name, load in done.items()}
            print(f"round {i + 1}: team scorecard p95 small {p95['small']:.1f} ms, large {p95['large']:.1f} ms",
                  file=sys.stderr)
            figure.add(p95["large"] / p95["small"], small_p95_ms=round(p95["small"], 2),
                       large_p95_ms=round(p95["large"], 2))
    return [figure]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print_figures(measure(args.events, args.seconds, args.rounds))


if __name__ == "__main__":
    main()
