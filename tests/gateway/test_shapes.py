"""GraphQL types present the services' wire models (gateway/types/shapes.py): a field renamed or dropped in a
service's schema, or made nullable there, stops the gateway at import instead of answering null."""

import uuid
from datetime import datetime
from typing import Any

import pytest
import strawberry
from pydantic import BaseModel

from gateway.types import behaviors, goal_progress, metrics, scorecards
from gateway.types.behaviors import Objective
from gateway.types.shapes import model_of, presents, shown
from services.behaviors import schemas as behaviors_wire
from services.behaviors.schemas import ObjectiveOut
from services.metrics import analysis_schemas as analysis_wire
from services.metrics import goal_progress_schemas as goal_wire
from services.metrics import schemas as metrics_wire


class Thing(BaseModel):
    id: uuid.UUID
    name: str
    note: str | None
    at: datetime


def test_a_type_that_presents_its_model_is_accepted_and_recognised_in_unions() -> None:
    @presents(Thing)
    @strawberry.type
    class ThingType:
        id: strawberry.ID
        name: str
        note: str | None

        @strawberry.field
        def shout(self) -> str:  # computed: not a model field, not checked
            return self.name.upper()

    value = shown(ThingType, {"id": str(uuid.uuid4()), "name": "x", "note": None, "at": "2026-01-01T00:00:00Z"})
    assert isinstance(value, Thing)
    assert ThingType.__strawberry_definition__.is_type_of(value, None)
    assert not ThingType.__strawberry_definition__.is_type_of(object(), None)


def test_a_field_the_model_does_not_have_is_an_error_at_import() -> None:
    with pytest.raises(TypeError, match=r"ThingType\.title is not a field of Thing"):
        @presents(Thing)
        @strawberry.type
        class ThingType:
            id: strawberry.ID
            title: str  # renamed in the service: `name`


def test_a_non_null_field_the_model_may_leave_null_is_an_error_at_import() -> None:
    with pytest.raises(TypeError, match=r"ThingType\.note is non-null, but Thing\.note may be null"):
        @presents(Thing)
        @strawberry.type
        class ThingType:
            note: str


def test_presents_goes_above_strawberry_type() -> None:
    with pytest.raises(TypeError, match="not a strawberry type"):
        @strawberry.type
        @presents(Thing)
        class ThingType:
            name: str


def test_the_gateway_types_present_the_services_models() -> None:
    assert model_of(Objective) is ObjectiveOut


def test_the_coaching_types_present_the_coaching_and_metrics_models() -> None:
    from gateway.types import gaps, people, programmes, queue, sessions, webhooks
    from services.coaching.directory.schemas import ManagerOut, PersonOut
    from services.coaching.relationships import schemas as rel
    from services.coaching.sessions import schemas as ses
    from services.coaching.webhooks.schemas import DeliveryOut, SubscriptionOut
    from services.metrics import gap_schemas, queue_schemas

    presented = {
        sessions.Session: ses.SessionOut, sessions.Gap: ses.GapOut, sessions.Action: ses.ActionOut,
        sessions.Goal: ses.GoalOut, sessions.GoalRevision: ses.GoalRevisionOut, sessions.GoalReview: ses.GoalReviewOut,
        sessions.Rating: ses.RatingOut, sessions.Observation: ses.ObservationOut,
        sessions.SessionScenario: ses.ScenarioOut, programmes.Programme: rel.ProgrammeOut,
        programmes.ProgrammePair: rel.PairOut, programmes.ProgrammeHealth: rel.ProgrammeHealth,
        programmes.PairHealth: rel.PairHealth, programmes.CoachingActivity: rel.ActivityReport,
        programmes.CoachingActivityRow: rel.ActivityRow, programmes.RatingAverages: rel.RatingAverages,
        people.Person: PersonOut, people.ManagerOnDay: ManagerOut, people.CoachLink: rel.CoachLinkOut,
        people.CoachAssignment: rel.AssignmentOut, webhooks.WebhookSubscription: SubscriptionOut,
        webhooks.WebhookDelivery: DeliveryOut, gaps.GapEvaluation: gap_schemas.GapEvaluationOut,
        gaps.GapIndicatorFigure: gap_schemas.GapIndicatorOut, gaps.GapSummary: gap_schemas.GapSummaryOut,
        gaps.GapSummaryRow: gap_schemas.GapSummaryRow, gaps.RootCauseCount: gap_schemas.RootCauseCount,
        queue.CoachingQueue: queue_schemas.CoachingQueueOut, queue.QueueEntry: queue_schemas.QueueEntryOut,
        queue.QueueReason: queue_schemas.QueueReasonOut, queue.FocusSuggestion: queue_schemas.FocusOut,
    }
    assert {cls: model_of(cls) for cls in presented} == presented
    assert not any(hasattr(cls, "from_json") for cls in presented)


@pytest.mark.parametrize(("graphql_type", "model"), [
    (behaviors.RubricLevel, behaviors_wire.RubricLevelOut), (behaviors.Responsible, behaviors_wire.ResponsibleOut),
    (behaviors.Indicator, behaviors_wire.IndicatorOut), (behaviors.BehaviorVersion, behaviors_wire.VersionOut),
    (behaviors.Scenario, behaviors_wire.ScenarioOut), (behaviors.Behavior, behaviors_wire.BehaviorOut),
    (behaviors.Statement, behaviors_wire.Statement), (behaviors.AlignmentReport, behaviors_wire.AlignmentReport),
    (behaviors.AssessmentResponse, behaviors_wire.ResponseOut), (behaviors.Assessment, behaviors_wire.AssessmentOut),
    (metrics.Metric, metrics_wire.MetricOut), (metrics.Series, metrics_wire.SeriesOut),
    (metrics.Evidence, metrics_wire.EvidenceOut), (metrics.SourceAlias, metrics_wire.SourceAliasOut),
    (metrics.SourceAliasSet, metrics_wire.SourceAliasSet), (metrics.PendingEvidence, metrics_wire.PendingEvidenceOut),
    (scorecards.PeriodWindow, analysis_wire.PeriodOut), (scorecards.Scorecard, analysis_wire.ScorecardOut),
    (scorecards.BehaviorCard, analysis_wire.BehaviorCard), (scorecards.IndicatorCard, analysis_wire.IndicatorCard),
    (scorecards.Adoption, analysis_wire.AdoptionOut), (scorecards.ImpactEstimate, analysis_wire.ImpactOut),
    (scorecards.ImpactDescriptive, analysis_wire.ImpactOut),
    (scorecards.CoachingFiguresRow, analysis_wire.CoachingFigures),
    (goal_progress.GoalProgress, goal_wire.GoalProgressOut), (goal_progress.GoalSeries, goal_wire.GoalSeriesOut),
])
def test_the_behaviors_and_metrics_types_present_their_models(graphql_type: type, model: type[BaseModel]) -> None:
    assert model_of(graphql_type) is model


def test_two_types_presenting_one_model_are_told_apart_by_when() -> None:
    estimate = scorecards.ImpactEstimate.__strawberry_definition__.is_type_of  # type: ignore[attr-defined]
    descriptive = scorecards.ImpactDescriptive.__strawberry_definition__.is_type_of  # type: ignore[attr-defined]
    interval: dict[str, Any] = {"descriptive_only": False}
    none: dict[str, Any] = {"descriptive_only": True}
    with_interval = analysis_wire.ImpactOut.model_construct(**interval)
    without = analysis_wire.ImpactOut.model_construct(**none)
    assert estimate(with_interval, None) and not descriptive(with_interval, None)
    assert descriptive(without, None) and not estimate(without, None)
