"""The request-scoped wiring of the xAPI resources: the version a request speaks, the credential (HTTP Basic
with an API key's id and secret, or the usual bearer key; scopes `xapi:write` / `xapi:read`), the authority
stored statements get, and the service."""

from typing import Annotated, Any

from fastapi import Depends, Request

from common.auth import Principal, require
from common.db import SessionDep
from services.metrics.xapi.errors import XapiBadRequest
from services.metrics.xapi.evidence import EvidenceListener
from services.metrics.xapi.repository import XapiRepository
from services.metrics.xapi.service import StatementsService
from services.metrics.xapi.versions import HEADER, Version, request_version


async def xapi_version(request: Request) -> Version:
    version = request_version(request.headers.get(HEADER))
    if version is None:
        raise XapiBadRequest(f"Send the {HEADER} header: 1.0, 1.0.x or 2.0.0 (XAPI-00321, -00331).")
    return version


def _scoped(scope: str) -> Any:
    """The usual scope check (common.auth.require), once the version header was read: a request without one is a
    400 before its credential is judged (XAPI-00321)."""
    check = require(scope)

    async def dependency(request: Request, version: Annotated[Version, Depends(xapi_version)]) -> Principal:
        return await check(request)

    return dependency


XapiReader = Annotated[Principal, Depends(_scoped("xapi:read"))]
XapiWriter = Annotated[Principal, Depends(_scoped("xapi:write"))]
RequestVersion = Annotated[Version, Depends(xapi_version)]


def authority(principal: Principal, home_page: str) -> dict[str, Any]:
    """The credential as an Agent (Data §2.4.9): an API key by its id, a person by theirs."""
    name = principal.subject if principal.kind == "api_key" else f"person:{principal.subject}"
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}


async def _writer(request: Request, principal: XapiWriter, version: RequestVersion,
                  session: SessionDep) -> StatementsService:
    home = request.app.state.settings.xapi_authority_home_page
    return StatementsService(XapiRepository(session, principal.tenant_id), version, authority(principal, home),
                             EvidenceListener(session, principal.tenant_id,
                                              horizon=request.app.state.settings.evidence_horizon))


async def _reader(request: Request, principal: XapiReader, version: RequestVersion,
                  session: SessionDep) -> StatementsService:
    home = request.app.state.settings.xapi_authority_home_page
    return StatementsService(XapiRepository(session, principal.tenant_id), version, authority(principal, home))


StatementsWriter = Annotated[StatementsService, Depends(_writer)]
StatementsReader = Annotated[StatementsService, Depends(_reader)]
