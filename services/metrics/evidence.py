"""The source events behind a person's value of a metric over a window of UTC days.

The events listed are exactly those that add to the metric's stored parts (for a ratio, its numerator and
denominator metrics) for that person on those days: the same types, filters and numeric field as the
aggregates use (`Metric.contribution`), each with the parts it counts in. The database narrows by person,
type and time (index (tenant, person, time)); attribute filters are applied here, reading on until a page is
full, so a page costs what the window holds. Keyset-paginated by id (UUIDv7: order of arrival; a coaching
fact's id is derived from its session, action or goal); when a metric draws on several sources, they are
merged in id order.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from common.errors import InvalidInput
from common.pagination import Page, PageParams, build_page
from services.metrics.aggregates import EVIDENCE
from services.metrics.catalogue import EvidenceSource, Metric, Metrics
from services.metrics.repository import AnyRow, QueryRepository
from services.metrics.schemas import EvidenceOut
from services.metrics.visibility import Visibility

CHUNK = 500  # rows read per round while filling a page


def _invalid(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": f"query.{field}", "message": message, "code": code}])


def _out(source: EvidenceSource, row: AnyRow, counts_in: list[str]) -> EvidenceOut:
    r = row._mapping
    if source == "activities":
        return EvidenceOut(id=r["id"], kind="activity", source=r["source"], external_id=r["external_id"],
                           type=r["type"], occurred_at=r["occurred_at"], amount=r["amount"],
                           attributes=r["attributes"], counts_in=counts_in)
    if source == "coaching":
        return EvidenceOut(id=r["id"], kind="coaching", source="coaching", external_id=str(r["entity_id"]),
                           type=r["type"], occurred_at=r["at"], amount=r["amount"], attributes=r["attributes"],
                           counts_in=counts_in)
    return EvidenceOut(id=r["id"], kind="completion", source=r["source"], external_id=r["external_id"],
                       type=r["status"], occurred_at=r["completed_at"], amount=r["score"],
                       attributes={"course_id": r["course_id"], "course_title": r["course_title"]},
                       counts_in=counts_in)


class EvidenceService:
    def __init__(self, queries: QueryRepository, metrics: Metrics, visibility: Visibility) -> None:
        self.queries = queries
        self.metrics = metrics
        self.visibility = visibility

    async def page(self, key: str, person_id: uuid.UUID, first: date, last: date,
                   page: PageParams) -> Page[EvidenceOut]:
        metric = self.metrics.get(key)
        if metric is None:
            raise _invalid("metric", f"There is no metric {key!r}.", "unknown_metric")
        if last < first:
            raise _invalid("to", "`to` must not be before `from`.", "window")
        await self.visibility.check([person_id], metric=key)
        parts = [p for k in metric.parts if (p := self.metrics.get(k)) is not None]
        start = datetime.combine(first, time(), UTC)
        end = datetime.combine(last + timedelta(days=1), time(), UTC)
        found: list[EvidenceOut] = []
        for source in dict.fromkeys(p.source for p in parts):
            found += await self._matching(source, [p for p in parts if p.source == source], person_id, start, end,
                                          page.after, page.limit + 1)
        found.sort(key=lambda e: e.id)
        return build_page(found[:page.limit + 1], page.limit, lambda e: e.id)

    async def _matching(self, source: EvidenceSource, parts: list[Metric], person_id: uuid.UUID, start: datetime,
                        end: datetime, after: uuid.UUID | None, want: int) -> list[EvidenceOut]:
        evidence = EVIDENCE[source]
        types = sorted({t for p in parts for t in p.types})
        out: list[EvidenceOut] = []
        while len(out) < want:
            rows = await self.queries.evidence(evidence.table, person_id, evidence.type_column, types,
                                               evidence.time_column, start, end, after, CHUNK)
            for row in rows:
                event = evidence.event(row._mapping)
                counts_in = [p.key for p in parts if p.contribution(event.type, event.attributes, event.amount)]
                if counts_in:
                    out.append(_out(source, row, counts_in))
                    if len(out) == want:
                        break
            if len(rows) < CHUNK:
                break
            after = rows[-1].id
        return out
