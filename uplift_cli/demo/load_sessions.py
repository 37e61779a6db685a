"""Load the conversations, as the people who had them: each coach schedules, completes, cancels or marks a
no-show with their own token (so the service checks that they coach that seller on that day); each seller
rates the session, agrees the goal and closes their actions with theirs.

A completed session books the next one of its track (`next_session`) unless the next one opens with a
scenario, which only scheduling carries; then the next is scheduled on its own. Gaps of earlier sessions of the
track are closed in the completion of the session that closes them (`gap_closures`).
"""

from collections.abc import Iterator
from datetime import datetime
from itertools import groupby
from typing import Any

from uplift_cli.demo.api import Api
from uplift_cli.demo.coaching import Session
from uplift_cli.demo.load_org import Ids
from uplift_cli.demo.load_reviews import AgreedGoal
from uplift_cli.demo.plan import Plan


class SessionLoader:
    def __init__(self, api: Api, plan: Plan, ids: Ids) -> None:
        self.api = api
        self.plan = plan
        self.ids = ids
        self.programme_ids = {k: p["id"] for k, p in ids.programmes.items()}
        self.agreed: list[AgreedGoal] = []  # the goals both sides agreed to (load_reviews.py reviews the old ones)

    def who(self, key: str) -> tuple[str, tuple[str, ...]]:
        return self.ids.person(key), self.plan.org.person(key).token_roles

    async def load(self) -> None:
        for _, track in groupby(self.plan.coaching.sessions, key=lambda s: s.track):
            await self.track(list(track))

    async def track(self, sessions: list[Session]) -> None:
        booked: str | None = None  # the id of the next session, when the previous completion booked it
        gap_ids: dict[datetime, list[str]] = {}  # the track's gaps, by the scheduled_at of the session that opened them
        for s, following in _with_next(sessions):
            session_id = booked or await self.schedule(s)
            booked = None
            if s.outcome == "completed":
                chain = following is not None and following.scenario is None
                done = await self.complete(session_id, s, following if chain else None, gap_ids)
                gap_ids[s.scheduled_at] = [g["id"] for g in done["gaps"]]
                booked = done["next_session_id"] if chain else None
                await self.seller_side(s, done)
            elif s.outcome == "cancelled":
                by = s.seller if s.cancel_reason == "Seller out sick" else s.coach
                await self.api.post(f"coaching/v1/sessions/{session_id}/cancel", {"reason": s.cancel_reason},
                                    as_person=self.who(by))
            elif s.outcome == "no_show":
                await self.api.post(f"coaching/v1/sessions/{session_id}/no-show", as_person=self.who(s.coach))

    async def schedule(self, s: Session) -> str:
        body: dict[str, Any] = {
            "coach_id": self.ids.person(s.coach), "seller_id": self.ids.person(s.seller),
            "programme_id": self.programme_ids[s.programme] if s.programme else None,
            "scheduled_at": s.scheduled_at.isoformat(), "duration_minutes": 45 if s.programme else 30,
            "focus_keys": list(s.focus)}
        if s.scenario:
            body["scenario"] = {"behavior_key": s.scenario, "scenario_id": self.ids.scenarios[s.scenario]}
        created = await self.api.post("coaching/v1/sessions", body, as_person=self.who(s.coach))
        return str(created["id"])

    async def complete(self, session_id: str, s: Session, following: Session | None,
                       gap_ids: dict[datetime, list[str]]) -> dict[str, Any]:
        assert s.held_at is not None
        owner = {"seller": self.ids.person(s.seller), "coach": self.ids.person(s.coach)}
        body: dict[str, Any] = {
            "held_at": s.held_at.isoformat(), "notes": s.notes, "private_notes": s.private_notes,
            "observations": [{"behavior_key": k, "level": level, "evidence": e} for k, level, e in s.observations],
            "gaps": [{"behavior_key": g.behavior_key, "description": g.description, "root_cause": g.root_cause}
                     for g in s.gaps],
            "actions": [{"description": a.description, "owner_id": owner[a.owner], "due_on": a.due_on.isoformat(),
                         "gap_index": a.gap_index} for a in s.actions],
            "goals": [{"metric_key": g.metric_key, "kind": g.kind, "target": g.target, "period": g.period,
                       "review_on": g.review_on.isoformat()} for g in s.goals],
            "gap_closures": [{"gap_id": gap_ids[opened_in][index], "outcome": outcome}
                             for opened_in, index, outcome in s.closures]}
        if following is not None:
            body["next_session"] = {"scheduled_at": following.scheduled_at.isoformat(),
                                    "focus_keys": list(following.focus)}
        done: dict[str, Any] = await self.api.post(f"coaching/v1/sessions/{session_id}/complete", body,
                                                   as_person=self.who(s.coach))
        return done

    async def seller_side(self, s: Session, done: dict[str, Any]) -> None:
        seller = self.who(s.seller)
        if s.rating is not None:
            relevant, developmental, motivational, comment = s.rating
            await self.api.put(f"coaching/v1/sessions/{done['id']}/rating", {
                "relevant": relevant, "developmental": developmental, "motivational": motivational,
                "comment": comment}, as_person=seller)
        for goal, planned in zip(done["goals"], s.goals, strict=True):
            if planned.seller_agrees:
                await self.api.post(f"coaching/v1/goals/{goal['id']}/agree", {"revision": 1}, as_person=seller)
                self.agreed.append(AgreedGoal(str(goal["id"]), s.coach, planned.review_on))
        for action, planned_action in zip(done["actions"], s.actions, strict=True):
            if planned_action.final != "open":
                by = seller if planned_action.owner == "seller" else self.who(s.coach)
                await self.api.patch(f"coaching/v1/actions/{action['id']}", {"status": planned_action.final},
                                     as_person=by)


def _with_next(sessions: list[Session]) -> Iterator[tuple[Session, Session | None]]:
    for i, s in enumerate(sessions):
        yield s, sessions[i + 1] if i + 1 < len(sessions) else None
