"""Whose figures a caller may read, and which of them — decided here only, for every figure the service gives.

- API keys (with metrics:read) and people with the admin or enablement role: everyone in the tenant.
- Any other person: themself, and — with the manager or leader role — everyone in their reporting tree today,
  from the read model: all their figures, for one person or as a team roll-up.
- A coach assigned to a seller (a coach assignment in force today, mirrored from the coaching service; a sales
  engineer, trainer, peer…): that seller's figures while the assignment is in force, limited to the metrics
  of the active behaviours in its scope and the observed level of each (`observed_level:<key>`; every metric when
  the assignment is unscoped). The figures may cover any window (a coach reads the trend from before they
  started); the access ends with the assignment. Team roll-ups stay with the reporting tree.
A team roll-up may be asked for anyone the caller fully sees (its members today are within the caller's tree;
members it had in earlier periods are counted in the team's totals, not shown one by one).
The gap summary (root causes rolled up): who sees everything, tenant-wide or for any team; a manager or leader for
a team in their tree (their own included); nobody else — a seller is refused, even for themself.
A coach's coaching queue (their sellers ranked, with sessions and actions): the coach, their managers (the coach
in their reporting tree today, with the manager or leader role), and who sees everything; its figures are each
seller's as far as the caller sees them.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from common.auth import Principal
from common.errors import Forbidden
from services.metrics.analysis_schemas import ScorecardOut
from services.metrics.catalogue import observed_level
from services.metrics.org import Org
from services.metrics.repository import QueryRepository

MANAGING_ROLES = ("manager", "leader")


@dataclass(frozen=True)
class Sight:
    """What the caller may see of one person: every figure (`behaviors` None), or the metrics of some
    behaviours only."""

    behaviors: frozenset[str] | None = None
    metrics: frozenset[str] | None = None

    @property
    def full(self) -> bool:
        return self.behaviors is None

    def allows(self, metric: str | None) -> bool:
        return self.metrics is None or (metric is not None and metric in self.metrics)


FULL = Sight()


class Visibility:
    def __init__(self, principal: Principal, queries: QueryRepository, today: date) -> None:
        self.principal = principal
        self.queries = queries
        self.today = today
        self._sights: dict[uuid.UUID, Sight] | None = None
        self._team: frozenset[uuid.UUID] = frozenset()

    async def _all(self) -> dict[uuid.UUID, Sight]:
        """Everyone the caller (a person who does not see everything) sees, and how much."""
        if self._sights is None:
            me = self.principal.person_id
            assert me is not None
            sights: dict[uuid.UUID, Sight] = {}
            scopes: dict[uuid.UUID, set[str] | None] = {}
            for seller, keys in await self.queries.assignments_in_force(me, self.today):
                known = scopes.get(seller, set())
                scopes[seller] = None if known is None or not keys else known | set(keys)
            named = {k for scope in scopes.values() if scope for k in scope}
            metrics_of = await self.queries.indicator_metrics(sorted(named)) if named else {}
            for seller, scope in scopes.items():
                if scope is None:
                    sights[seller] = FULL
                else:
                    sights[seller] = Sight(frozenset(scope), frozenset(
                        m for k in scope for m in (*metrics_of.get(k, ()), observed_level(k))))
            team: frozenset[uuid.UUID] = frozenset()
            if self.principal.has_role(*MANAGING_ROLES):
                team = Org(await self.queries.subtree_lines(me, self.today, self.today)).team(me, self.today)
            for person in team | {me}:
                sights[person] = FULL
            self._sights, self._team = sights, team
        return self._sights

    async def sight(self, person: uuid.UUID) -> Sight | None:
        """How much of the person the caller sees (None: nothing)."""
        if self.principal.sees_everything:
            return FULL
        return (await self._all()).get(person)

    async def visible(self, people: Iterable[uuid.UUID], metric: str | None = None) -> list[uuid.UUID]:
        """The ones whose figures of `metric` (None: whatever `trim` leaves of a scorecard) the caller may see,
        in the order given (for batches, which leave the others out)."""
        out = []
        for p in people:
            sight = await self.sight(p)
            if sight is not None and (metric is None or sight.allows(metric)):
                out.append(p)
        return out

    async def check(self, people: Iterable[uuid.UUID], *, metric: str | None = None, whole: bool = False,
                    trimmed: bool = False) -> None:
        """Refuse (403) unless the caller may see these people's figures: of `metric`; or, `trimmed`, the part
        of a scorecard `trim` leaves them; or, `whole`, everything and the team below them (roll-ups)."""
        hidden, scoped = [], []
        for p in people:
            sight = await self.sight(p)
            if sight is None:
                hidden.append(p)
            elif not sight.full and (whole or not (trimmed or (metric is not None and sight.allows(metric)))):
                scoped.append(p)
        if hidden:
            raise Forbidden(f"You may see your own figures, those of your reporting tree as a manager or leader, "
                            f"and those of the sellers you are assigned to coach; not those of "
                            f"{', '.join(str(p) for p in hidden[:5])}.")
        if scoped:
            what = f"the metric {metric!r}" if metric is not None and not whole else "team roll-ups or all figures"
            raise Forbidden(f"Your coach assignment on {', '.join(str(p) for p in scoped[:5])} covers the metrics of "
                            f"the behaviours in its scope only, not {what}.")

    async def check_gap_summary(self, team_of: uuid.UUID | None) -> None:
        """Refuse (403) unless the caller may read the gap summary of `team_of` (None: the tenant)."""
        if self.principal.sees_everything:
            return
        if not self.principal.has_role(*MANAGING_ROLES):
            raise Forbidden("The gap summary is for managers and leaders (their reporting tree), enablement and "
                            "admin.")
        if team_of is None:
            raise Forbidden("The gap summary of the whole tenant is for API keys, enablement and admin; give "
                            "team_of.")
        await self.check([team_of], whole=True)

    async def may_read_queue(self, coach: uuid.UUID) -> bool:
        """The coach themself, their managers of today, and who sees everything (not a coach assigned to them)."""
        if self.principal.sees_everything or coach == self.principal.person_id:
            return True
        await self._all()
        return coach in self._team

    async def trim(self, card: ScorecardOut) -> ScorecardOut:
        """A person's scorecard limited to what the caller sees of them (the behaviours in an assignment's
        scope); unchanged for a full sight."""
        if card.person_id is None:
            return card
        sight = await self.sight(card.person_id)
        if sight is None or sight.behaviors is None:
            return card
        return card.model_copy(update={"behaviors": [b for b in card.behaviors if b.key in sight.behaviors]})
