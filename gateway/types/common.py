"""Typed expected failures (members of every mutation's result union) and the errors queries raise."""

import strawberry

from gateway.clients import DownstreamError


class BadQueryInput(Exception):
    """Arguments of a query that make no sense together; shown to the caller as a GraphQL error."""

    extensions = {"code": "BAD_USER_INPUT"}


class InvalidArgument(Exception):
    """An argument the gateway refuses before calling a service (e.g. an id that is not a UUID, which must
    never go into a REST path, where a `/` in it would name another route); a mutation answers it as a
    ValidationProblem, a query a GraphQL error."""

    extensions = {"code": "BAD_USER_INPUT"}

    def __init__(self, field: str, message: str, code: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


@strawberry.type
class FieldError:
    field: str
    message: str
    code: str


@strawberry.type
class ValidationProblem:
    message: str
    fields: list[FieldError]


@strawberry.type
class NotFound:
    message: str


@strawberry.type
class Conflict:
    message: str


@strawberry.type
class Forbidden:
    message: str


@strawberry.type
class Deleted:
    id: strawberry.ID


Problem = ValidationProblem | NotFound | Conflict | Forbidden


def problem_from(err: DownstreamError) -> "Problem":
    """A service's problem+json as the matching GraphQL type; 401 is not expected, so it re-raises."""
    detail = str(err)
    if err.status in (400, 422):
        fields = [FieldError(field=_field_path(e.get("field", "")), message=str(e.get("message", "")),
                             code=str(e.get("code", ""))) for e in err.problem.get("errors", [])]
        return ValidationProblem(message=detail, fields=fields)
    if err.status == 404:
        return NotFound(message=detail)
    if err.status == 409:
        return Conflict(message=detail)
    if err.status == 403:
        return Forbidden(message=detail)
    raise err


def invalid_argument(err: InvalidArgument) -> ValidationProblem:
    """An argument the gateway refused before calling a service, as a mutation's (or a typed query's) answer."""
    return ValidationProblem(message=str(err), fields=[FieldError(field=err.field, message=str(err), code=err.code)])


def _field_path(field: str) -> str:
    """A service's field path as the GraphQL input's own: `body.indicators.0.metric_key` → `indicators.0.metricKey`."""
    parts = field.split(".")
    if parts and parts[0] in ("body", "path", "query"):
        parts = parts[1:]
    return ".".join(_camel(p) for p in parts)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)

