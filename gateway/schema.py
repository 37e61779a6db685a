"""The one GraphQL schema: every domain's queries and mutations merged, with the security limits."""

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryContainer, StrawberryOptional, get_object_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.union import StrawberryUnion

from gateway.clients import DownstreamError, ServiceUnavailableError
from gateway.document_cache import Documents, limit_rules
from gateway.error_logging import log_errors
from gateway.field_resolution import use_direct_resolvers
from gateway.graphql_http import SCALARS
from gateway.operation_extension import GatewayOperation
from gateway.resolvers.behaviors import BehaviorsMutation, BehaviorsQuery
from gateway.resolvers.directory import DirectoryMutation, DirectoryQuery
from gateway.resolvers.gaps import GapsMutation, GapsQuery
from gateway.resolvers.metrics import MetricsMutation, MetricsQuery, ScorecardsQuery
from gateway.resolvers.programmes import ProgrammesMutation, ProgrammesQuery
from gateway.resolvers.queue import QueueQuery
from gateway.resolvers.sessions import SessionsMutation, SessionsQuery
from gateway.resolvers.webhooks import WebhooksMutation, WebhooksQuery
from gateway.settings import GatewaySettings
from gateway.types.common import BadQueryInput, InvalidArgument
from gateway.types.shapes import PresentingExecutionContext


@strawberry.type
class Query(BehaviorsQuery, DirectoryQuery, ProgrammesQuery, SessionsQuery, MetricsQuery,
            ScorecardsQuery, QueueQuery, WebhooksQuery, GapsQuery):
    pass


@strawberry.type
class Mutation(BehaviorsMutation, DirectoryMutation, ProgrammesMutation, SessionsMutation, MetricsMutation,
               WebhooksMutation, GapsMutation):
    pass


def _named(type_: Any) -> Iterator[Any]:
    """The object types a field's type names (through lists, non-null, unions and lazy references)."""
    if isinstance(type_, StrawberryContainer):
        yield from _named(type_.of_type)
    elif isinstance(type_, StrawberryUnion):
        for member in type_.types:
            yield from _named(member)
    elif isinstance(type_, LazyType):
        yield from _named(type_.resolve_type())
    elif get_object_definition(type_) is not None:
        yield type_


def contain_failures(*roots: type) -> None:
    """Make nullable every field that may fail because a service does: each root field (one service call
    at least) and each field with an async resolver (a loader or a call), so that a failure nulls that
    field alone, with its SERVICE_UNAVAILABLE error, instead of spreading up to its nearest nullable
    parent, the whole `data` at worst. Fields read from the parent's own data keep their non-null types.
    Idempotent; see docs/degradation.md."""
    seen: set[type] = set()
    pending = [(root, True) for root in roots]
    while pending:
        cls, is_root = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for field in get_object_definition(cls, strict=True).fields:
            type_ = field.type
            calls_out = is_root or (field.base_resolver is not None and field.base_resolver.is_async)
            if calls_out and not isinstance(type_, StrawberryOptional):
                field.type = StrawberryOptional(type_)
            pending.extend((named, False) for named in _named(type_))


contain_failures(Query, Mutation)


def _should_mask(error: GraphQLError) -> bool:
    """Show our own expected errors and GraphQL's validation/coercion errors; hide anything unexpected
    that a resolver raised (it may carry internals)."""
    original = error.original_error
    if original is None or not error.path:
        return False
    return not isinstance(original, EXPECTED)


EXPECTED = (DownstreamError, ServiceUnavailableError, BadQueryInput, InvalidArgument)


SUGGESTION = re.compile(r"\s*Did you mean\b[^?]*\?")  # GraphQL names hold no "?"


def hide_suggestions(errors: list[GraphQLError]) -> None:
    """Drop graphql-core's "Did you mean …?" (fields, arguments, types, enum values, input fields) from
    each message: with introspection off it would tell the schema name by name."""
    for error in errors:
        error.message = SUGGESTION.sub("", error.message)


class GatewaySchema(strawberry.Schema):
    def __init__(self, *args: Any, documents: Documents, suggestions: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents = documents  # its parsed documents and verdicts (gateway/document_cache.py)
        self.suggestions = suggestions

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        """Client mistakes at INFO, services down at WARNING, only unexpected failures at ERROR with their
        traceback (gateway/error_logging.py); strawberry's own logging (every error at ERROR) is replaced.
        Every error (validation, variables, execution) passes here before the response is written: suggestions
        are dropped here."""
        if not self.suggestions:
            hide_suggestions(errors)
        log_errors(errors, execution_context, unexpected=_should_mask, operational=(ServiceUnavailableError,))


def build_schema(settings: GatewaySettings | None = None) -> GatewaySchema:
    """The schema with the gateway's limits; introspection and field suggestions only where the settings reveal
    the schema (GatewaySettings.reveals_schema). The SDL (`as_str`, `make schema`) is the same either way.
    Parsing and validation are cached per document text, with the limits' rules built once
    (gateway/document_cache.py). Built once per process for the same limits: a schema holds no request state,
    and converting every type costs ~100 ms of CPU, which every gateway app built in one process (the tests
    build one per test) would pay again."""
    s = settings or GatewaySettings()
    return _schema(s.max_depth, s.max_aliases, s.max_tokens, s.reveals_schema)


@functools.cache
def _schema(max_depth: int, max_aliases: int, max_tokens: int, reveals_schema: bool) -> GatewaySchema:
    limits = limit_rules(max_depth=max_depth, max_aliases=max_aliases)
    documents = Documents(maxsize=256)
    # the limits, the document cache and error masking in one extension (gateway/operation_extension.py); without
    # introspection, a validation rule: `__schema` / `__type` anywhere fails the whole request
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: GatewayOperation(documents, limits, max_tokens=max_tokens, introspection=reveals_schema,
                                 should_mask_error=_should_mask),
    ]
    built = GatewaySchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(disable_field_suggestions=not reveals_schema),
        scalar_overrides=SCALARS,
        extensions=extensions,
        documents=documents,
        suggestions=reveals_schema,
        execution_context_class=PresentingExecutionContext,
    )
    use_direct_resolvers(built)  # gateway/field_resolution.py
    return built


schema = build_schema()
