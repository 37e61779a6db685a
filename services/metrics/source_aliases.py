"""Per-tenant source aliases: which external-id source the user ids of an evidence source resolve against.

By default a CRM's or LMS's `source` resolves against the people's external ids of the same source (an
activity from `salesforce` naming user `005…` counts for the person whose `salesforce` id is `005…`). An alias
maps an evidence source to another external-id source (`salesforce` → `crm`); then that source's user ids
resolve against the target only (not against the source itself, and no chains: an alias of the target is not
followed). Stored evidence keeps its source as sent, so external ids stay unique per source.

Setting an alias (created or changed) also attributes, in the same transaction, the pending evidence of its
source whose user ids the target now resolves; removing one does the same for the pending evidence the source
itself now resolves. Neither ever takes attributed evidence away (attribution happens once, resolution.py).
Both hold the tenant's evidence lock exclusively, like every change of who evidence counts for, so no ingest
batch resolves against a half-changed rule.
"""

from common.db import utcnow
from common.errors import Conflict, InvalidInput, NotFound
from common.pagination import Page
from services.metrics.definitions import tenant_metrics
from services.metrics.models import SourceAlias
from services.metrics.repository import (
    DailyRepository,
    DefinitionRepository,
    EvidenceRepository,
    SourceAliasRepository,
)
from services.metrics.resolution import attribute_source
from services.metrics.schemas import MAX_SOURCE_ALIASES, SourceAliasIn, SourceAliasOut, SourceAliasSet


def alias_out(a: SourceAlias) -> SourceAliasOut:
    return SourceAliasOut(source=a.source, target=a.target, updated_at=a.updated_at)


class SourceAliasService:
    def __init__(self, repo: SourceAliasRepository, evidence: EvidenceRepository, definitions: DefinitionRepository,
                 daily: DailyRepository) -> None:
        self.repo = repo
        self.evidence = evidence
        self.definitions = definitions
        self.daily = daily

    async def list(self) -> Page[SourceAliasOut]:
        """Bounded (at most MAX_SOURCE_ALIASES), so one page."""
        return Page[SourceAliasOut](items=[alias_out(a) for a in await self.repo.all()])

    async def set(self, source: str, data: SourceAliasIn) -> SourceAliasSet:
        if data.target == source:
            message = "an alias to the source itself is the default; delete the alias instead"
            raise InvalidInput(message, errors=[{"field": "body.target", "message": message, "code": "same_source"}])
        await self.evidence.lock(exclusive=True)
        alias = await self.repo.get(source)
        if alias is None:
            if await self.repo.count() >= MAX_SOURCE_ALIASES:
                raise Conflict(f"A tenant has at most {MAX_SOURCE_ALIASES} source aliases; delete one first.")
            alias = SourceAlias(tenant_id=self.repo.tenant_id, source=source, target=data.target,
                                updated_at=utcnow())
            self.repo.add(alias)
        elif alias.target != data.target:
            alias.target, alias.updated_at = data.target, utcnow()
        await self.repo.flush()
        metrics = await tenant_metrics(self.definitions)
        attributed = await attribute_source(self.evidence, self.daily, metrics, source, data.target)
        return SourceAliasSet(**alias_out(alias).model_dump(), attributed=attributed)

    async def remove(self, source: str) -> None:
        await self.evidence.lock(exclusive=True)
        alias = await self.repo.get(source)
        if alias is None:
            raise NotFound(f"There is no alias for the source {source!r}.")
        await self.repo.delete(alias)
        await self.repo.flush()
        metrics = await tenant_metrics(self.definitions)
        await attribute_source(self.evidence, self.daily, metrics, source, source)
