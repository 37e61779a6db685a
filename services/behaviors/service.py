"""Rules of the behaviors service. Raises typed errors; never commits (the request does)."""

import uuid
from collections.abc import Sequence
from typing import Any

from common.db import utcnow
from common.errors import Conflict, InvalidInput, NotFound
from common.ids import new_id
from common.pagination import Page, PageParams, build_page
from services.behaviors import alignment, events
from services.behaviors.models import (
    Assessment,
    AssessmentResponse,
    Behavior,
    BehaviorVersion,
    Indicator,
    Objective,
    Scenario,
)
from services.behaviors.repository import Repository, audience_mask
from services.behaviors.schemas import (
    AlignmentReport,
    AssessmentCreate,
    AssessmentOut,
    BehaviorCreate,
    BehaviorOut,
    BehaviorUpdate,
    IndicatorIn,
    IndicatorOut,
    IndicatorUpdate,
    ObjectiveCreate,
    ObjectiveOut,
    ObjectiveUpdate,
    ResponseIn,
    ResponseOut,
    ScenarioIn,
    ScenarioOut,
    ScenarioUpdate,
    VersionOut,
)

MIRRORED = ("name", "objective_id", "category")


def _field_error(field: str, message: str, code: str = "reference") -> InvalidInput:
    """A rule on one body field, located like request validation errors (`body.<field>`)."""
    return InvalidInput(message, errors=[{"field": f"body.{field}", "message": message, "code": code}])


def _not_null(field: str) -> InvalidInput:
    return _field_error(field, f"{field} cannot be null", "not_null")


# ---- rendering --------------------------------------------------------------------------------

def objective_out(o: Objective) -> ObjectiveOut:
    return ObjectiveOut.model_validate(o, from_attributes=True)


def indicator_out(i: Indicator) -> IndicatorOut:
    return IndicatorOut.model_validate(i, from_attributes=True)


def version_out(v: BehaviorVersion) -> VersionOut:
    return VersionOut(
        behavior_id=v.behavior_id, number=v.number, state=v.state,
        name=v.name, description=v.description, rationale=v.rationale, objective_id=v.objective_id,
        audience=v.audience, category=v.category, stage=v.stage, priority=v.priority,
        owner_id=v.owner_id, responsible=v.responsible, rubric=v.rubric,
        indicators=[indicator_out(i) for i in v.indicators], created_at=v.created_at, published_at=v.published_at)


def behavior_out(b: Behavior, versions: dict[tuple[uuid.UUID, int], BehaviorVersion]) -> BehaviorOut:
    effective = versions[(b.id, b.current_version or b.draft_version or 0)]
    draft = versions.get((b.id, b.draft_version)) if b.current_version and b.draft_version else None
    return BehaviorOut(id=b.id, key=b.key, status=b.status, version=b.current_version,
                       draft_version=b.draft_version, content=version_out(effective),
                       draft=version_out(draft) if draft else None, created_at=b.created_at,
                       updated_at=b.updated_at, published_at=b.published_at, retired_at=b.retired_at)


def scenario_out(s: Scenario) -> ScenarioOut:
    return ScenarioOut.model_validate(s, from_attributes=True)


def assessment_out(a: Assessment) -> AssessmentOut:
    return AssessmentOut(id=a.id, title=a.title, template=a.template, objective_id=a.objective_id,
                         status=a.status, statements=list(alignment.STATEMENTS),
                         created_at=a.created_at, closed_at=a.closed_at)


def response_out(r: AssessmentResponse) -> ResponseOut:
    answers = ["view_2" if a == 2 else "view_1" for a in r.answers]
    return ResponseOut(respondent=r.respondent, function=r.function, answers=answers,
                       updated_at=r.updated_at)


class BehaviorsService:
    def __init__(self, repo: Repository, actor: str) -> None:
        self.repo = repo
        self.tenant_id = repo.tenant_id
        self.actor = actor

    # ---- objectives ---------------------------------------------------------------------------
    async def create_objective(self, data: ObjectiveCreate) -> ObjectiveOut:
        now = utcnow()
        obj = Objective(id=new_id(), tenant_id=self.tenant_id, created_at=now, updated_at=now, **data.model_dump())
        self.repo.add(obj)
        return objective_out(obj)

    async def _objective(self, objective_id: uuid.UUID) -> Objective:
        obj = await self.repo.objective(objective_id)
        if obj is None:
            raise NotFound(f"Objective {objective_id} does not exist.")
        return obj

    async def get_objective(self, objective_id: uuid.UUID) -> ObjectiveOut:
        return objective_out(await self._objective(objective_id))

    async def update_objective(self, objective_id: uuid.UUID, patch: ObjectiveUpdate) -> ObjectiveOut:
        obj = await self._objective(objective_id)
        changes = patch.model_dump(exclude_unset=True)
        for required in ("name", "description", "status"):
            if required in changes and changes[required] is None:
                raise _not_null(required)
        for field, value in changes.items():
            setattr(obj, field, value)
        if obj.starts_on and obj.ends_on and obj.ends_on < obj.starts_on:
            raise _field_error("ends_on", "ends_on must not be before starts_on", "value_error")
        obj.updated_at = utcnow()
        return objective_out(obj)

    async def delete_objective(self, objective_id: uuid.UUID) -> None:
        obj = await self._objective(objective_id)
        if await self.repo.objective_in_use(objective_id):
            raise Conflict("The objective is referenced by behaviours or assessments; retarget them first.")
        await self.repo.delete(obj)

    async def _check_objective_ref(self, objective_id: uuid.UUID | None) -> None:
        if objective_id is not None and await self.repo.objective(objective_id) is None:
            raise _field_error("objective_id", f"Objective {objective_id} does not exist.")

    # ---- behaviours ---------------------------------------------------------------------------
    async def _behavior(self, behavior_id: uuid.UUID, *, for_update: bool = False) -> Behavior:
        b = await self.repo.behavior(behavior_id, for_update=for_update)
        if b is None:
            raise NotFound(f"Behaviour {behavior_id} does not exist.")
        return b

    async def _out(self, b: Behavior) -> BehaviorOut:
        return behavior_out(b, await self.repo.head_versions([b]))

    async def get_behavior(self, behavior_id: uuid.UUID) -> BehaviorOut:
        return await self._out(await self._behavior(behavior_id))

    async def create_behavior(self, data: BehaviorCreate) -> BehaviorOut:
        if await self.repo.key_taken(data.key):
            raise Conflict(f"A behaviour with the key '{data.key}' already exists.")
        await self._check_objective_ref(data.objective_id)
        now = utcnow()
        content = data.model_dump(exclude={"key", "indicators"}, mode="json")
        content["objective_id"] = data.objective_id
        content["owner_id"] = data.owner_id
        b = Behavior(id=new_id(), tenant_id=self.tenant_id, key=data.key, status="draft", current_version=None,
                     draft_version=1, name=data.name, objective_id=data.objective_id, category=data.category,
                     audience_mask=audience_mask(data.audience), created_at=now, updated_at=now)
        v = BehaviorVersion(id=new_id(), tenant_id=self.tenant_id, behavior_id=b.id, number=1, state="draft",
                            created_at=now, updated_at=now, **content)
        v.indicators = [self._indicator(v, i, pos) for pos, i in enumerate(data.indicators)]
        self.repo.add(b)
        await self.repo.flush()
        self.repo.add(v)
        await self.repo.flush()
        return behavior_out(b, {(b.id, 1): v})

    def _indicator(self, v: BehaviorVersion, data: IndicatorIn, position: int,
                   indicator_id: uuid.UUID | None = None) -> Indicator:
        return Indicator(version_id=v.id, id=indicator_id or new_id(), tenant_id=self.tenant_id,
                         position=position, **data.model_dump())

    async def _editable_version(self, b: Behavior) -> BehaviorVersion:
        """The draft to change: the existing one, or a new draft copied from the published version."""
        if b.status == "retired":
            raise Conflict("A retired behaviour cannot be changed.")
        if b.draft_version is not None:
            draft = await self.repo.version(b.id, b.draft_version)
            assert draft is not None
            return draft
        assert b.current_version is not None
        current = await self.repo.version(b.id, b.current_version)
        assert current is not None
        now = utcnow()
        draft = BehaviorVersion(
            id=new_id(), tenant_id=self.tenant_id, behavior_id=b.id, number=b.current_version + 1, state="draft",
            created_at=now, updated_at=now, published_at=None, published_by=None,
            **{c: getattr(current, c) for c in ("name", "description", "rationale", "objective_id", "audience",
                                                "category", "stage", "priority", "owner_id", "responsible",
                                                "rubric")})
        draft.indicators = [
            Indicator(version_id=draft.id, id=i.id, tenant_id=self.tenant_id, position=i.position,
                      metric_key=i.metric_key, kind=i.kind, target=i.target, comparator=i.comparator,
                      period=i.period) for i in current.indicators]
        self.repo.add(draft)
        b.draft_version = draft.number
        await self.repo.flush()
        return draft

    def _mirror(self, b: Behavior, v: BehaviorVersion) -> None:
        b.name, b.objective_id, b.category = v.name, v.objective_id, v.category
        b.audience_mask = audience_mask(v.audience)

    def _touch(self, b: Behavior, v: BehaviorVersion) -> None:
        now = utcnow()
        b.updated_at = v.updated_at = now
        if b.current_version is None:
            self._mirror(b, v)

    async def update_behavior(self, behavior_id: uuid.UUID, patch: BehaviorUpdate) -> BehaviorOut:
        b = await self._behavior(behavior_id, for_update=True)
        changes = patch.model_dump(exclude_unset=True, mode="json")
        for required in ("name", "description", "rationale", "audience", "category", "priority", "responsible",
                         "rubric"):
            if required in changes and changes[required] is None:
                raise _not_null(required)
        if "objective_id" in changes:
            changes["objective_id"] = patch.objective_id
            await self._check_objective_ref(patch.objective_id)
        if "owner_id" in changes:
            changes["owner_id"] = patch.owner_id
        v = await self._editable_version(b)
        for field, value in changes.items():
            setattr(v, field, value)
        self._touch(b, v)
        return await self._out(b)

    async def publish(self, behavior_id: uuid.UUID) -> BehaviorOut:
        b = await self._behavior(behavior_id, for_update=True)
        if b.status == "retired":
            raise Conflict("A retired behaviour cannot be published.")
        if b.draft_version is None:
            raise Conflict("There is no draft to publish: change the behaviour first, which opens a new draft.")
        v = await self.repo.version(b.id, b.draft_version)
        assert v is not None
        if not v.indicators:
            raise Conflict("A behaviour needs at least one indicator before it is published: "
                           "without one nobody can tell whether it is adopted.")
        now = utcnow()
        v.state, v.published_at, v.published_by, v.updated_at = "published", now, self.actor, now
        b.status, b.current_version, b.draft_version = "active", v.number, None
        b.published_at = b.updated_at = now
        self._mirror(b, v)
        await self.repo.flush()
        out = behavior_out(b, {(b.id, v.number): v})
        topic = events.BEHAVIOR_PUBLISHED if v.number == 1 else events.BEHAVIOR_REVISED
        await events.behavior_changed(self.repo.s, self.tenant_id, topic, out)
        return out

    async def retire(self, behavior_id: uuid.UUID) -> BehaviorOut:
        b = await self._behavior(behavior_id, for_update=True)
        if b.status != "active":
            raise Conflict(f"Only an active behaviour can be retired; this one is {b.status}"
                           + (" (delete a never-published draft instead)." if b.status == "draft" else "."))
        if b.draft_version is not None:
            draft = await self.repo.version(b.id, b.draft_version)
            await self.repo.delete(draft)
            b.draft_version = None
        b.status = "retired"
        b.retired_at = b.updated_at = utcnow()
        await self.repo.flush()
        out = await self._out(b)
        await events.behavior_changed(self.repo.s, self.tenant_id, events.BEHAVIOR_RETIRED, out)
        return out

    async def discard_draft(self, behavior_id: uuid.UUID) -> BehaviorOut:
        b = await self._behavior(behavior_id, for_update=True)
        if b.status != "active" or b.draft_version is None:
            raise Conflict("Only a pending revision of an active behaviour can be discarded.")
        draft = await self.repo.version(b.id, b.draft_version)
        await self.repo.delete(draft)
        b.draft_version = None
        b.updated_at = utcnow()
        await self.repo.flush()
        return await self._out(b)

    async def delete_behavior(self, behavior_id: uuid.UUID) -> None:
        b = await self._behavior(behavior_id, for_update=True)
        if b.status != "draft":
            raise Conflict("Only a never-published draft can be deleted; retire an active behaviour instead.")
        await self.repo.delete(b)

    async def versions(self, behavior_id: uuid.UUID) -> list[VersionOut]:
        await self._behavior(behavior_id)
        return [version_out(v) for v in await self.repo.versions([behavior_id])]

    async def version(self, behavior_id: uuid.UUID, number: int) -> VersionOut:
        await self._behavior(behavior_id)
        v = await self.repo.version(behavior_id, number)
        if v is None:
            raise NotFound(f"Behaviour {behavior_id} has no version {number}.")
        return version_out(v)

    # ---- indicators (always change the draft) -------------------------------------------------
    async def add_indicator(self, behavior_id: uuid.UUID, data: IndicatorIn) -> IndicatorOut:
        b = await self._behavior(behavior_id, for_update=True)
        v = await self._editable_version(b)
        if len(v.indicators) >= 20:
            raise Conflict("A behaviour has at most 20 indicators.")
        ind = self._indicator(v, data, max((i.position for i in v.indicators), default=-1) + 1)
        v.indicators.append(ind)
        self._touch(b, v)
        await self.repo.flush()
        return indicator_out(ind)

    async def _draft_indicator(self, behavior_id: uuid.UUID,
                               indicator_id: uuid.UUID) -> tuple[Behavior, BehaviorVersion, Indicator]:
        b = await self._behavior(behavior_id, for_update=True)
        v = await self._editable_version(b)
        for ind in v.indicators:
            if ind.id == indicator_id:
                return b, v, ind
        raise NotFound(f"Behaviour {behavior_id} has no indicator {indicator_id}.")

    async def update_indicator(self, behavior_id: uuid.UUID, indicator_id: uuid.UUID,
                               patch: IndicatorUpdate) -> IndicatorOut:
        b, v, ind = await self._draft_indicator(behavior_id, indicator_id)
        for field, value in patch.model_dump(exclude_unset=True).items():
            if value is None:
                raise _not_null(field)
            setattr(ind, field, value)
        self._touch(b, v)
        await self.repo.flush()
        return indicator_out(ind)

    async def remove_indicator(self, behavior_id: uuid.UUID, indicator_id: uuid.UUID) -> None:
        b, v, ind = await self._draft_indicator(behavior_id, indicator_id)
        v.indicators.remove(ind)
        self._touch(b, v)
        await self.repo.flush()

    # ---- scenarios ----------------------------------------------------------------------------
    async def _writable(self, behavior_id: uuid.UUID) -> Behavior:
        b = await self._behavior(behavior_id)
        if b.status == "retired":
            raise Conflict("A retired behaviour's scenarios cannot be changed.")
        return b

    async def add_scenario(self, behavior_id: uuid.UUID, data: ScenarioIn) -> ScenarioOut:
        await self._writable(behavior_id)
        if await self.repo.scenario_count(behavior_id) >= 50:
            raise Conflict("A behaviour has at most 50 scenarios.")
        now = utcnow()
        sc = Scenario(id=new_id(), tenant_id=self.tenant_id, behavior_id=behavior_id, created_at=now,
                      updated_at=now, **data.model_dump())
        self.repo.add(sc)
        return scenario_out(sc)

    async def _scenario(self, behavior_id: uuid.UUID, scenario_id: uuid.UUID) -> Scenario:
        sc = await self.repo.scenario(behavior_id, scenario_id)
        if sc is None:
            raise NotFound(f"Behaviour {behavior_id} has no scenario {scenario_id}.")
        return sc

    async def get_scenario(self, behavior_id: uuid.UUID, scenario_id: uuid.UUID) -> ScenarioOut:
        return scenario_out(await self._scenario(behavior_id, scenario_id))

    async def scenarios(self, behavior_ids: Sequence[uuid.UUID]) -> list[ScenarioOut]:
        return [scenario_out(s) for s in await self.repo.scenarios(behavior_ids)]

    async def update_scenario(self, behavior_id: uuid.UUID, scenario_id: uuid.UUID,
                              patch: ScenarioUpdate) -> ScenarioOut:
        await self._writable(behavior_id)
        sc = await self._scenario(behavior_id, scenario_id)
        for field, value in patch.model_dump(exclude_unset=True).items():
            if value is None:
                raise _not_null(field)
            setattr(sc, field, value)
        sc.updated_at = utcnow()
        return scenario_out(sc)

    async def delete_scenario(self, behavior_id: uuid.UUID, scenario_id: uuid.UUID) -> None:
        await self._writable(behavior_id)
        await self.repo.delete(await self._scenario(behavior_id, scenario_id))

    # ---- alignment assessments ----------------------------------------------------------------
    async def create_assessment(self, data: AssessmentCreate) -> AssessmentOut:
        await self._check_objective_ref(data.objective_id)
        a = Assessment(id=new_id(), tenant_id=self.tenant_id, title=data.title, template=alignment.TEMPLATE_ID,
                       objective_id=data.objective_id, status="open", created_at=utcnow(), closed_at=None)
        self.repo.add(a)
        return assessment_out(a)

    async def _assessment(self, assessment_id: uuid.UUID, *, for_update: bool = False) -> Assessment:
        a = await self.repo.assessment(assessment_id, for_update=for_update)
        if a is None:
            raise NotFound(f"Assessment {assessment_id} does not exist.")
        return a

    async def get_assessment(self, assessment_id: uuid.UUID) -> AssessmentOut:
        return assessment_out(await self._assessment(assessment_id))

    async def list_assessments(self, ids: Sequence[uuid.UUID] | None, page: PageParams) -> Page[AssessmentOut]:
        rows = await self.repo.assessments(ids=ids, after=page.after, limit=page.limit)
        return build_page([assessment_out(a) for a in rows], page.limit, lambda a: a.id)

    async def close_assessment(self, assessment_id: uuid.UUID) -> AssessmentOut:
        a = await self._assessment(assessment_id, for_update=True)
        if a.status == "closed":
            raise Conflict("The assessment is already closed.")
        a.status, a.closed_at = "closed", utcnow()
        return assessment_out(a)

    async def put_response(self, assessment_id: uuid.UUID, respondent: str, data: ResponseIn) -> ResponseOut:
        """Record or replace one respondent's answers while the assessment is open (idempotent)."""
        a = await self._assessment(assessment_id, for_update=True)
        if a.status != "open":
            raise Conflict("The assessment is closed; it takes no more responses.")
        answers = [2 if x == "view_2" else 1 for x in data.answers]
        now = utcnow()
        existing = await self.repo.response(assessment_id, respondent)
        if existing is None:
            existing = AssessmentResponse(id=new_id(), tenant_id=self.tenant_id, assessment_id=assessment_id,
                                          respondent=respondent, function=data.function, answers=answers,
                                          created_at=now, updated_at=now)
            self.repo.add(existing)
        elif existing.function != data.function or existing.answers != answers:
            existing.function, existing.answers, existing.updated_at = data.function, answers, now
        return response_out(existing)

    async def responses(self, assessment_id: uuid.UUID) -> list[ResponseOut]:
        await self._assessment(assessment_id)
        return [response_out(r) for r in await self.repo.responses(assessment_id)]

    async def alignment(self, assessment_id: uuid.UUID) -> AlignmentReport:
        await self._assessment(assessment_id)
        rows = await self.repo.responses(assessment_id)
        pairs: list[tuple[str, Any]] = [
            (r.function, ["view_2" if x == 2 else "view_1" for x in r.answers]) for r in rows]
        return alignment.score(assessment_id, pairs)
