"""The xAPI Statements and About resources (Communication §2.1, §2.8) under /xapi/. Handlers are thin: the
parameters and body are read strictly (params.py), the service applies the rules, the answer is shaped here."""

import json
import re
import uuid
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response

from common.routing import service_router
from services.metrics.xapi import multipart, params
from services.metrics.xapi.deps import StatementsReader, StatementsWriter
from services.metrics.xapi.errors import XapiBadRequest
from services.metrics.xapi.formats import render_timestamp
from services.metrics.xapi.output import accepted_languages, shaped
from services.metrics.xapi.service import StatementsService
from services.metrics.xapi.versions import SUPPORTED

# Left out of the service's OpenAPI: the xAPI specification is these resources' contract (docs/api.md, "xAPI").
router = service_router("/xapi", tags=["xapi"], include_in_schema=False)
JSON = "application/json"
_PREFIX = re.compile(r"^(/[A-Za-z0-9_\-]+)*$")


@router.get("/about")
async def about() -> Response:
    """The versions this LRS speaks; no credential needed (Communication §2.8, XAPI-00315..-00320)."""
    return Response(json.dumps({"version": list(SUPPORTED)}), media_type=JSON)


@router.put("/statements", status_code=204, response_class=Response)
async def put_statement(request: Request, service: StatementsWriter) -> Response:
    statement_id = params.statement_id_param(request.query_params)
    body, attachments = params.write_body(await request.body(), request.headers.get("content-type"))
    if not isinstance(body, dict):
        raise XapiBadRequest("A PUT carries one statement (a JSON object).")
    await service.store([body], statement_id=statement_id, attachments=attachments)
    return Response(status_code=204)


@router.post("/statements")
async def post_statements(request: Request, service: StatementsWriter) -> Response:
    params.no_params(request.query_params)
    body, attachments = params.write_body(await request.body(), request.headers.get("content-type"))
    statements = body if isinstance(body, list) else [body]
    ids = await service.store(statements, attachments=attachments)
    return Response(json.dumps([str(i) for i in ids]), media_type=JSON)


def _more(request: Request, given: dict[str, str], last: tuple[Any, uuid.UUID]) -> str:
    """A relative IRL (path and query, Data §2.5) that gives the next page, whenever it is followed: the query as
    sent plus where this page ended."""
    prefix = request.headers.get("x-forwarded-prefix", "")
    if not _PREFIX.match(prefix):
        prefix = ""
    query = urlencode({**given, "from": f"{render_timestamp(last[0])}~{last[1]}"})
    return f"{prefix}{request.url.path}?{query}"


async def _answer(request: Request, service: StatementsService, payload: Any, statements: list[dict[str, Any]],
                  last_modified: Any | None, with_attachments: bool) -> Response:
    """JSON, or with `attachments=true` multipart/mixed: the JSON, then the attachments the statements name
    (XAPI-00161, -00167)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    media = JSON
    if with_attachments:
        body, media = multipart.write(body, await service.attachments(statements))
    headers = {"Last-Modified": format_datetime(last_modified, usegmt=True)} if last_modified is not None else {}
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(status_code=200, headers=headers, media_type=media)
    return Response(body, headers=headers, media_type=media)


@router.api_route("/statements", methods=["GET", "HEAD"])
async def get_statements(request: Request, service: StatementsReader) -> Response:
    max_limit: int = request.app.state.settings.xapi_max_limit
    query = params.statement_query(request.query_params, service.version, max_limit)
    wanted = accepted_languages(request.headers.get("accept-language"))
    single = query.statement_id or query.voided_statement_id
    if single is not None:
        statement, stored = await service.one(single, voided=query.voided_statement_id is not None)
        return await _answer(request, service, shaped(statement, query.format, wanted), [statement], stored,
                             query.attachments)
    rows = await service.query(query.filters, query.limit + 1)
    page, more = rows[:query.limit], len(rows) > query.limit
    result = {"statements": [shaped(st, query.format, wanted) for _, _, st in page],
              "more": _more(request, query.given, (page[-1][1], page[-1][0])) if more else ""}
    newest = max((stored for _, stored, _ in page), default=None)
    return await _answer(request, service, result, [st for _, _, st in page], newest, query.attachments)
