"""How the gateway serves /graphql: strawberry's ASGI view as a plain route, stricter about the JSON it accepts.

- A plain Starlette route (GET, POST), not strawberry's FastAPI router: that router gets the context through a
  FastAPI dependency, and solving dependencies cost ~12% of a one-object query's CPU; here the context is made by
  `get_context` from the request's own headers. The route sits inside the FastAPI app, so its middleware and
  error handlers apply as before (a POST without credential is a 401 problem+json, before the body is read).

- A body that is JSON but not an object (`null`, `1`, `"x"`) is a 400 problem+json, not a crash on `.get`
  (a list is left to strawberry, which answers that batching is off).
- NaN and Infinity (which Python's JSON parser accepts and JSON does not have) and lone surrogate escapes
  (text no service can take: UTF-8 cannot hold it) are a 400 problem+json wherever they appear, variables
  included, so they never reach a service (nor fail the gateway when it encodes a call).
- The response body is encoded by pydantic-core (UTF-8, compact), not json.dumps.
- Date and DateTime arguments outside the days every service computes with (common.validation) are coercion
  errors naming the argument, like any other malformed scalar.
"""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import dateutil.parser  # type: ignore[import-untyped]  # strawberry parses DateTime with it
import pydantic_core
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.ides import GraphQL_IDE
from strawberry.schema import BaseSchema
from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition

from common.errors import AppError, Unauthorized
from common.validation import FIRST_DAY, LAST_DAY, SURROGATE, day_in_range, value_problems
from gateway.clients import ServiceClients
from gateway.context import Context
from gateway.graphiql import graphiql_page


class BadGraphQLRequest(AppError):
    status, slug, title = 400, "bad-request", "Bad GraphQL request"


def _not_a_number(constant: str) -> Any:
    raise BadGraphQLRequest(f"The body holds {constant}, which is not a JSON value; send numbers only.")


def credential(request: Request | WebSocket) -> str | None:
    """The caller's credential as the services take it: `Authorization`, else `X-API-Key` as a bearer token."""
    header = request.headers.get("authorization")
    if header:
        return header
    key = request.headers.get("x-api-key")
    return f"Bearer {key}" if key else None


class GatewayGraphQL(GraphQL[Context, None]):
    """The gateway's GraphQL view: the context from the credential, Uplift's GraphiQL page (gateway/graphiql.py)
    and the strict body read here."""

    def __init__(self, schema: BaseSchema, *, graphiql_dir: Path, graphql_ide: GraphQL_IDE | None,
                 allow_queries_via_get: bool) -> None:
        super().__init__(schema, graphql_ide=graphql_ide, allow_queries_via_get=allow_queries_via_get)
        self.graphiql_dir = graphiql_dir

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        found = credential(request)
        if found is None and request.scope.get("method") == "POST":
            raise Unauthorized("Send an API key or a bearer token in the Authorization header.")
        clients: ServiceClients = request.app.state.clients  # read per request (tests swap them)
        return Context(clients, found)

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page(self.graphiql_dir)

    def encode_json(self, data: object) -> bytes:
        """The response body in UTF-8 by pydantic-core (Rust: ~3x json.dumps on a list of 50 objects). A string
        UTF-8 cannot hold (a lone surrogate a service sent escaped) falls back to json.dumps, which escapes it."""
        try:
            return pydantic_core.to_json(data)
        except pydantic_core.PydanticSerializationError:
            return json.dumps(data, separators=(",", ":")).encode()

    def decode_json(self, data: str | bytes) -> object:
        try:  # pydantic-core refuses NaN, Infinity and lone surrogate escapes, the usual body costs one pass
            decoded = pydantic_core.from_json(data, allow_inf_nan=False)
        except ValueError:  # say which (or let strawberry say the body is not JSON at all)
            try:
                decoded = json.loads(data, parse_constant=_not_a_number)
            except UnicodeDecodeError:
                raise BadGraphQLRequest("The body is not UTF-8 text.") from None
            if any(found == SURROGATE for _, found, _ in value_problems(decoded)):
                raise BadGraphQLRequest("The body holds a lone surrogate (U+D800 to U+DFFF), which is not text "
                                        "any service can take; send valid UTF-8.") from None
        if isinstance(decoded, dict | list):
            return decoded
        raise BadGraphQLRequest('The body must be a JSON object: {"query": "...", "variables": {...}}.')


def _in_range(parse: Any) -> Any:
    def parse_day(value: str) -> Any:
        parsed = parse(value)
        if not day_in_range(parsed):
            raise ValueError(f"outside {FIRST_DAY.isoformat()}..{LAST_DAY.isoformat()} (UTC)")
        return parsed

    return parse_day


def _isoformat(value: Any) -> str:
    return str(value.isoformat())


DATE = ScalarDefinition(name="Date", description="Date (isoformat)", specified_by_url=None, serialize=_isoformat,
                        parse_value=wrap_parser(_in_range(dt.date.fromisoformat), "Date"), parse_literal=None,
                        origin=dt.date)
DATETIME = ScalarDefinition(name="DateTime", description="Date with time (isoformat)", specified_by_url=None,
                            serialize=_isoformat,
                            parse_value=wrap_parser(_in_range(dateutil.parser.isoparse), "DateTime"),
                            parse_literal=None, origin=dt.datetime)
SCALARS: dict[object, ScalarDefinition] = {dt.date: DATE, dt.datetime: DATETIME}
