"""How the gateway reads a GraphQL request: strawberry's FastAPI router, stricter about the JSON it accepts.

- A body that is JSON but not an object (`null`, `1`, `"x"`) is a 400 problem+json, not a crash on `.get`
  (a list is left to strawberry, which answers that batching is off).
- NaN and Infinity (which Python's JSON parser accepts and JSON does not have) and lone surrogate escapes
  (text no service can take: UTF-8 cannot hold it) are a 400 problem+json wherever they appear, variables
  included, so they never reach a service (nor fail the gateway when it encodes a call).
- Date and DateTime arguments outside the days every service computes with (common.validation) are coercion
  errors naming the argument, like any other malformed scalar.
"""

import datetime as dt
import json
from typing import Any

import dateutil.parser  # type: ignore[import-untyped]  # strawberry parses DateTime with it
import pydantic_core
from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition

from common.errors import AppError
from common.validation import FIRST_DAY, LAST_DAY, SURROGATE, day_in_range, value_problems
from gateway.graphiql import UpliftGraphQLRouter


class BadGraphQLRequest(AppError):
    status, slug, title = 400, "bad-request", "Bad GraphQL request"


def _not_a_number(constant: str) -> Any:
    raise BadGraphQLRequest(f"The body holds {constant}, which is not a JSON value; send numbers only.")


class GatewayGraphQLRouter(UpliftGraphQLRouter):
    """The gateway's router: Uplift's GraphiQL page (gateway/graphiql.py) and the strict body read here."""

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
