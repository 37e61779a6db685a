"""The coaching service's domain events: topics, payloads, and recording them into the outbox in the
caller's transaction (services never commit; the request does, so an event exists iff its change does).

Every event carries the entity's whole state (not a diff), so a consumer that skips an older version loses
nothing. `entity_version` only grows per entity:
- people, reporting lines, sessions: their `version` column, bumped with every change under the row lock
  (a session's rating counts as a change of the session);
- programmes: their `version` column — 1 created, +1 on every change and on deletion;
- programme pairs: 1 joined, 2 left, 3 removed — the lifecycle only moves forward;
- goals (`goal.agreed`): the revision agreed — each revision becomes agreed at most once, revisions only grow;
  `goal.review_due`: the revision whose review day came — announced at most once per revision;
- actions: their `version` column — 1 created, +1 on every update (status, description, due day) and when
  announced overdue;
- coach assignments: their `version` column — 1 created, +1 each time the end is set or brought forward;
- gaps: their `version` column — 1 opened (`gap.opened`), 2 closed (`gap.closed`); a gap closes once;
- goal reviews (`goal.reviewed`): 1 — a review is recorded once and never changes;
- programme alerts (`programme.fizzling` / `.recovered`, entity: the programme, or the pair): the `version` of its
  `programme_alerts` row — 1 first announced fizzling, +1 with every announcement after.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import Event, record_all
from services.coaching.models import (
    Action,
    CoachAssignment,
    Gap,
    Goal,
    GoalReview,
    GoalRevision,
    Observation,
    Outbox,
    Person,
    Programme,
    ProgrammePair,
    Rating,
    ReportingLine,
    Session,
)

PERSON_UPSERTED = "coaching.person.upserted"
REPORTING_LINE_CHANGED = "coaching.reporting_line.changed"
SESSION_SCHEDULED = "coaching.session.scheduled"
SESSION_RESCHEDULED = "coaching.session.rescheduled"
SESSION_COMPLETED = "coaching.session.completed"
SESSION_CANCELLED = "coaching.session.cancelled"
SESSION_NO_SHOW = "coaching.session.no_show"
SESSION_RATED = "coaching.session.rated"
GOAL_AGREED = "coaching.goal.agreed"
GOAL_REVIEW_DUE = "coaching.goal.review_due"
GOAL_REVIEWED = "coaching.goal.reviewed"
ACTION_CREATED = "coaching.action.created"
ACTION_UPDATED = "coaching.action.updated"
ACTION_OVERDUE = "coaching.action.overdue"
ASSIGNMENT_CREATED = "coaching.coach_assignment.created"
ASSIGNMENT_ENDED = "coaching.coach_assignment.ended"
GAP_OPENED = "coaching.gap.opened"
GAP_CLOSED = "coaching.gap.closed"
PAIR_JOINED = "coaching.programme_pair.joined"
PAIR_LEFT = "coaching.programme_pair.left"
PAIR_REMOVED = "coaching.programme_pair.removed"
PAIR_VERSIONS = {PAIR_JOINED: 1, PAIR_LEFT: 2, PAIR_REMOVED: 3}
PROGRAMME_CHANGED = "coaching.programme.changed"
PROGRAMME_FIZZLING = "coaching.programme.fizzling"
PROGRAMME_RECOVERED = "coaching.programme.recovered"


def _event(tenant_id: uuid.UUID, topic: str, entity_id: uuid.UUID, version: int, payload: dict[str, Any]) -> Event:
    return Event.new(tenant_id=tenant_id, topic=topic, entity_id=entity_id, entity_version=version, payload=payload)


async def _record(session: AsyncSession, events: Iterable[Event]) -> None:
    await record_all(session, Outbox, list(events))


# ---- payloads -----------------------------------------------------------------------------------

def person_payload(p: Person, external_ids: Mapping[str, str]) -> dict[str, Any]:
    return {"id": p.id, "version": p.version, "name": p.name, "email": p.email, "title": p.title,
            "roles": list(p.roles), "active": p.active, "manager_is_coach": p.manager_is_coach,
            "hired_on": p.hired_on, "left_on": p.left_on, "external_ids": dict(external_ids),
            "updated_at": p.updated_at}


def line_payload(line: ReportingLine, *, deleted: bool = False) -> dict[str, Any]:
    return {"id": line.id, "version": line.version, "person_id": line.person_id, "manager_id": line.manager_id,
            "valid_from": line.valid_from, "valid_to": line.valid_to, "deleted": deleted}


def session_payload(s: Session, rating: Rating | None, has_agreed_action: bool,
                    observations: Sequence[Observation] = ()) -> dict[str, Any]:
    """What the metrics read model needs (parties, programme, status, times, ratings, agreed actions, the rubric
    levels observed), plus the conversation's focus. Observations carry their figures, not their evidence."""
    return {"id": s.id, "version": s.version, "coach_id": s.coach_id, "seller_id": s.seller_id,
            "programme_id": s.programme_id, "status": s.status, "scheduled_at": s.scheduled_at,
            "held_at": s.held_at, "duration_minutes": s.duration_minutes, "focus_keys": list(s.focus_keys),
            "relevant": rating.relevant if rating else None,
            "developmental": rating.developmental if rating else None,
            "motivational": rating.motivational if rating else None,
            "has_agreed_action": has_agreed_action,
            "observations": [{"behavior_key": o.behavior_key, "level": o.level} for o in observations]}


def pair_payload(pair: ProgrammePair, *, deleted: bool = False) -> dict[str, Any]:
    return {"id": pair.id, "programme_id": pair.programme_id, "coach_id": pair.coach_id,
            "seller_id": pair.seller_id, "joined_on": pair.joined_on, "left_on": pair.left_on, "deleted": deleted}


def programme_payload(p: Programme, *, deleted: bool = False) -> dict[str, Any]:
    return {"id": p.id, "version": p.version, "name": p.name, "owner_id": p.owner_id,
            "behavior_keys": list(p.behavior_keys), "cadence_days": p.cadence_days, "starts_on": p.starts_on,
            "ends_on": p.ends_on, "deleted": deleted}


# ---- recording ----------------------------------------------------------------------------------

async def people_upserted(session: AsyncSession, people: Iterable[tuple[Person, Mapping[str, str]]]) -> None:
    """People created or changed, each with their full set of external ids (bump `version` first)."""
    await _record(session, (_event(p.tenant_id, PERSON_UPSERTED, p.id, p.version, person_payload(p, ext))
                            for p, ext in people))


async def reporting_line_changed(session: AsyncSession, line: ReportingLine, *, deleted: bool = False) -> None:
    """A line opened (version 1), closed or re-closed (bump `version` first), or removed (a same-day
    correction: pass the version after the last one published)."""
    await _record(session, [_event(line.tenant_id, REPORTING_LINE_CHANGED, line.id, line.version,
                                   line_payload(line, deleted=deleted))])


async def session_changed(session: AsyncSession, topic: str, s: Session, *, rating: Rating | None = None,
                          has_agreed_action: bool = False, observations: Sequence[Observation] = ()) -> None:
    """The session's whole state: pass its rating, whether it ended with an agreed action and its observations
    (a completed session's; none before it is completed)."""
    await _record(session, [_event(s.tenant_id, topic, s.id, s.version,
                                   session_payload(s, rating, has_agreed_action, observations))])


def gap_payload(g: Gap, opened_in: Session, closed_in: Session | None = None) -> dict[str, Any]:
    """A gap's whole state; `opened_in` is the session that named it (its coach, and its held_at: when the gap was
    opened), `closed_in` the later session that closed it (its held_at: when it was closed, as `closed_in_held_at`;
    `closed_at` is when the closure was recorded)."""
    return {"id": g.id, "version": g.version, "session_id": g.session_id, "seller_id": g.seller_id,
            "coach_id": opened_in.coach_id, "behavior_key": g.behavior_key, "description": g.description,
            "root_cause": g.root_cause, "created_at": g.created_at, "opened_at": opened_in.held_at or g.created_at,
            "status": g.status, "outcome": g.outcome, "closed_session_id": g.closed_session_id,
            "closed_by": g.closed_by, "closed_at": g.closed_at,
            "closed_in_held_at": closed_in.held_at if closed_in is not None else None}


async def completion_recorded(session: AsyncSession, s: Session, gaps: Iterable[Gap],
                              actions: Iterable[Action]) -> None:
    """The gaps opened and the actions agreed in the completed session `s`."""
    events = [_event(g.tenant_id, GAP_OPENED, g.id, g.version, gap_payload(g, s)) for g in gaps]
    events += [_event(a.tenant_id, ACTION_CREATED, a.id, a.version, action_payload(a)) for a in actions]
    await _record(session, events)


async def gaps_closed(session: AsyncSession, closed: Iterable[tuple[Gap, Session, Session]]) -> None:
    """Gaps closed (version 2), each with the session that opened it and the one that closed it."""
    await _record(session, (_event(g.tenant_id, GAP_CLOSED, g.id, g.version, gap_payload(g, opened_in, closed_in))
                            for g, opened_in, closed_in in closed))


def action_payload(a: Action) -> dict[str, Any]:
    return {"id": a.id, "version": a.version, "session_id": a.session_id, "seller_id": a.seller_id,
            "coach_id": a.coach_id, "owner_id": a.owner_id, "gap_id": a.gap_id, "description": a.description,
            "due_on": a.due_on, "status": a.status, "created_at": a.created_at, "closed_at": a.closed_at}


async def action_updated(session: AsyncSession, action: Action) -> None:
    """An action's status, description or due day changed (bump `version` first)."""
    await _record(session, [_event(action.tenant_id, ACTION_UPDATED, action.id, action.version,
                                   action_payload(action))])


async def actions_overdue(session: AsyncSession, actions: Iterable[Action]) -> None:
    """Open actions whose due day has passed, announced once each (bump `version` first)."""
    await _record(session, (_event(a.tenant_id, ACTION_OVERDUE, a.id, a.version, action_payload(a)) for a in actions))


def assignment_payload(a: CoachAssignment) -> dict[str, Any]:
    return {"id": a.id, "version": a.version, "coach_id": a.coach_id, "seller_id": a.seller_id, "kind": a.kind,
            "scope": list(a.scope), "starts_on": a.starts_on, "ends_on": a.ends_on, "created_at": a.created_at}


async def assignment_changed(session: AsyncSession, topic: str, assignment: CoachAssignment) -> None:
    """A coach assignment created (version 1) or its end set or brought forward (bump `version` first)."""
    await _record(session, [_event(assignment.tenant_id, topic, assignment.id, assignment.version,
                                   assignment_payload(assignment))])


def agreed_at(revision: GoalRevision) -> datetime | None:
    """When both parties had agreed to a revision (None while one has not)."""
    if revision.seller_agreed_at is None or revision.coach_agreed_at is None:
        return None
    return max(revision.seller_agreed_at, revision.coach_agreed_at)


async def goal_agreed(session: AsyncSession, goal: Goal, revision: GoalRevision,
                      first_agreed_at: datetime) -> None:
    """Both the seller and the coach agreed to the goal's current revision. `first_agreed_at` is when the
    goal's first agreed revision was agreed (the goal counts as agreed from then, whatever its revisions)."""
    await _record(session, [_event(goal.tenant_id, GOAL_AGREED, goal.id, revision.revision, {
        "id": goal.id, "version": revision.revision, "seller_id": goal.seller_id, "coach_id": goal.coach_id,
        "session_id": goal.session_id, "revision": revision.revision, "metric_key": revision.metric_key,
        "kind": revision.kind, "target": revision.target, "period": revision.period,
        "review_on": revision.review_on, "agreed_at": agreed_at(revision), "first_agreed_at": first_agreed_at})])


async def programme_changed(session: AsyncSession, p: Programme, *, deleted: bool = False) -> None:
    """A programme created, changed or deleted (bump `version` first, the deletion included)."""
    await _record(session, [_event(p.tenant_id, PROGRAMME_CHANGED, p.id, p.version,
                                   programme_payload(p, deleted=deleted))])


async def goal_reviewed(session: AsyncSession, goal: Goal, review: GoalReview) -> None:
    """A review of the goal's terms in force (one agreed revision) was recorded: the goal is no longer due."""
    await _record(session, [_event(goal.tenant_id, GOAL_REVIEWED, review.id, 1, {
        "id": review.id, "version": 1, "goal_id": goal.id, "seller_id": goal.seller_id, "coach_id": goal.coach_id,
        "revision": review.revision, "outcome": review.outcome, "carried_into": review.carried_into,
        "reviewed_at": review.reviewed_at})])


async def goals_review_due(session: AsyncSession, due: Iterable[tuple[Goal, GoalRevision]]) -> None:
    """Goals whose terms in force (their agreed revision) reached the review day without a review, announced
    once per revision."""
    await _record(session, (_event(g.tenant_id, GOAL_REVIEW_DUE, g.id, r.revision, {
        "id": g.id, "version": r.revision, "seller_id": g.seller_id, "coach_id": g.coach_id,
        "session_id": g.session_id, "revision": r.revision, "metric_key": r.metric_key, "kind": r.kind,
        "target": r.target, "period": r.period, "review_on": r.review_on}) for g, r in due))


async def pairs_changed(session: AsyncSession, topic: str, pairs: Iterable[ProgrammePair]) -> None:
    """Pairs joined, left, or removed (a pair leaving on the day it joined, or its programme deleted)."""
    await _record(session, (_event(p.tenant_id, topic, p.id, PAIR_VERSIONS[topic],
                                   pair_payload(p, deleted=topic == PAIR_REMOVED)) for p in pairs))


async def programme_alerts(session: AsyncSession, alerts: Iterable[tuple[uuid.UUID, str, int, dict[str, Any]]]) -> None:
    """Programmes or pairs that started fizzling or recovered: (tenant, topic, version, payload), the payload's
    `id` being the programme's or the pair's."""
    await _record(session, (_event(tenant, topic, payload["id"], version, {**payload, "version": version})
                            for tenant, topic, version, payload in alerts))
