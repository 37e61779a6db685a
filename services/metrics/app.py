from fastapi import FastAPI

from common.identity.store import IdentityStore
from common.service_app import ServiceEvents, Worker, build_service_app
from services.metrics.alerts.indicators import IndicatorAlertSweeper
from services.metrics.analysis_api import router as analysis_router
from services.metrics.api import router
from services.metrics.cadence_accrual import CadenceAccrual
from services.metrics.consumers import consumers
from services.metrics.gap_api import router as gap_router
from services.metrics.goal_progress_api import router as goal_progress_router
from services.metrics.impact_worker import impact_workers
from services.metrics.models import IdempotencyKeys, Inbox, Outbox
from services.metrics.settings import MetricsSettings
from services.metrics.xapi.alternate import AlternateSyntaxMiddleware
from services.metrics.xapi.api import router as xapi_router
from services.metrics.xapi.headers import XapiHeadersMiddleware


def create_app(settings: MetricsSettings | None = None, *, identity: IdentityStore | None = None) -> FastAPI:
    s = settings or MetricsSettings()

    def accrual(app: FastAPI) -> Worker:
        return CadenceAccrual(app.state.db, every=s.cadence_accrual_seconds)

    def indicator_alerts(app: FastAPI) -> Worker:
        return IndicatorAlertSweeper(app.state.db, every=s.indicator_alert_seconds)

    routers = [router, analysis_router, goal_progress_router, gap_router, xapi_router]
    app = build_service_app(name="metrics", settings=s, routers=routers,
                            idempotency=IdempotencyKeys, identity=identity,
                            events=ServiceEvents(outbox=Outbox, inbox=Inbox, consumers=consumers()),
                            workers=[accrual, indicator_alerts, impact_workers], json_exempt=("/xapi/",))
    # xAPI's headers on every answer under /xapi/; outside it (first), the 1.0.3 alternate request syntax rewritten
    # into the request it stands for
    app.add_middleware(XapiHeadersMiddleware)
    app.add_middleware(AlternateSyntaxMiddleware, max_bytes=s.max_body_bytes)
    return app
