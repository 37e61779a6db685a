"""GraphQL inputs of the coaching domain. They mirror the REST bodies; the service validates them."""

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import UNSET

from gateway.types.behaviors import Period, RootCause
from gateway.types.coaching_enums import ActionStatus, CoachKind, GapOutcome, GoalKind, GoalReviewOutcome, PersonRole
from gateway.types.inputs import as_object, to_body


@strawberry.input
class ExternalIdInput:
    source: str
    external_id: str


@strawberry.input
class PersonInput:
    name: str
    email: str | None = UNSET
    title: str | None = UNSET
    roles: list[PersonRole] | None = UNSET
    active: bool | None = UNSET
    manager_is_coach: bool | None = UNSET
    hired_on: date | None = strawberry.field(default=UNSET, description="The first day employed.")
    left_on: date | None = strawberry.field(default=UNSET, description="The last day employed.")
    external_ids: list[ExternalIdInput] | None = UNSET


def person_body(input: PersonInput) -> dict[str, Any]:
    """External ids travel as a list here and as a `{source: id}` object in REST."""
    body: dict[str, Any] = to_body(input)
    if isinstance(input.external_ids, list):
        body["external_ids"] = as_object([(e.source, e.external_id) for e in input.external_ids],
                                         "input.externalIds", "source")
    return body


@strawberry.input(description="Only the fields given change.")
class PersonPatch:
    name: str | None = UNSET
    email: str | None = UNSET
    title: str | None = UNSET
    roles: list[PersonRole] | None = UNSET
    active: bool | None = UNSET
    manager_is_coach: bool | None = UNSET
    hired_on: date | None = strawberry.field(default=UNSET, description="The first day employed; null clears it.")
    left_on: date | None = strawberry.field(default=UNSET, description="The last day employed; null clears it.")


@strawberry.input
class CoachAssignmentInput:
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    kind: CoachKind
    scope: list[str] | None = strawberry.field(default=UNSET, description="Behaviour keys; empty or left out: all.")
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET


@strawberry.input
class ProgrammeInput:
    name: str
    behavior_keys: list[str]
    cadence_days: int
    starts_on: date
    objective_id: strawberry.ID | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    ends_on: date | None = UNSET


@strawberry.input(description="Only the fields given change.")
class ProgrammePatch:
    name: str | None = UNSET
    behavior_keys: list[str] | None = UNSET
    cadence_days: int | None = UNSET
    starts_on: date | None = UNSET
    objective_id: strawberry.ID | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    ends_on: date | None = UNSET


@strawberry.input
class PairInput:
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    joined_on: date | None = UNSET


@strawberry.input
class ScenarioRefInput:
    behavior_key: str
    scenario_id: strawberry.ID


@strawberry.input
class SessionInput:
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    scheduled_at: datetime
    programme_id: strawberry.ID | None = UNSET
    duration_minutes: int | None = UNSET
    focus_keys: list[str] | None = UNSET
    scenario: ScenarioRefInput | None = UNSET


@strawberry.input(description="Only the fields given change; a scheduled session only.")
class SessionPatch:
    scheduled_at: datetime | None = UNSET
    duration_minutes: int | None = UNSET
    focus_keys: list[str] | None = UNSET
    scenario: ScenarioRefInput | None = UNSET


@strawberry.input
class ObservationInput:
    behavior_key: str
    level: int
    evidence: str | None = UNSET


@strawberry.input
class GapInput:
    behavior_key: str
    description: str
    root_cause: RootCause


@strawberry.input(description="Close a gap opened in an earlier session of this seller, in the session being "
                              "completed.")
class GapClosureInput:
    gap_id: strawberry.ID
    outcome: GapOutcome
    note: str | None = UNSET


@strawberry.input(description="Close an open gap in a later completed session of its seller (`sessionId`), by that "
                              "session's coach; the same closure again changes nothing.")
class GapCloseInput:
    session_id: strawberry.ID
    outcome: GapOutcome
    note: str | None = UNSET


@strawberry.input(description="Link it to a gap of the same completion by `gapIndex` (0-based) or an earlier "
                              "gap by `gapId`.")
class ActionInput:
    description: str
    owner_id: strawberry.ID
    due_on: date
    gap_index: int | None = UNSET
    gap_id: strawberry.ID | None = UNSET


@strawberry.input
class GoalTermsInput:
    metric_key: str
    kind: GoalKind
    target: float
    period: Period
    review_on: date


@strawberry.input(description="The outcome of a goal's terms in force. CARRIED_OVER links a later revision: "
                              "`carryInto` proposes one with new terms, or without it the goal's current revision "
                              "(proposed before) must be later than the agreed one. `revision` guards against "
                              "reviewing terms that changed meanwhile.")
class GoalReviewInput:
    outcome: GoalReviewOutcome
    note: str | None = UNSET
    revision: int | None = UNSET
    carry_into: GoalTermsInput | None = UNSET


@strawberry.input
class NextSessionInput:
    scheduled_at: datetime
    duration_minutes: int | None = UNSET
    focus_keys: list[str] | None = UNSET


@strawberry.input(description="What the conversation produced. Goals proposed here still need both sides' "
                              "agreement (agreeGoal).")
class CompletionInput:
    held_at: datetime | None = UNSET
    duration_minutes: int | None = UNSET
    notes: str | None = UNSET
    private_notes: str | None = UNSET
    observations: list[ObservationInput] | None = UNSET
    gaps: list[GapInput] | None = UNSET
    actions: list[ActionInput] | None = UNSET
    goals: list[GoalTermsInput] | None = UNSET
    next_session: NextSessionInput | None = UNSET
    gap_closures: list[GapClosureInput] | None = UNSET


@strawberry.input
class RatingInput:
    relevant: int
    developmental: int
    motivational: int
    comment: str | None = UNSET


@strawberry.input(description="Only the fields given change.")
class ActionPatch:
    status: ActionStatus | None = UNSET
    description: str | None = UNSET
    due_on: date | None = UNSET


@strawberry.input
class GoalInput:
    seller_id: strawberry.ID
    metric_key: str
    kind: GoalKind
    target: float
    period: Period
    review_on: date
    coach_id: strawberry.ID | None = UNSET
    session_id: strawberry.ID | None = UNSET
