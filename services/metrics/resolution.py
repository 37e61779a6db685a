"""Which person a piece of evidence counts for.

At ingest: a given `person_id` is used as is; a `user_id` is looked up among the read model's external ids
under the evidence's own source (the activity's CRM, the completion's LMS); a completion's `email` is
matched against people's emails, case-insensitively. Evidence nobody can be found for yet is stored with
`person_id` NULL — pending: kept, counted nowhere. When the read model learns a person's external ids or
email, `attribute_pending` gives that person their pending evidence in the same transaction and adds its
contribution to the daily aggregates, from which moment it counts. Attribution happens once: if an external
id later passes to someone else, evidence already attributed stays with the person it was attributed to.

The content hash of an item covers what the source sent, not whom it was resolved to, so a replay after
resolution is still a `duplicate`.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.metrics.aggregates import Tally, activity_event, completion_event
from services.metrics.catalogue import Metrics
from services.metrics.models import Activity, Completion
from services.metrics.repository import DailyRepository, EvidenceRepository
from services.metrics.schemas import PersonItem

UserKey = tuple[str, str]  # (source, user id)


@dataclass(frozen=True)
class Lookup:
    by_user: dict[UserKey, uuid.UUID]
    by_email: dict[str, uuid.UUID]

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
    """Who holds these user ids and (lower-cased) emails now; two queries at most, none when nothing to find."""
    users, emails = list(set(users)), list(set(emails))
    if not users and not emails:
        return EMPTY
    by_user = await repo.external_id_holders(users) if users else {}
    by_email = await repo.people_by_email(emails) if emails else {}
    return Lookup(by_user, by_email)


async def attribute_pending(repo: EvidenceRepository, daily: DailyRepository, metrics: Metrics,
                            people: Sequence[PersonItem]) -> int:
    """Give pending evidence to the people who now hold its user id or email, and count it in the daily
    aggregates; returns how many rows. A constant number of statements whatever the number of people."""
    owners: dict[UserKey, uuid.UUID] = {}
    by_email: dict[str, uuid.UUID] = {}
    for p in people:
        if p.deleted:
            continue
        owners.update({(source, ext): p.id for source, ext in p.external_ids.items()})
        if p.email:
            by_email[p.email] = p.id
    if not owners and not by_email:
        return 0
    found = Lookup(owners, by_email)
    activity_tally, completion_tally = Tally.of(metrics, "activities"), Tally.of(metrics, "completions")
    activities: dict[uuid.UUID, uuid.UUID] = {}
    for r in await repo.pending_activities(list(owners)):
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
