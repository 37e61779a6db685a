"""The seller's rating of a conversation: relevant, developmental, motivational (1-5) and a comment.

Only the session's seller rates, with their own token (an API key cannot speak for them), and only a
completed session. One rating per session: PUT again changes it, for 7 days after it was first given.
"""

import uuid

from common.db import utcnow
from common.errors import Conflict, NotFound
from services.coaching import events
from services.coaching.models import Rating
from services.coaching.sessions.context import Context
from services.coaching.sessions.render import RATING_WINDOW, rating_out
from services.coaching.sessions.schemas import RatingIn, RatingOut
from services.coaching.sessions.service import SessionsService, state_name


class RatingsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.sessions = SessionsService(ctx)

    async def put(self, session_id: uuid.UUID, data: RatingIn) -> tuple[RatingOut, bool]:
        """The rating and whether it was created (else changed)."""
        s = await self.sessions.visible(session_id, for_update=True)
        self.ctx.vis.check_rate(s)
        if s.status != "completed":
            raise Conflict(f"The session is {state_name(s.status)}; only a completed session can be rated.")
        now = utcnow()
        rating = await self.repo.rating(s.id, for_update=True)
        created = rating is None
        if rating is None:
            rating = Rating(session_id=s.id, tenant_id=self.repo.tenant_id, seller_id=s.seller_id,
                            created_at=now, updated_at=now, **data.model_dump())
            self.repo.add(rating)
        else:
            if now > rating.created_at + RATING_WINDOW:
                raise Conflict(f"The rating can no longer be changed: it was given on "
                               f"{rating.created_at:%Y-%m-%d} and may be changed for {RATING_WINDOW.days} days.")
            for field, value in data.model_dump().items():
                setattr(rating, field, value)
            rating.updated_at = now
        s.version += 1  # the rating is part of the session's state as others see it
        await self.repo.flush()
        has_action = bool(await self.repo.actions_of([s.id]))
        await events.session_changed(self.repo.s, events.SESSION_RATED, s, rating=rating, has_agreed_action=has_action,
                                     observations=await self.repo.observations([s.id]))
        return rating_out(rating), created

    async def get(self, session_id: uuid.UUID) -> RatingOut:
        s = await self.sessions.visible(session_id)
        rating = await self.repo.rating(s.id)
        if rating is None:
            raise NotFound(f"Session {session_id} has not been rated.")
        return rating_out(rating)
