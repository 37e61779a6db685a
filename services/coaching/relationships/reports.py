"""Coaching activity for a window, per coach or per team, from a constant number of GROUP BY queries."""

import uuid
from collections import defaultdict
from datetime import date, timedelta

from common.db import utcnow
from common.errors import InvalidInput
from services.coaching.relationships import cadence
from services.coaching.relationships.report_repository import ReportRepository, SessionTotals
from services.coaching.relationships.repository import Repository
from services.coaching.relationships.schemas import ActivityReport, ActivityRow, GroupBy, RatingAverages
from services.coaching.visibility import Visibility

DEFAULT_DAYS = 28
MAX_WINDOW_DAYS = 3660

DEFINITIONS = {
    "window": "[from, to], whole UTC days, both inclusive; default: the 28 days ending today",
    "rows": "group_by=coach: every coach with a session, a programme pair or an open action in scope; "
            "group_by=team: every manager with reports on `to` (under manager_id, theirs included), "
            "with everyone under them on `to`",
    "scope": "with manager_id: the sessions, pairs and actions whose seller is in that manager's tree on `to`",
    "sessions_held": "completed sessions whose held_at falls in the window",
    "programme_sessions_held": "of those, the ones held in a programme (programme_id set) by one of the row's "
                               "programme pairs on a day the pair was in it",
    "programme_sessions_expected": "sum over the row's programme pairs of floor(days the pair was in its "
                                   "programme within the window / cadence_days)",
    "cadence_kept": "share of expected programme sessions held, 0-1: programme_sessions_held / "
                    "programme_sessions_expected; null without programme pairs or when nothing was expected yet",
    "cadence_kept_pct": "deprecated: cadence_kept x 100 (0-100), kept for existing clients",
    "average_rating": "mean of the sellers' ratings (1-5) per dimension over the rated sessions held",
    "sessions_with_actions_share": "share of the sessions held with at least one agreed action, 0-1",
    "sessions_with_actions_pct": "deprecated: sessions_with_actions_share x 100 (0-100), kept for existing "
                                 "clients",
    "open_actions": "actions open now that were agreed before the end of the window",
    "overdue_actions": "open actions whose due_on is before `to`",
}


def _share(part: int, whole: int) -> float | None:
    """A share on the one scale every share of the API uses: 0-1."""
    return round(part / whole, 4) if whole else None


def _pct(part: int, whole: int) -> float | None:
    """The deprecated 0-100 form of a share."""
    return round(100 * part / whole, 1) if whole else None


def _avg(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


class ReportsService:
    def __init__(self, repo: Repository, vis: Visibility) -> None:
        self.repo = repo
        self.vis = vis

    async def coaching_activity(self, group_by: GroupBy, from_: date | None, to: date | None,
                                manager_id: uuid.UUID | None) -> ActivityReport:
        hi = to or utcnow().date()
        lo = from_ or hi - timedelta(days=DEFAULT_DAYS - 1)
        if hi < lo:
            raise InvalidInput("The window ends before it starts.", errors=[
                {"field": "query.to", "message": f"to ({hi}) is before from ({lo})", "code": "value_error"}])
        if (hi - lo).days >= MAX_WINDOW_DAYS:
            raise InvalidInput("The window is too long.", errors=[
                {"field": "query.from", "message": f"at most {MAX_WINDOW_DAYS} days", "code": "value_error"}])
        root = await self.vis.report_root(manager_id)
        if manager_id is not None and not await self.repo.person_exists(manager_id):
            raise InvalidInput("Unknown manager.", errors=[{"field": "query.manager_id", "code": "reference",
                                                            "message": f"no person {manager_id} in this tenant"}])

        q = ReportRepository(self.repo.s, self.repo.tenant_id, group_by=group_by, as_of=hi, root=root)
        start, end = cadence.day_start(lo), cadence.day_after(hi)
        totals = await q.session_totals(start, end)
        programme_held = await q.pair_sessions(start, end)
        pairs = await q.pairs(lo, hi)
        actions = await q.open_actions(end, hi)

        expected: dict[uuid.UUID, int] = defaultdict(int)
        held_in_pairs: dict[uuid.UUID, int] = defaultdict(int)
        for key, pair in pairs:
            days = cadence.membership(pair.joined_on, pair.left_on, pair.starts_on, pair.ends_on).days_within(lo, hi)
            expected[key] += cadence.expected_sessions(days, pair.cadence_days)
            held_in_pairs[key] += programme_held.get((key, pair.id), 0)

        sizes: dict[uuid.UUID, int] = {}
        if group_by == "team":
            sizes = await q.team_sizes()
            if root is not None:
                sizes.setdefault(root, 0)
            keys = set(sizes)
        else:
            keys = set(totals) | {k for k, _ in pairs} | set(actions)
        names = await q.names(keys)

        empty = SessionTotals(0, 0, 0, None, None, None)
        rows = []
        for key in keys:
            t = totals.get(key, empty)
            has_pairs = key in expected
            rows.append(ActivityRow(
                person_id=key, name=names.get(key), team_size=sizes.get(key) if group_by == "team" else None,
                sessions_held=t.held, programme_sessions_held=held_in_pairs.get(key, 0),
                programme_sessions_expected=expected.get(key, 0),
                cadence_kept=_share(held_in_pairs[key], expected[key]) if has_pairs else None,
                cadence_kept_pct=_pct(held_in_pairs[key], expected[key]) if has_pairs else None,
                rated_sessions=t.rated,
                average_rating=RatingAverages(relevant=_avg(t.relevant), developmental=_avg(t.developmental),
                                              motivational=_avg(t.motivational)),
                sessions_with_actions=t.with_actions, sessions_with_actions_share=_share(t.with_actions, t.held),
                sessions_with_actions_pct=_pct(t.with_actions, t.held),
                open_actions=actions.get(key, (0, 0))[0], overdue_actions=actions.get(key, (0, 0))[1]))
        rows.sort(key=lambda r: (r.name is None, r.name or "", str(r.person_id)))
        return ActivityReport(group_by=group_by, from_=lo, to=hi, manager_id=root, definitions=DEFINITIONS, rows=rows)
