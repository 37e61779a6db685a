"""The one GraphQL schema: every domain's queries and mutations merged, with the security limits."""

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from gateway.clients import DownstreamError, ServiceUnavailableError
from gateway.resolvers.behaviors import BehaviorsMutation, BehaviorsQuery
from gateway.resolvers.directory import DirectoryMutation, DirectoryQuery
from gateway.resolvers.metrics import MetricsMutation, MetricsQuery, ScorecardsQuery
from gateway.resolvers.programmes import ProgrammesMutation, ProgrammesQuery
from gateway.resolvers.sessions import SessionsMutation, SessionsQuery
from gateway.settings import GatewaySettings
from gateway.types.common import BadQueryInput, InvalidArgument


@strawberry.type
class Query(BehaviorsQuery, DirectoryQuery, ProgrammesQuery, SessionsQuery, MetricsQuery,
            ScorecardsQuery):
    pass


@strawberry.type
class Mutation(BehaviorsMutation, DirectoryMutation, ProgrammesMutation, SessionsMutation, MetricsMutation):
    pass


def _should_mask(error: GraphQLError) -> bool:
    """Show our own expected errors and GraphQL's validation/coercion errors; hide anything unexpected
    that a resolver raised (it may carry internals)."""
    original = error.original_error
    if original is None or not error.path:
        return False
    return not isinstance(original, DownstreamError | ServiceUnavailableError | BadQueryInput | InvalidArgument)


def build_schema(settings: GatewaySettings | None = None) -> strawberry.Schema:
    s = settings or GatewaySettings()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(),
        extensions=[
            lambda: QueryDepthLimiter(max_depth=s.max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=s.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=s.max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: MaskErrors(should_mask_error=_should_mask),
        ],
    )


schema = build_schema()
