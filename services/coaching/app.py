from fastapi import FastAPI

from common.identity.store import IdentityStore
from common.service_app import ServiceEvents, build_service_app
from services.coaching.directory.api import router as directory
from services.coaching.models import IdempotencyKeys, Outbox
from services.coaching.relationships.api import router as relationships
from services.coaching.sessions.api import router as sessions
from services.coaching.settings import CoachingSettings


def create_app(settings: CoachingSettings | None = None, *, identity: IdentityStore | None = None) -> FastAPI:
    return build_service_app(name="coaching", settings=settings or CoachingSettings(),
                             routers=[directory, relationships, sessions], idempotency=IdempotencyKeys,
                             identity=identity, events=ServiceEvents(outbox=Outbox))
