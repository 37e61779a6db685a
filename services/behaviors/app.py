from fastapi import FastAPI

from common.identity.store import IdentityStore
from common.service_app import ServiceEvents, build_service_app
from services.behaviors.api import router
from services.behaviors.models import IdempotencyKeys, Outbox
from services.behaviors.settings import BehaviorsSettings


def create_app(settings: BehaviorsSettings | None = None, *, identity: IdentityStore | None = None) -> FastAPI:
    return build_service_app(name="behaviors", settings=settings or BehaviorsSettings(), routers=[router],
                             idempotency=IdempotencyKeys, identity=identity, events=ServiceEvents(outbox=Outbox))
