"""How the gateway logs GraphQL errors: by whose mistake it is.

- A client's mistake (a syntax error, a query that does not validate, an unknown field, a variable that does
  not coerce, a limit exceeded, a refusal typed by a service such as NOT_FOUND or CONFLICT, a bad argument)
  is INFO: the caller is told in the answer; the operator only needs to see it happen.
- A service that cannot be reached or fails (SERVICE_UNAVAILABLE, SERVICE_ERROR) is a WARNING: it is
  operational, and the service logs its own failure.
- Anything else a resolver raised is an ERROR with its traceback (and masked in the answer).

Lines name the path (or the operation), the code and the kind of error, never the message: messages echo
the caller's input (a variable's value, a service's "another person already has the email …"), and personal
data stays out of logs. The caller reads the message in the answer.
"""

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionContext

log = logging.getLogger("uplift.gateway")


def _where(error: GraphQLError, execution_context: ExecutionContext | None) -> str:
    if error.path:
        return ".".join(map(str, error.path))
    name = execution_context.operation_name if execution_context is not None else None
    return f"operation {name}" if name else "the request"


def client_code(error: GraphQLError) -> str:
    """The code a client mistake is known by (an error's own extensions code first)."""
    original = error.original_error
    code = (getattr(original, "extensions", None) or error.extensions or {}).get("code")
    if code:
        return str(code)
    if original is None:
        return "GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else "GRAPHQL_VALIDATION_FAILED"
    return "BAD_USER_INPUT"


def log_errors(errors: list[GraphQLError], execution_context: ExecutionContext | None, *,
               unexpected: Any, operational: tuple[type[BaseException], ...]) -> None:
    """Log each error at the level its cause deserves (see the module's docstring). `unexpected(error)` says
    whether a resolver failed unexpectedly (the errors the schema masks)."""
    for error in errors:
        where, original = _where(error, execution_context), error.original_error
        if unexpected(error):
            log.error("graphql %s: unexpected %s", where, type(original).__name__, exc_info=original)
        elif isinstance(original, operational):
            log.warning("graphql %s: %s", where, original)
        else:
            kind = type(original).__name__ if original is not None else "GraphQLError"
            log.info("graphql %s: %s (%s)", where, client_code(error), kind)
