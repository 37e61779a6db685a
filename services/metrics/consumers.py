"""The read model fed by the other services' events (see docs/events.md for the topics and payloads).

One durable subscription per kind of entity, so each keeps its own position on a broker and one kind's
trouble does not hold up the others. Each event is applied in one transaction together with its inbox claim
(`consume_once`: an event id seen twice changes nothing) through the same `ReadModelService.upsert` the
internal endpoints use, with the event's `entity_version` as the item's version — so an event older than
what is stored changes nothing either, whatever order the broker delivers them in. People written this way
take over their pending CRM/LMS evidence, as through the endpoint.

An item the read model rejects (invalid, or an external id / email another person holds *for now*, e.g. a
swap whose other half has not arrived) raises, so the transport retries it later and, after its last
delivery, logs it as given up (the event stays in the stream and the producer's outbox).
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import Event
from common.service_app import Consumer
from services.metrics.cadence_repository import CadenceRepository
from services.metrics.readmodel import (
    ACTIONS,
    ASSIGNMENTS,
    BEHAVIORS,
    GAPS,
    GOAL_REVIEWS,
    GOALS,
    PARTICIPANTS,
    PEOPLE,
    PROGRAMMES,
    REPORTING_LINES,
    SESSIONS,
    Entity,
    ReadModelService,
)
from services.metrics.repository import DailyRepository, DefinitionRepository, EvidenceRepository

log = logging.getLogger("uplift.metrics.events")


class EventRejected(Exception):
    """The read model refused the event's item; raising makes the transport deliver it again later."""


def _pick(event: Event, *fields: str) -> dict[str, Any]:
    return {"id": event.entity_id, "version": event.entity_version, **{f: event.payload.get(f) for f in fields}}


def _person(event: Event) -> dict[str, Any]:
    item = _pick(event, "name", "email", "roles", "active", "external_ids", "manager_is_coach", "hired_on",
                 "left_on")
    if item["manager_is_coach"] is None:  # not in events recorded before it was published
        del item["manager_is_coach"]
    return item


def _line(event: Event) -> dict[str, Any]:
    return _pick(event, "person_id", "manager_id", "valid_from", "valid_to", "deleted")


def _session(event: Event) -> dict[str, Any]:
    item = _pick(event, "coach_id", "seller_id", "programme_id", "status", "scheduled_at", "held_at", "relevant",
                 "developmental", "motivational", "has_agreed_action", "focus_keys", "observations")
    if item["observations"] is None:  # not in events recorded before they carried them
        item["observations"] = []
    return item


def _participant(event: Event) -> dict[str, Any]:
    item = _pick(event, "programme_id", "coach_id", "joined_on", "left_on", "deleted")
    item["person_id"] = event.payload.get("seller_id")  # a programme's participants are its pairs' sellers
    return item


def _programme(event: Event) -> dict[str, Any]:
    return _pick(event, "name", "owner_id", "behavior_keys", "cadence_days", "starts_on", "ends_on", "deleted")


def _action(event: Event) -> dict[str, Any]:
    return _pick(event, "session_id", "coach_id", "seller_id", "owner_id", "due_on", "status", "created_at",
                 "closed_at")


def _goal(event: Event) -> dict[str, Any]:
    item = _pick(event, "coach_id", "seller_id", "session_id", "metric_key", "kind", "target", "period",
                 "review_on", "agreed_at", "first_agreed_at")
    if item["first_agreed_at"] is None:  # events recorded before goals said when they were first agreed
        item["first_agreed_at"] = item["agreed_at"]
    return item


def _goal_review(event: Event) -> dict[str, Any]:
    return _pick(event, "goal_id", "revision", "outcome", "reviewed_at")


def _gap(event: Event) -> dict[str, Any]:
    item = _pick(event, "session_id", "seller_id", "coach_id", "behavior_key", "root_cause", "opened_at", "status",
                 "outcome", "closed_session_id", "closed_at")
    if item["opened_at"] is None:  # gap.opened recorded before gaps said when their session was held
        item["opened_at"] = event.payload.get("created_at")
    if item["status"] is None:
        item["status"] = "open"
    if event.payload.get("closed_in_held_at") is not None:  # closed when the later session was held
        item["closed_at"] = event.payload["closed_in_held_at"]
    return item


def _assignment(event: Event) -> dict[str, Any]:
    return _pick(event, "coach_id", "seller_id", "kind", "scope", "starts_on", "ends_on")


def _behavior(event: Event) -> dict[str, Any]:
    item = _pick(event, "key", "name", "status", "audience")
    if isinstance(event.payload.get("priority"), int):
        item["priority"] = event.payload["priority"]
    item["indicators"] = [{k: i.get(k) for k in ("id", "metric_key", "kind", "target", "comparator", "period")}
                          for i in event.payload.get("indicators", [])]
    return item


@dataclass(frozen=True)
class Feed:
    durable: str  # the subscription's name: its position on the broker and its inbox key
    topic: str
    entity: Entity
    item: Callable[[Event], dict[str, Any]]


FEEDS = (
    Feed("metrics-people", "coaching.person.upserted", PEOPLE, _person),
    Feed("metrics-reporting-lines", "coaching.reporting_line.changed", REPORTING_LINES, _line),
    Feed("metrics-sessions", "coaching.session.*", SESSIONS, _session),
    Feed("metrics-participants", "coaching.programme_pair.*", PARTICIPANTS, _participant),
    Feed("metrics-programmes", "coaching.programme.changed", PROGRAMMES, _programme),
    Feed("metrics-behaviors", "behaviors.behavior.*", BEHAVIORS, _behavior),
    Feed("metrics-actions", "coaching.action.*", ACTIONS, _action),
    Feed("metrics-goals", "coaching.goal.agreed", GOALS, _goal),
    Feed("metrics-goal-reviews", "coaching.goal.reviewed", GOAL_REVIEWS, _goal_review),
    Feed("metrics-gaps", "coaching.gap.*", GAPS, _gap),
    Feed("metrics-coach-assignments", "coaching.coach_assignment.*", ASSIGNMENTS, _assignment),
)


def applier(feed: Feed) -> Callable[[AsyncSession, Event], Awaitable[None]]:
    async def apply(session: AsyncSession, event: Event) -> None:
        tenant = event.tenant_id
        service = ReadModelService(EvidenceRepository(session, tenant), DefinitionRepository(session, tenant),
                                   DailyRepository(session, tenant), CadenceRepository(session, tenant))
        result = (await service.upsert(feed.entity, [feed.item(event)])).items[0]
        if result.status == "rejected":
            raise EventRejected(f"{feed.entity.name} {event.entity_id} v{event.entity_version} ({event.topic}, "
                                f"event {event.id}) rejected: {result.errors}")
        log.debug("%s %s v%d: %s", feed.entity.name, event.entity_id, event.entity_version, result.status)

    return apply


def consumers() -> list[Consumer]:
    return [Consumer(feed.durable, (feed.topic,), applier(feed)) for feed in FEEDS]
