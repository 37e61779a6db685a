"""The read model's internal write API: batch upserts keyed by the owning service's id, ordered by version.

Each item carries a `version` that only grows per entity. An item is
- `created` when the entity is new, `updated` when its version is above the stored one,
- `unchanged` when its version is not (a replay or a late arrival changes nothing),
- `rejected` when it is invalid, or — people only — when it claims an external id or an email another
  person holds (unique per tenant and source). Claims are judged against the state the batch leads to,
  so two people swapping ids in one batch is fine.
Child rows (a person's external ids, a behaviour's indicators) are replaced with their parent.
People written give their pending evidence to the person it names (`resolution.py`), counted in `resolved`.
A batch is written with a constant number of bulk statements in the request's one transaction.
Sessions, programme pairs and programmes take the tenant's cadence lock before writing, and refresh the
coaching facts they affect (coaching_facts.py, cadence_facts.py); actions and goals refresh their own.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table

from common.db import utcnow
from services.metrics import coaching_facts
from services.metrics.batches import item_errors
from services.metrics.cadence_facts import CadenceFacts
from services.metrics.cadence_repository import CadenceRepository
from services.metrics.catalogue import Metrics
from services.metrics.definitions import tenant_metrics
from services.metrics.models import (
    Behavior,
    BehaviorIndicator,
    CoachAssignment,
    CoachingAction,
    CoachingGap,
    CoachingGoal,
    CoachingGoalReview,
    CoachingProgramme,
    CoachingSession,
    Person,
    PersonExternalId,
    ProgrammeParticipant,
    ReportingLine,
)
from services.metrics.repository import DailyRepository, DefinitionRepository, EvidenceRepository
from services.metrics.resolution import attribute_pending
from services.metrics.schemas import (
    ActionItem,
    AssignmentItem,
    BehaviorItem,
    GapItem,
    GoalItem,
    GoalReviewItem,
    ParticipantItem,
    PersonItem,
    ProgrammeItem,
    ReportingLineItem,
    SessionItem,
    UpsertItemResult,
    UpsertResult,
    Versioned,
)


@dataclass(frozen=True)
class Children:
    table: Table
    parent_column: str
    rows: Callable[[Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class Entity:
    name: str
    table: Table
    schema: type[Versioned]
    columns: Callable[[Any], dict[str, Any]]  # the entity's own columns (id, version, deleted come along)
    children: Children | None = None


def _person(p: PersonItem) -> dict[str, Any]:
    return {"name": p.name, "email": p.email, "roles": list(p.roles), "active": p.active,
            "manager_is_coach": p.manager_is_coach, "hired_on": p.hired_on, "left_on": p.left_on}


def _external_ids(p: PersonItem) -> list[dict[str, Any]]:
    if p.deleted:
        return []
    return [{"person_id": p.id, "source": source, "external_id": ext} for source, ext in p.external_ids.items()]


def _behavior(b: BehaviorItem) -> dict[str, Any]:
    return {"key": b.key, "name": b.name, "status": b.status, "audience": list(b.audience), "priority": b.priority}


def _indicators(b: BehaviorItem) -> list[dict[str, Any]]:
    return [{"behavior_id": b.id, **i.model_dump()} for i in b.indicators]


def _fields(*names: str) -> Callable[[Any], dict[str, Any]]:
    return lambda item: {n: getattr(item, n) for n in names}


PEOPLE = Entity("people", Person.__table__, PersonItem, _person,  # type: ignore[arg-type]
                Children(PersonExternalId.__table__, "person_id", _external_ids))  # type: ignore[arg-type]
REPORTING_LINES = Entity("reporting-lines", ReportingLine.__table__, ReportingLineItem,  # type: ignore[arg-type]
                         _fields("person_id", "manager_id", "valid_from", "valid_to"))
BEHAVIORS = Entity("behaviors", Behavior.__table__, BehaviorItem, _behavior,  # type: ignore[arg-type]
                   Children(BehaviorIndicator.__table__, "behavior_id", _indicators))  # type: ignore[arg-type]
_session_fields = _fields("coach_id", "seller_id", "programme_id", "status", "scheduled_at", "held_at", "relevant",
                          "developmental", "motivational", "has_agreed_action", "focus_keys")


def _session(s: SessionItem) -> dict[str, Any]:
    return {**_session_fields(s), "observations": [o.model_dump() for o in s.observations]}


SESSIONS = Entity("sessions", CoachingSession.__table__, SessionItem, _session)  # type: ignore[arg-type]
PARTICIPANTS = Entity("programme-participants", ProgrammeParticipant.__table__,  # type: ignore[arg-type]
                      ParticipantItem, _fields("programme_id", "person_id", "coach_id", "joined_on", "left_on"))
PROGRAMMES = Entity("programmes", CoachingProgramme.__table__, ProgrammeItem,  # type: ignore[arg-type]
                    _fields("name", "owner_id", "behavior_keys", "cadence_days", "starts_on", "ends_on"))
ACTIONS = Entity("actions", CoachingAction.__table__, ActionItem,  # type: ignore[arg-type]
                 _fields("session_id", "coach_id", "seller_id", "owner_id", "due_on", "status", "created_at",
                         "closed_at"))
GOALS = Entity("goals", CoachingGoal.__table__, GoalItem,  # type: ignore[arg-type]
               _fields("coach_id", "seller_id", "session_id", "metric_key", "kind", "target", "period", "review_on",
                       "agreed_at", "first_agreed_at"))
GOAL_REVIEWS = Entity("goal-reviews", CoachingGoalReview.__table__, GoalReviewItem,  # type: ignore[arg-type]
                      _fields("goal_id", "revision", "outcome", "reviewed_at"))
GAPS = Entity("gaps", CoachingGap.__table__, GapItem,  # type: ignore[arg-type]
              _fields("session_id", "seller_id", "coach_id", "behavior_key", "root_cause", "opened_at", "status",
                      "outcome", "closed_session_id", "closed_at"))
ASSIGNMENTS = Entity("coach-assignments", CoachAssignment.__table__, AssignmentItem,  # type: ignore[arg-type]
                     _fields("coach_id", "seller_id", "kind", "scope", "starts_on", "ends_on"))

CADENCE = (SESSIONS, PARTICIPANTS, PROGRAMMES)  # what cadence kept depends on (cadence_facts.py)

Claim = tuple[str, str]  # (source, external id), or ("@email", address)


def _claims(p: PersonItem) -> list[Claim]:
    if p.deleted:
        return []
    claims = list(p.external_ids.items())
    if p.email:
        claims.append(("@email", p.email))
    return claims


def _describe(claim: Claim) -> tuple[str, str]:
    source, value = claim
    if source == "@email":
        return "email", f"another person has the email {value}"
    return f"external_ids.{source}", f"another person has the {source} id {value}"


def clashes(final: dict[uuid.UUID, PersonItem], stored: dict[Claim, set[uuid.UUID]]) -> dict[uuid.UUID, Claim]:
    """The people of the batch whose claims clash, judged against the state the batch leads to.

    `stored` holds the current holders of every claim the batch makes. A person written by the batch gives
    up their stored claims; a rejected one keeps them, which may in turn reject a later claimant — so the
    check runs until nothing more is rejected (each round rejects one person at least or ends)."""
    rejected: dict[uuid.UUID, Claim] = {}
    while True:
        holders: dict[Claim, uuid.UUID] = {}
        for claim, ids in stored.items():
            for pid in ids:
                if pid not in final or pid in rejected:
                    holders[claim] = pid
        newly = False
        for pid, item in final.items():
            if pid in rejected:
                continue
            mine = _claims(item)
            clash = next((c for c in mine if holders.get(c, pid) != pid), None)
            if clash is not None:
                rejected[pid] = clash
                newly = True
                break
            for c in mine:
                holders[c] = pid
        if not newly:
            return rejected


class ReadModelService:
    def __init__(self, repo: EvidenceRepository, definitions: DefinitionRepository, daily: DailyRepository,
                 cadence: CadenceRepository) -> None:
        self.repo = repo
        self.definitions = definitions
        self.daily = daily
        self.cadence = cadence
        self._tenant_metrics: Metrics | None = None

    async def upsert(self, entity: Entity, raw_items: Sequence[dict[str, Any]]) -> UpsertResult:
        if entity is PEOPLE:
            await self.repo.lock(exclusive=True)  # see EvidenceRepository.lock
        if entity in CADENCE:
            await self.cadence.lock()  # before any row is written (see CadenceRepository.lock)
        results: dict[int, UpsertItemResult] = {}
        parsed: list[tuple[int, Any]] = []
        for index, raw in enumerate(raw_items):
            try:
                parsed.append((index, entity.schema.model_validate(raw)))
            except ValidationError as exc:
                ref = raw.get("id") if isinstance(raw, dict) else None
                results[index] = UpsertItemResult(index=index, id=_uuid(ref), status="rejected",
                                                  errors=item_errors(exc))

        stored = await self.repo.versions(entity.table, list({item.id for _, item in parsed}))
        known = dict(stored)
        final: dict[uuid.UUID, Any] = {}  # the last accepted item of each entity
        accepted: dict[uuid.UUID, list[int]] = {}
        for index, item in parsed:
            current = known.get(item.id)
            if current is not None and item.version <= current:
                results[index] = UpsertItemResult(index=index, id=item.id, status="unchanged")
                continue
            status = "created" if current is None else "updated"
            results[index] = UpsertItemResult(index=index, id=item.id, status=status)
            known[item.id] = item.version
            final[item.id] = item
            accepted.setdefault(item.id, []).append(index)

        if entity is PEOPLE and final:
            for pid, claim in (await self._person_clashes(final)).items():
                field, message = _describe(claim)
                for index in accepted.pop(pid):
                    results[index] = UpsertItemResult(index=index, id=pid, status="rejected",
                                                      errors=[{"field": field, "message": message,
                                                               "code": "taken"}])
                del final[pid]

        lost, won = await self._write(entity, final, stored)
        for pid in lost | won:
            for index in accepted[pid]:
                results[index] = UpsertItemResult(index=index, id=pid, status="unchanged" if pid in lost else "updated")
            if pid in lost:
                del final[pid]
        if final and entity in CADENCE:  # sessions, pairs, programmes: coaching evidence and cadence kept
            await self._refresh_cadence(entity, list(final))
        elif final and entity.table.name in coaching_facts.FACTS:  # actions, goals: coaching evidence
            await coaching_facts.refresh(self.repo, self.daily, await self._metrics(), entity.table, list(final))
        resolved = 0
        if entity is PEOPLE and final:
            resolved = await attribute_pending(self.repo, self.daily, await self._metrics(), list(final.values()),
                                               await self.repo.aliases())
        ordered = [results[i] for i in sorted(results)]
        counts = {k: sum(r.status == k for r in ordered) for k in ("created", "updated", "unchanged", "rejected")}
        return UpsertResult(items=ordered, resolved=resolved, **counts)

    async def _refresh_cadence(self, entity: Entity, ids: list[uuid.UUID]) -> None:
        facts = CadenceFacts(self.repo, self.cadence, self.daily, await self._metrics(), utcnow().date())
        if entity is SESSIONS:
            await facts.refresh_sessions(ids)
        elif entity is PARTICIPANTS:
            await facts.refresh_pairs(ids)
        else:
            await facts.refresh_programmes(ids)

    async def _metrics(self) -> Metrics:
        if self._tenant_metrics is None:
            self._tenant_metrics = await tenant_metrics(self.definitions)
        return self._tenant_metrics

    async def _person_clashes(self, final: dict[uuid.UUID, PersonItem]) -> dict[uuid.UUID, Claim]:
        claims = [c for item in final.values() for c in _claims(item)]
        external = [c for c in claims if c[0] != "@email"]
        emails = [c[1] for c in claims if c[0] == "@email"]
        stored: dict[Claim, set[uuid.UUID]] = {}
        for claim, pid in (await self.repo.external_id_holders(list(set(external)))).items():
            stored.setdefault(claim, set()).add(pid)
        for email, pids in (await self.repo.email_holders(list(set(emails)))).items():
            stored[("@email", email)] = pids
        return clashes(final, stored)

    async def _write(self, entity: Entity, final: dict[uuid.UUID, Any],
                     stored: dict[uuid.UUID, int]) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
        """Write the accepted items. Another transaction may have stored some of them after `stored` was read:
        returned are those that lost that race (it stored the same or a newer version; left alone) and those
        that won it (updated over the older version it stored)."""
        now = utcnow()
        rows = {pid: {"id": pid, **entity.columns(item), "version": item.version, "deleted": item.deleted,
                      "updated_at": now} for pid, item in final.items()}
        new = [row for pid, row in rows.items() if pid not in stored]
        inserted = await self.repo.insert_new(entity.table, new)
        late = [row["id"] for row in new if row["id"] not in inserted]
        now_stored = await self.repo.versions(entity.table, late) if late else {}
        lost = {pid for pid in late if now_stored.get(pid, -1) >= final[pid].version}
        updates = [row for pid, row in rows.items() if (pid in stored or pid in now_stored) and pid not in lost]
        await self.repo.update_rows(entity.table, updates)
        if entity.children is not None:
            child = entity.children
            replaced = [pid for pid in final if pid not in lost and pid not in inserted]
            await self.repo.delete_children(child.table, child.parent_column, replaced)
            await self.repo.insert_rows(child.table, [r for pid, item in final.items() if pid not in lost
                                                      for r in child.rows(item)])
        return lost, {pid for pid in now_stored if pid not in lost}


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None
