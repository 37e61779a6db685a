from fastapi import FastAPI

from common.identity.store import IdentityStore
from common.service_app import Consumer, ServiceEvents, Worker, build_service_app
from services.coaching.directory.api import router as directory
from services.coaching.models import IdempotencyKeys, Inbox, Outbox
from services.coaching.relationships.api import router as relationships
from services.coaching.relationships.fizzle_alerts import FizzleSweeper
from services.coaching.sessions.api import router as sessions
from services.coaching.sessions.overdue import OverdueSweeper
from services.coaching.sessions.review_due import ReviewDueSweeper
from services.coaching.settings import CoachingSettings
from services.coaching.webhooks.api import router as webhooks
from services.coaching.webhooks.delivery import Deliverer, DeliveryConfig
from services.coaching.webhooks.fanout import TOPICS, fan_out


def create_app(settings: CoachingSettings | None = None, *, identity: IdentityStore | None = None) -> FastAPI:
    s = settings or CoachingSettings()

    def deliverer(app: FastAPI) -> Worker:
        return Deliverer(app.state.db, DeliveryConfig.of(s))

    def sweeper(app: FastAPI) -> Worker:
        return OverdueSweeper(app.state.db, every=s.overdue_sweep_seconds)

    def review_sweeper(app: FastAPI) -> Worker:
        return ReviewDueSweeper(app.state.db, every=s.review_due_sweep_seconds)

    def fizzle_sweeper(app: FastAPI) -> Worker:
        return FizzleSweeper(app.state.db, every=s.fizzle_sweep_seconds)

    sweepers = [sweeper, review_sweeper, fizzle_sweeper]
    events = ServiceEvents(outbox=Outbox, inbox=Inbox,
                           consumers=[Consumer("coaching-webhooks", TOPICS, fan_out)])
    return build_service_app(name="coaching", settings=s, routers=[directory, relationships, sessions, webhooks],
                             idempotency=IdempotencyKeys, identity=identity, events=events,
                             workers=[*sweepers, deliverer] if s.webhooks_deliver else sweepers)
