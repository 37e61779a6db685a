"""Which person a piece of evidence counts for.

At ingest: a given `person_id` is used as is (ingest refuses one the read model does not know); a `user_id` is
looked up among the read model's external ids under the external-id source its evidence source resolves
against; a completion's `email` is matched against people's emails, case-insensitively (an email several
people hold matches nobody).

Which external-id source: the evidence source itself (the activity's CRM, the completion's LMS), unless the
tenant set an alias for it (`source_aliases.py`, e.g. `salesforce` → `crm`): then the alias's target, and only
that (no chains: an alias of the target is not followed). Stored rows keep the source as sent.

Evidence nobody can be found for yet is stored with `person_id` NULL — pending: kept, counted nowhere, and
reported (`pending` at ingest, with `unattributed_reason`; the pending listing in `pending.py`). When the read
model learns a person's external ids or email, `attribute_pending` gives that person their pending evidence in
the same transaction and adds its contribution to the daily aggregates, from which moment it counts; setting
an alias does the same for the pending evidence of its source (`attribute_source`). Attribution happens once:
if an external id later passes to someone else, or an alias is changed or removed, evidence already attributed
stays with the person it was attributed to.

The content hash of an item covers what the source sent, not whom it was resolved to, so a replay after
resolution is still a `duplicate`.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from services.metrics.aggregates import Tally, activity_event, completion_event
from services.metrics.catalogue import Metrics
from services.metrics.models import Activity, Completion
from services.metrics.repository import DailyRepository, EvidenceRepository
from services.metrics.schemas import PersonItem

UserKey = tuple[str, str]  # (source, user id)
Aliases = Mapping[str, str]  # evidence source -> the external-id source its user ids resolve against


def resolves_against(aliases: Aliases, source: str) -> str:
    return aliases.get(source, source)


def evidence_sources(aliases: Aliases, target: str) -> list[str]:
    """The evidence sources whose user ids resolve against the external-id source `target`."""
    sources = [s for s, t in aliases.items() if t == target]
    if target not in aliases:
        sources.append(target)
    return sources


def unattributed_reason(aliases: Aliases, source: str, user_id: str | None, email: str | None,
                        shared_emails: Iterable[str] = ()) -> str:
    """Why evidence naming this user id (or email) counts for nobody, in words for an integrator."""
    if user_id is not None:
        target = resolves_against(aliases, source)
        via = f" ({source} user ids resolve against {target})" if target != source else ""
        return f"no person with {target} user id {user_id}{via}"
    if email is not None:
        if email in shared_emails:
            return f"the email {email} is held by several people"
        return f"no person with email {email}"
    return "names no person"


@dataclass(frozen=True)
class Lookup:
    by_user: dict[UserKey, uuid.UUID]  # keyed by (external-id source, user id)
    by_email: dict[str, uuid.UUID]
    shared_emails: frozenset[str] = field(default_factory=frozenset)

    def person(self, given: uuid.UUID | None, user: UserKey | None, email: str | None) -> uuid.UUID | None:
        if given is not None:
            return given
        if user is not None:
            return self.by_user.get(user)
        if email is not None:
            return self.by_email.get(email)
        return None


EMPTY = Lookup({}, {})


async def lookup(repo: EvidenceRepository, users: Iterable[UserKey], emails: Iterable[str]) -> Lookup:
    """Who holds these (external-id source, user id) pairs and (lower-cased) emails now; two queries at most,
    none when nothing to find."""
    users, emails = list(set(users)), list(set(emails))
    if not users and not emails:
        return EMPTY
    by_user = await repo.external_id_holders(users) if users else {}
    holders = await repo.email_holders(emails) if emails else {}
    return Lookup(by_user, {e: next(iter(ids)) for e, ids in holders.items() if len(ids) == 1},
                  frozenset(e for e, ids in holders.items() if len(ids) > 1))


async def attribute_pending(repo: EvidenceRepository, daily: DailyRepository, metrics: Metrics,
                            people: Sequence[PersonItem], aliases: Aliases) -> int:
    """Give pending evidence to the people who now hold its user id or email, and count it in the daily
    aggregates; returns how many rows. A constant number of statements whatever the number of people."""
    owners: dict[UserKey, uuid.UUID] = {}  # keyed by the evidence's (source, user id)
    by_email: dict[str, uuid.UUID] = {}
    for p in people:
        if p.deleted:
            continue
        for target, ext in p.external_ids.items():
            owners.update({(source, ext): p.id for source in evidence_sources(aliases, target)})
        if p.email:
            by_email[p.email] = p.id
    return await _attribute(repo, daily, metrics, owners, by_email)


async def attribute_source(repo: EvidenceRepository, daily: DailyRepository, metrics: Metrics, source: str,
                           target: str) -> int:
    """Give the pending evidence of `source` to the people holding its user ids under `target` (an alias just
    set); returns how many rows."""
    user_ids = await repo.pending_user_ids(source)
    if not user_ids:
        return 0
    holders = await repo.external_id_holders([(target, u) for u in user_ids])
    return await _attribute(repo, daily, metrics, {(source, u): pid for (_, u), pid in holders.items()}, {})


async def _attribute(repo: EvidenceRepository, daily: DailyRepository, metrics: Metrics,
                     owners: dict[UserKey, uuid.UUID], by_email: dict[str, uuid.UUID]) -> int:
    """Attribute the pending rows naming these (evidence source, user id) pairs or emails."""
    if not owners and not by_email:
        return 0
    found = Lookup(owners, by_email)
    activity_tally, completion_tally = Tally.of(metrics, "activities"), Tally.of(metrics, "completions")
    activities: dict[uuid.UUID, uuid.UUID] = {}
    for r in await repo.pending_activities(list(owners)) if owners else []:
        activities[r.id] = owners[(r.source, r.source_user_id)]
        activity_tally.event(activity_event({**r._mapping, "person_id": activities[r.id]}))
    completions: dict[uuid.UUID, uuid.UUID] = {}
    for r in await repo.pending_completions(list(owners), list(by_email)):
        user = (r.source, r.source_user_id) if r.source_user_id is not None else None
        person = found.person(None, user, r.email if user is None else None)
        if person is not None:
            completions[r.id] = person
            completion_tally.event(completion_event({**r._mapping, "person_id": person}))
    await repo.attribute(Activity.__table__, activities)  # type: ignore[arg-type]
    await repo.attribute(Completion.__table__, completions)  # type: ignore[arg-type]
    await daily.apply(activity_tally.rows() + completion_tally.rows())
    return len(activities) + len(completions)
