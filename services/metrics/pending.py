"""The listing of unattributed (pending) evidence, so an integrator can fix the mappings behind it.

Stored evidence counted for nobody (`person_id` NULL, see resolution.py) grouped by kind (activities, then
completions), evidence source and the user id it names — or, for a completion named by email, the email —
with how many rows, when the first was received and when the last was stored or changed, the external-id
source the user id is looked up under now and the reason in words. Keyset-paginated over the group key (an
opaque cursor, `limit` groups a page); tenant-scoped like every query.
"""

import base64
import binascii
import json
from collections.abc import Sequence

from common.errors import InvalidInput
from common.pagination import Page
from services.metrics.repository import EvidenceRepository, GroupRow, PendingKey, PendingRepository
from services.metrics.resolution import resolves_against, unattributed_reason
from services.metrics.schemas import EvidenceSource, PendingEvidenceOut

KINDS: tuple[EvidenceSource, ...] = ("activities", "completions")


def encode_cursor(key: PendingKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> PendingKey | None:
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if (isinstance(raw, list) and len(raw) == 4 and all(isinstance(x, str) for x in raw)
                and raw[0] in KINDS):
            return (raw[0], raw[1], raw[2], raw[3])
    except (binascii.Error, ValueError):
        pass
    raise InvalidInput("The cursor is not valid.", errors=[{"field": "query.cursor", "message": "malformed cursor",
                                                           "code": "cursor"}])


class PendingService:
    def __init__(self, groups: PendingRepository, evidence: EvidenceRepository) -> None:
        self.groups = groups
        self.evidence = evidence

    async def page(self, kinds: Sequence[EvidenceSource], source: str | None, cursor: str | None,
                   limit: int) -> Page[PendingEvidenceOut]:
        after = decode_cursor(cursor)
        rows: list[tuple[EvidenceSource, GroupRow]] = []
        for kind in kinds:
            if after is not None and KINDS.index(kind) < KINDS.index(after[0]):
                continue
            if len(rows) > limit:
                break
            rows += [(kind, row) for row in await self.groups.groups(kind, source, after, limit + 1 - len(rows))]
        aliases = await self.evidence.aliases()
        emails = [row[2] for _, row in rows if row[2] is not None]
        holders = await self.evidence.email_holders(emails) if emails else {}
        shared = [e for e, ids in holders.items() if len(ids) > 1]
        items = [PendingEvidenceOut(
            kind=kind, source=src, user_id=user, email=email, count=count, first_seen=first, last_seen=last,
            resolves_against=resolves_against(aliases, src) if user is not None else None,
            reason=unattributed_reason(aliases, src, user, email, shared))
            for kind, (src, user, email, count, first, last) in rows[:limit]]
        more = len(rows) > limit
        last_kind, last_row = rows[limit - 1] if more else (None, None)
        cursor_out = (encode_cursor((last_kind, last_row[0], last_row[1] or "", last_row[2] or ""))
                      if last_kind is not None and last_row is not None else None)
        return Page[PendingEvidenceOut](items=items, next_cursor=cursor_out)
