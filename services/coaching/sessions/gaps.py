"""Gaps: named in a session, open until a coach closes them in a later session of the same seller.

Closing records the outcome — `resolved`, `persists` (the gap is judged still there: the coach names it again or
keeps working on it), `no_longer_relevant` — with the later session, who closed it and when. Two ways, one rule:
- in the completion of the later session (`gap_closures`), checked with the rest of the completion;
- afterwards, `POST /v1/gaps/{id}/close` naming a completed later session, by that session's coach (or who sees
  everything).
The later session must be the seller's, completed, and held after the session that opened the gap. Closing is
idempotent: the same session and outcome again changes nothing; a gap closed otherwise is a conflict.
Each closure is published once as `coaching.gap.closed` (version 2), so the metrics read model mirrors it.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime

from common.db import utcnow
from common.errors import Conflict, NotFound
from common.pagination import Page, PageParams, build_page
from services.coaching import events
from services.coaching.models import Gap, Session
from services.coaching.sessions.context import Context, FieldError, error, invalid
from services.coaching.sessions.render import gap_out
from services.coaching.sessions.schemas import GapClose, GapClosureIn, GapOut


def closure_errors(gap: Gap | None, opened_in: Session | None, later: Session, held_at: datetime,
                   field: str) -> list[FieldError]:
    """Why `gap` cannot be closed in `later` (held at `held_at`); nothing when it can (or is already, the same way)."""
    if gap is None or gap.seller_id != later.seller_id:
        return [error(field, "The seller has no such gap.")]
    if opened_in is None or gap.session_id == later.id or opened_in.held_at is None or opened_in.held_at >= held_at:
        return [error(field, "A gap is closed in a later session than the one that opened it.", "not_later")]
    return []


def close(gap: Gap, later: Session, outcome: str, note: str, by: uuid.UUID | None, now: datetime) -> None:
    gap.status, gap.outcome, gap.closed_session_id = "closed", outcome, later.id
    gap.closed_by, gap.closed_at, gap.closing_note = by, now, note
    gap.version = 2


class GapsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.vis = ctx.vis

    async def _visible(self, gap_id: uuid.UUID, *, for_update: bool = False) -> Gap:
        gap = await self.repo.gap(gap_id, await self.vis.sessions(), for_update=for_update)
        if gap is None:
            raise NotFound(f"Gap {gap_id} does not exist.")
        return gap

    async def get(self, gap_id: uuid.UUID) -> GapOut:
        return gap_out(await self._visible(gap_id))

    async def find(self, *, ids: Sequence[uuid.UUID] | None, seller_ids: Sequence[uuid.UUID] | None,
                   status: str | None, page: PageParams) -> Page[GapOut]:
        rows = await self.repo.list_gaps(await self.vis.sessions(), ids=ids, seller_ids=seller_ids, status=status,
                                         after=page.after, limit=page.limit)
        return build_page([gap_out(g) for g in rows], page.limit, lambda g: g.id)

    async def close(self, gap_id: uuid.UUID, data: GapClose) -> GapOut:
        gap = await self._visible(gap_id, for_update=True)
        later = await self.repo.session(data.session_id, await self.vis.sessions())
        if later is None:
            raise invalid([error("session_id", f"Session {data.session_id} does not exist.")])
        self.vis.check_run(later, "close gaps in")
        if gap.status == "closed":
            if (gap.closed_session_id, gap.outcome) == (later.id, data.outcome):
                return gap_out(gap)  # the same closure again: nothing changes
            raise Conflict(f"The gap was closed already ({gap.outcome}, in session {gap.closed_session_id}).")
        if later.status != "completed" or later.held_at is None:
            raise invalid([error("session_id", "A gap is closed in a completed session.", "not_completed")])
        opened_in = (await self.repo.sessions_by_id([gap.session_id])).get(gap.session_id)
        errors = closure_errors(gap, opened_in, later, later.held_at, "session_id")
        if errors:
            raise invalid(errors)
        assert opened_in is not None
        close(gap, later, data.outcome, data.note, self.vis.person_id, utcnow())
        await self.repo.flush()
        await events.gaps_closed(self.repo.s, [(gap, opened_in, later)])
        return gap_out(gap)


class ClosuresInCompletion:
    """The `gap_closures` of a completion: checked with its other items, written with them."""

    def __init__(self, ctx: Context) -> None:
        self.repo = ctx.repo
        self.vis = ctx.vis
        self._gaps: dict[uuid.UUID, Gap] = {}
        self._opened_in: dict[uuid.UUID, Session] = {}

    async def check(self, s: Session, closures: Sequence[GapClosureIn], held_at: datetime) -> list[FieldError]:
        if not closures:
            return []
        self._gaps = await self.repo.gaps_by_id([c.gap_id for c in closures])
        self._opened_in = await self.repo.sessions_by_id([g.session_id for g in self._gaps.values()])
        errors = []
        for i, c in enumerate(closures):
            gap = self._gaps.get(c.gap_id)
            opened_in = self._opened_in.get(gap.session_id) if gap is not None else None
            found = closure_errors(gap, opened_in, s, held_at, f"gap_closures.{i}.gap_id")
            if not found and gap is not None and gap.status == "closed":
                found = [error(f"gap_closures.{i}.gap_id", f"The gap was closed already ({gap.outcome}).",
                               "closed")]
            errors += found
        return errors

    async def write(self, s: Session, closures: Sequence[GapClosureIn], now: datetime) -> None:
        if not closures:
            return
        locked = [await self.repo.gap(c.gap_id, None, for_update=True) for c in closures]
        done = []
        for c, gap in zip(closures, locked, strict=True):
            if gap is None or gap.status == "closed":  # removed or closed meanwhile: the checks ran unlocked
                raise Conflict(f"Gap {c.gap_id} changed while the session was being completed; try again.")
            close(gap, s, c.outcome, c.note, self.vis.person_id, now)
            done.append((gap, self._opened_in[gap.session_id], s))
        await self.repo.flush()
        await events.gaps_closed(self.repo.s, done)
