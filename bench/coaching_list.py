"""What GraphQL costs for a list of coaching sessions with every part, against the same list over REST, in one
process (not part of `make bench`: a probe for the gateway's types, gateway/types/shapes.py).

    .venv/bin/python -m bench.coaching_list [--items 50] [--requests 10] [--rounds 8] [--freeze]

`sessions(first: 50)` with observations, gaps, actions, goals (current terms, revisions, reviews) and the rating,
every plain field (one downstream call: the gateway's own cost is shaping and executing ~5,600 fields), against
`GET /v1/sessions?limit=50` straight to the coaching service. Both over in-process ASGI transports on SQLite,
alternating round by round; the cost is CPU milliseconds per request of this process (`time.process_time`), the
figure the ratio REST ÷ GraphQL (min / median / max over the rounds). `--freeze` moves every object alive after
seeding out of the garbage collector's reach (`gc.freeze()`): the models and UUIDs a request builds then no
longer make each full collection walk the whole heap of the process.
"""

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx

from bench.in_process import gateway_and

QUERY = """query($n: Int!) { sessions(first: $n) { items { id coachId sellerId programmeId status scheduledAt
  heldAt durationMinutes focusKeys scenario { behaviorKey scenarioId } notes privateNotes cancelReason nextSessionId
  observations { id behaviorKey level evidence }
  gaps { id sessionId sellerId behaviorKey description rootCause createdAt status outcome closedSessionId
         closedById closedAt closingNote }
  actions { id sessionId sellerId coachId ownerId gapId description dueOn status overdue createdAt updatedAt
            closedAt }
  goals { id sellerId coachId sessionId currentRevision agreed agreedRevision dueForReview createdAt updatedAt
          current { revision metricKey kind target period reviewOn proposedBy sellerAgreedAt coachAgreedAt agreed
                    createdAt }
          revisions { revision metricKey kind target period reviewOn agreed } reviews { id outcome } }
  rating { relevant developmental motivational comment changeableUntil }
  createdAt updatedAt } nextCursor } }"""


async def seed(coaching: httpx.AsyncClient, items: int) -> None:
    coach = (await coaching.post("/v1/people", json={"name": "Maya", "roles": ["manager"]})).json()["id"]
    seller = (await coaching.post("/v1/people", json={"name": "Sam"})).json()["id"]
    start = datetime(2026, 1, 5, 10, tzinfo=UTC)
    for i in range(items):
        at = start + timedelta(days=i)
        session = await coaching.post("/v1/sessions", json={"coach_id": coach, "seller_id": seller,
                                                            "scheduled_at": at.isoformat(),
                                                            "focus_keys": ["discovery"]})
        session.raise_for_status()
        due = (at + timedelta(days=7)).date().isoformat()
        done = await coaching.post(f"/v1/sessions/{session.json()['id']}/complete", json={
            "held_at": at.isoformat(), "notes": "Worked on discovery",
            "observations": [{"behavior_key": "discovery", "level": 2, "evidence": "Asked two questions"}] * 2,
            "gaps": [{"behavior_key": "discovery", "description": "Jumps to the demo", "root_cause": cause}
                     for cause in ("skills", "capacity")],
            "actions": [{"description": f"Plan {k}", "owner_id": seller, "due_on": due, "gap_index": 0}
                        for k in range(2)],
            "goals": [{"metric_key": "meetings", "kind": "activity", "target": 3, "period": "week",
                       "review_on": (at + timedelta(days=28)).date().isoformat()}]})
        done.raise_for_status()


async def cpu_ms(call: Callable[[], Awaitable[httpx.Response]], requests: int) -> float:
    start = time.process_time()
    for _ in range(requests):
        (await call()).raise_for_status()
    return (time.process_time() - start) / requests * 1e3


async def main(items: int, requests: int, rounds: int, freeze: bool) -> None:
    async with gateway_and("coaching") as (gateway, coaching):
        await seed(coaching, items)
        body = (await gateway.post("/graphql", json={"query": QUERY, "variables": {"n": items}})).json()
        assert "errors" not in body and len(body["data"]["sessions"]["items"]) == items, body
        if freeze:
            gc.collect()
            gc.freeze()
        ratios = []
        for n in range(rounds):
            rest = await cpu_ms(lambda: coaching.get("/v1/sessions", params={"limit": items}), requests)
            graphql = await cpu_ms(lambda: gateway.post("/graphql", json={"query": QUERY,
                                                                         "variables": {"n": items}}), requests)
            ratios.append(rest / graphql)
            print(f"round {n + 1}: REST {rest:.1f} ms, GraphQL {graphql:.1f} ms of CPU per request, "
                  f"ratio {rest / graphql:.3f}")
        print(f"REST ÷ GraphQL, {items} sessions with their parts{' (gc.freeze)' if freeze else ''}: "
              f"{min(ratios):.3f} / {statistics.median(ratios):.3f} / {max(ratios):.3f} (min / median / max)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--freeze", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.items, args.requests, args.rounds, args.freeze))
