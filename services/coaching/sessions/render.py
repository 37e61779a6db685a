"""Rows → wire shapes, with a session's parts loaded for a whole page at once (one query per kind)."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from services.coaching.models import Action, Gap, Goal, GoalReview, GoalRevision, Observation, Rating, Session
from services.coaching.sessions.repository import Repository
from services.coaching.sessions.schemas import (
    ActionOut,
    GapOut,
    GoalOut,
    GoalReviewOut,
    GoalRevisionOut,
    ObservationOut,
    RatingOut,
    ScenarioOut,
    SessionOut,
)
from services.coaching.visibility import Visibility

RATING_WINDOW = timedelta(days=7)


def observation_out(o: Observation) -> ObservationOut:
    return ObservationOut(id=o.id, behavior_key=o.behavior_key, level=o.level, evidence=o.evidence)


def gap_out(g: Gap) -> GapOut:
    return GapOut.model_validate(g, from_attributes=True)


def action_out(a: Action, today: date) -> ActionOut:
    return ActionOut(id=a.id, session_id=a.session_id, seller_id=a.seller_id, coach_id=a.coach_id,
                     owner_id=a.owner_id, gap_id=a.gap_id, description=a.description, due_on=a.due_on,
                     status=a.status, overdue=a.status == "open" and a.due_on < today, created_at=a.created_at,
                     updated_at=a.updated_at, closed_at=a.closed_at)


def revision_out(r: GoalRevision) -> GoalRevisionOut:
    return GoalRevisionOut(revision=r.revision, metric_key=r.metric_key, kind=r.kind, target=r.target,
                           period=r.period, review_on=r.review_on, proposed_by=r.proposed_by,
                           seller_agreed_at=r.seller_agreed_at, coach_agreed_at=r.coach_agreed_at,
                           agreed=r.seller_agreed_at is not None and r.coach_agreed_at is not None,
                           created_at=r.created_at)


def review_out(r: GoalReview) -> GoalReviewOut:
    return GoalReviewOut(id=r.id, goal_id=r.goal_id, revision=r.revision, outcome=r.outcome,
                         carried_into=r.carried_into, reviewed_by=r.reviewed_by, note=r.note,
                         reviewed_at=r.reviewed_at)


def due_for_review(g: Goal, revisions: Sequence[GoalRevision], reviews: Sequence[GoalReview], on: date) -> bool:
    """The review day of the terms in force (the agreed revision) has come, and that revision has no review."""
    if g.agreed_revision is None:
        return False
    agreed = next(r for r in revisions if r.revision == g.agreed_revision)
    return agreed.review_on <= on and not any(r.revision == g.agreed_revision for r in reviews)


def goal_out(g: Goal, revisions: Sequence[GoalRevision], reviews: Sequence[GoalReview], today: date) -> GoalOut:
    history = [revision_out(r) for r in sorted(revisions, key=lambda r: r.revision)]
    current = next(r for r in history if r.revision == g.current_revision)
    return GoalOut(id=g.id, seller_id=g.seller_id, coach_id=g.coach_id, session_id=g.session_id,
                   current_revision=g.current_revision, agreed=current.agreed, current=current, revisions=history,
                   agreed_revision=g.agreed_revision, due_for_review=due_for_review(g, revisions, reviews, today),
                   reviews=[review_out(r) for r in sorted(reviews, key=lambda r: r.revision)],
                   created_at=g.created_at, updated_at=g.updated_at)


async def goals_out(repo: Repository, goals: Sequence[Goal], today: date) -> list[GoalOut]:
    """Goals with their revisions and reviews (one query each for the whole page)."""
    ids = [g.id for g in goals]
    by_goal: dict[uuid.UUID, list[GoalRevision]] = defaultdict(list)
    for r in await repo.revisions(ids):
        by_goal[r.goal_id].append(r)
    reviews: dict[uuid.UUID, list[GoalReview]] = defaultdict(list)
    for review in await repo.reviews(ids):
        reviews[review.goal_id].append(review)
    return [goal_out(g, by_goal[g.id], reviews[g.id], today) for g in goals]


def rating_out(r: Rating) -> RatingOut:
    return RatingOut(session_id=r.session_id, seller_id=r.seller_id, relevant=r.relevant,
                     developmental=r.developmental, motivational=r.motivational, comment=r.comment,
                     created_at=r.created_at, updated_at=r.updated_at, changeable_until=r.created_at + RATING_WINDOW)


async def sessions_out(repo: Repository, vis: Visibility, sessions: Sequence[Session], today: date) -> list[SessionOut]:
    """Sessions with their parts; private notes only for those who may read them."""
    if not sessions:
        return []
    ids = [s.id for s in sessions]
    observations: dict[uuid.UUID, list[ObservationOut]] = defaultdict(list)
    for o in await repo.observations(ids):
        observations[o.session_id].append(observation_out(o))
    gaps: dict[uuid.UUID, list[GapOut]] = defaultdict(list)
    for g in await repo.gaps(ids):
        gaps[g.session_id].append(gap_out(g))
    actions: dict[uuid.UUID, list[ActionOut]] = defaultdict(list)
    for a in await repo.actions_of(ids):
        actions[a.session_id].append(action_out(a, today))
    goals: dict[uuid.UUID, list[GoalOut]] = defaultdict(list)
    for goal in await goals_out(repo, await repo.goals_of(ids), today):
        assert goal.session_id is not None
        goals[goal.session_id].append(goal)
    ratings = {r.session_id: rating_out(r) for r in await repo.ratings(ids)}
    return [
        SessionOut(
            id=s.id, coach_id=s.coach_id, seller_id=s.seller_id, programme_id=s.programme_id, status=s.status,
            scheduled_at=s.scheduled_at, held_at=s.held_at, duration_minutes=s.duration_minutes,
            focus_keys=s.focus_keys,
            scenario=(ScenarioOut(behavior_key=s.scenario_behavior_key, scenario_id=s.scenario_id)
                      if s.scenario_behavior_key and s.scenario_id else None),
            notes=s.notes, private_notes=s.private_notes if vis.reads_private_notes(s) else None,
            cancel_reason=s.cancel_reason, next_session_id=s.next_session_id,
            observations=observations[s.id], gaps=gaps[s.id], actions=actions[s.id], goals=goals[s.id],
            rating=ratings.get(s.id), created_at=s.created_at, updated_at=s.updated_at)
        for s in sessions]
