"""Queries and mutations of the metrics domain (ingest stays REST, for integrators)."""

from typing import Annotated, Any
from urllib.parse import quote

import strawberry

from gateway.resolvers.common import Ctx, DeleteResult, deleted, get_or_none, typed
from gateway.types.common import Conflict, Forbidden, InvalidArgument, NotFound, ValidationProblem
from gateway.types.inputs import to_body
from gateway.types.metrics import Metric, MetricInput

MetricResult = Annotated[Metric | ValidationProblem | NotFound | Conflict | Forbidden, strawberry.union("MetricResult")]


def metric_body(input: MetricInput) -> dict[str, Any]:
    """Filters travel as a list here and as an `{attribute: values}` object in REST."""
    body: dict[str, Any] = to_body(input)
    if isinstance(input.filters, list):
        names = [f.attribute for f in input.filters]
        if len(set(names)) != len(names):
            raise InvalidArgument("input.filters", "Each attribute may appear once.", "duplicate_attribute")
        body["filters"] = {f.attribute: f.values for f in input.filters}
    return body


@strawberry.type
class MetricsQuery:
    @strawberry.field(description="The built-in catalogue and the tenant's own metrics.")
    async def metrics(self, info: Ctx) -> list[Metric]:
        page = await info.context.call("metrics", "GET", "/v1/metrics")
        return [Metric.from_json(m) for m in page["items"]]

    @strawberry.field
    async def metric(self, info: Ctx, key: str) -> Metric | None:
        found = await get_or_none(info.context.loaders.metric.load(key))
        return Metric.from_json(found) if found else None


@strawberry.type
class MetricsMutation:
    @strawberry.mutation(description="Define a tenant metric; its figures are computed from the evidence already "
                                     "stored.")
    async def define_metric(self, info: Ctx, input: MetricInput) -> MetricResult:
        return await typed(lambda: info.context.call("metrics", "POST", "/v1/metrics", json=metric_body(input)),
                           Metric.from_json)

    @strawberry.mutation(description="Delete a tenant-defined metric (built-in ones stay).")
    async def delete_metric(self, info: Ctx, key: str) -> DeleteResult:
        return await typed(lambda: info.context.call("metrics", "DELETE", f"/v1/metrics/{quote(key, safe='')}"),
                           deleted(strawberry.ID(key)))
