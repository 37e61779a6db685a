"""Rules of the directory. Raises typed errors; never commits."""

import uuid
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from common.db import utcnow
from common.errors import Conflict, InvalidInput, NotFound, field_name, printable
from common.ids import new_id
from common.pagination import Page, PageParams, build_page
from services.coaching import events
from services.coaching.directory.repository import DirectoryRepository
from services.coaching.directory.schemas import (
    BulkItem,
    BulkItemResult,
    BulkResult,
    BulkUpsert,
    ManagerChange,
    ManagerOut,
    MatchOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    ReportingLineOut,
    TreeEntry,
)
from services.coaching.models import ExternalId, Person, ReportingLine
from services.coaching.org import Org
from services.coaching.visibility import Visibility

FIELDS = ("name", "email", "title", "roles", "active", "hired_on", "left_on")
EMPLOYMENT = {"hired_on", "left_on"}


def _invalid(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": f"body.{field}", "message": message, "code": code}])


def person_out(p: Person, external_ids: dict[str, str]) -> PersonOut:
    return PersonOut(id=p.id, name=p.name, email=p.email, title=p.title, roles=p.roles,
                     active=p.active, manager_is_coach=p.manager_is_coach, hired_on=p.hired_on,
                     left_on=p.left_on, external_ids=external_ids,
                     created_at=p.created_at, updated_at=p.updated_at)


class DirectoryService:
    def __init__(self, repo: DirectoryRepository, vis: Visibility) -> None:
        self.repo = repo
        self.tenant_id = repo.tenant_id
        self.vis = vis
        self.org = Org(repo.s, repo.tenant_id)

    def _may_write(self) -> None:
        self.vis.check_directory_write()

    async def _person(self, person_id: uuid.UUID, *, for_update: bool = False) -> Person:
        p = await self.repo.person(person_id, for_update=for_update)
        if p is None:
            raise NotFound(f"Person {person_id} does not exist.")
        return p

    async def _upserted(self, people: Sequence[Person]) -> None:
        """Record `person.upserted` for people just written (their version bumped), with their external ids."""
        ext = await self.repo.external_ids([p.id for p in people])
        await events.people_upserted(self.repo.s, [(p, ext[p.id]) for p in people])

    async def _out(self, people: Sequence[Person]) -> list[PersonOut]:
        ext = await self.repo.external_ids([p.id for p in people])
        return [person_out(p, ext[p.id]) for p in people]

    # ---- people
    async def get(self, person_id: uuid.UUID) -> PersonOut:
        return (await self._out([await self._person(person_id)]))[0]

    async def list_people(self, *, ids: Sequence[uuid.UUID] | None, role: str | None, active: bool | None,
                   q: str | None, page: PageParams) -> Page[PersonOut]:
        rows = await self.repo.people(ids=ids, role=role, active=active, q=q, after=page.after,
                                      limit=max(page.limit, len(ids or ())))
        return build_page(await self._out(rows), max(page.limit, len(ids or ())), lambda p: p.id)

    async def create(self, data: PersonIn) -> PersonOut:
        self._may_write()
        if data.email and await self.repo.email_taken(data.email):
            raise Conflict(f"Another person already has the email {data.email}.")
        for source, external_id in data.external_ids.items():
            if await self.repo.external_id(source, external_id) is not None:
                raise Conflict(f"Another person already has the {source} id {external_id}.")
        now = utcnow()
        p = Person(id=new_id(), tenant_id=self.tenant_id, version=1, created_at=now, updated_at=now,
                   **data.model_dump(exclude={"external_ids"}))
        self.repo.add(p)
        await self.repo.flush()
        for source, external_id in data.external_ids.items():
            self.repo.add(ExternalId(id=new_id(), tenant_id=self.tenant_id, person_id=p.id, source=source,
                                     external_id=external_id))
        await events.people_upserted(self.repo.s, [(p, data.external_ids)])
        return person_out(p, dict(data.external_ids))

    async def update(self, person_id: uuid.UUID, patch: PersonPatch) -> PersonOut:
        self._may_write()
        p = await self._person(person_id, for_update=True)
        changes = patch.model_dump(exclude_unset=True)
        for field in ("name", "roles", "active", "manager_is_coach", "title"):
            if field in changes and changes[field] is None:
                raise _invalid(field, f"{field} cannot be null", "not_null")
        hired, left = changes.get("hired_on", p.hired_on), changes.get("left_on", p.left_on)
        if hired is not None and left is not None and left < hired:
            field = "left_on" if "left_on" in changes else "hired_on"
            raise _invalid(field, f"left_on ({left}) must not be before hired_on ({hired})", "employment_order")
        if changes.get("email") and await self.repo.email_taken(changes["email"], except_id=p.id):
            raise Conflict(f"Another person already has the email {changes['email']}.")
        changed = any(getattr(p, field) != value for field, value in changes.items())
        for field, value in changes.items():
            setattr(p, field, value)
        p.updated_at = utcnow()
        if changed:
            p.version += 1
            await self._upserted([p])
        return await self.get(p.id)

    # ---- external ids
    async def set_external_id(self, person_id: uuid.UUID, source: str, external_id: str) -> PersonOut:
        self._may_write()
        p = await self._person(person_id, for_update=True)
        holder = await self.repo.external_id(source, external_id)
        if holder is not None and holder.person_id != p.id:
            raise Conflict(f"Another person already has the {source} id {external_id}.")
        mine = await self.repo.external_id_of(p.id, source)
        if mine is None:
            self.repo.add(ExternalId(id=new_id(), tenant_id=self.tenant_id, person_id=p.id, source=source,
                                     external_id=external_id))
        elif mine.external_id != external_id:
            mine.external_id = external_id
        else:
            return await self.get(p.id)  # nothing changed
        p.version += 1
        p.updated_at = utcnow()
        await self.repo.flush()
        await self._upserted([p])
        return await self.get(p.id)

    async def remove_external_id(self, person_id: uuid.UUID, source: str) -> None:
        self._may_write()
        p = await self._person(person_id, for_update=True)
        mine = await self.repo.external_id_of(person_id, source)
        if mine is None:
            raise NotFound(f"Person {person_id} has no {source} id.")
        await self.repo.delete(mine)
        p.version += 1
        p.updated_at = utcnow()
        await self.repo.flush()
        await self._upserted([p])

    async def by_external(self, source: str, external_ids: Sequence[str]) -> list[MatchOut]:
        if source == "email":
            found = await self.repo.people_by_emails([e.lower() for e in external_ids])
            matches = {email: p.id for email, p in found.items()}
        else:
            matches = await self.repo.find_by_external(source, external_ids)
        people = {p.id: p for p in (await self.repo.people_by_ids(list(set(matches.values())))).values()}
        outs = {o.id: o for o in await self._out(list(people.values()))}
        return [MatchOut(source=source, external_id=ext, person=outs[pid]) for ext, pid in matches.items()]

    # ---- reporting lines
    async def set_manager(self, person_id: uuid.UUID, change: ManagerChange) -> ManagerOut:
        self._may_write()
        person = await self._person(person_id, for_update=True)  # one reorg of a person at a time
        await self._set_manager(person, change.manager_id, change.effective)
        return ManagerOut(person_id=person_id, manager_id=change.manager_id, as_of=change.effective)

    async def _set_manager(self, person: Person, manager_id: uuid.UUID | None, effective: date) -> bool:
        """Close the line in force at `effective` and open the new one; True when anything changed."""
        if manager_id is not None:
            manager = await self.repo.person(manager_id)
            if manager is None:
                raise _invalid("manager_id", f"Person {manager_id} does not exist.", "reference")
            if not manager.active:
                raise _invalid("manager_id", f"{manager.name} is inactive and cannot manage anyone.", "inactive")
        lines = await self.repo.lines_of(person.id)
        if lines and effective < lines[-1].valid_from:
            raise Conflict(f"History is not rewritten: {person.name}'s latest reporting line starts "
                           f"{lines[-1].valid_from}; a change must take effect on or after that day.")
        current = next((ln for ln in lines if ln.valid_from <= effective
                        and (ln.valid_to is None or ln.valid_to > effective)), None)
        if (current.manager_id if current else None) == manager_id:
            return False
        if manager_id is not None:
            await self._no_cycle(person, manager_id, effective)
        if current is not None:
            current.version += 1
            if current.valid_from == effective:  # a same-day correction replaces the line
                await events.reporting_line_changed(self.repo.s, current, deleted=True)
                await self.repo.delete(current)
                await self.repo.flush()
            else:
                current.valid_to = effective
                await events.reporting_line_changed(self.repo.s, current)
        if manager_id is not None:
            line = ReportingLine(id=new_id(), tenant_id=self.tenant_id, person_id=person.id, manager_id=manager_id,
                                 valid_from=effective, valid_to=None, version=1, created_at=utcnow())
            self.repo.add(line)
            await events.reporting_line_changed(self.repo.s, line)
        await self.repo.flush()
        return True

    async def _no_cycle(self, person: Person, manager_id: uuid.UUID, effective: date) -> None:
        if manager_id == person.id:
            raise Conflict(f"{person.name} cannot report to themself.")
        for day in [effective, *await self.repo.later_starts(effective)]:
            if manager_id in await self.org.team(person.id, day):
                raise Conflict(f"That would make a cycle: {manager_id} reports (directly or not) to "
                               f"{person.name} on {day}.")

    async def manager(self, person_id: uuid.UUID, as_of: date) -> ManagerOut:
        await self._person(person_id)
        return ManagerOut(person_id=person_id, manager_id=await self.org.manager_of(person_id, as_of), as_of=as_of)

    async def managers(self, person_ids: Sequence[uuid.UUID], as_of: date) -> list[ManagerOut]:
        found = await self.org.managers_of(person_ids, as_of)
        return [ManagerOut(person_id=p, manager_id=found.get(p), as_of=as_of) for p in person_ids]

    async def reports(self, manager_ids: Sequence[uuid.UUID], as_of: date) -> list[TreeEntry]:
        found = await self.org.direct_reports(manager_ids, as_of)
        return [TreeEntry(person_id=p, manager_id=m, depth=1) for m, people in found.items() for p in people]

    async def tree(self, manager_id: uuid.UUID, as_of: date) -> list[TreeEntry]:
        await self._person(manager_id)
        return [TreeEntry(person_id=p, manager_id=m, depth=d) for p, m, d in await self.org.tree(manager_id, as_of)]

    async def history(self, person_id: uuid.UUID) -> list[ReportingLineOut]:
        await self._person(person_id)
        return [ReportingLineOut.model_validate(ln, from_attributes=True) for ln in await self.repo.lines_of(person_id)]

    # ---- bulk upsert (HRIS / CRM user sync)
    async def bulk_upsert(self, body: BulkUpsert) -> BulkResult:
        self._may_write()
        results: dict[int, BulkItemResult] = {}
        valid: list[tuple[int, BulkItem]] = []
        seen: set[str] = set()
        for index, raw in enumerate(body.items):
            ref = printable(raw["external_id"]) if isinstance(raw.get("external_id"), str) else None
            try:
                item = BulkItem.model_validate(raw)
            except ValidationError as exc:
                results[index] = BulkItemResult(index=index, external_id=ref, status="rejected", errors=[
                    {"field": field_name(e["loc"]) or "item", "message": e["msg"], "code": e["type"]}
                    for e in exc.errors()])
                continue
            if item.external_id in seen:
                results[index] = _rejected(index, item.external_id, "external_id", "repeated in this batch")
                continue
            seen.add(item.external_id)
            valid.append((index, item))

        known = await self.repo.find_by_external(body.source, [i.external_id for _, i in valid])
        people = await self.repo.people_by_ids(list(known.values()), for_update=True)
        by_email = await self.repo.people_by_emails([i.email for _, i in valid if i.email])
        in_batch = {i.external_id for _, i in valid}
        unknown_managers = [i.manager_external_id for _, i in valid
                            if i.manager_external_id and i.manager_external_id not in in_batch]
        managers_known = await self.repo.find_by_external(body.source, unknown_managers)
        now = utcnow()
        written: list[tuple[int, BulkItem, Person]] = []
        changed: list[Person] = []
        new_ids: list[ExternalId] = []
        for index, item in valid:
            if item.manager_external_id and item.manager_external_id not in in_batch | managers_known.keys():
                results[index] = _rejected(index, item.external_id, "manager_external_id",
                                           f"no person has the {body.source} id {item.manager_external_id}")
                continue
            existing = people.get(known[item.external_id]) if item.external_id in known else None
            holder = by_email.get(item.email) if item.email else None
            if holder is not None and (existing is None or holder.id != existing.id):
                results[index] = _rejected(index, item.external_id, "email", "another person has this email")
                continue
            # employment dates change only when the item gives them (a CRM user sync does not know them)
            values = item.model_dump(include=set(FIELDS) - (EMPLOYMENT - item.model_fields_set))
            if existing is not None and _employment_reversed(existing, values):
                results[index] = _rejected(index, item.external_id, "left_on", "left_on must not be before hired_on")
                continue
            if existing is None:
                p = Person(id=new_id(), tenant_id=self.tenant_id, manager_is_coach=True, version=1, created_at=now,
                           updated_at=now, **values)
                self.repo.add(p)
                changed.append(p)
                new_ids.append(ExternalId(id=new_id(), tenant_id=self.tenant_id, person_id=p.id,
                                          source=body.source, external_id=item.external_id))
                status = "created"
            else:
                p = existing
                status = "unchanged" if all(getattr(p, f) == v for f, v in values.items()) else "updated"
                if status == "updated":
                    for field, value in values.items():
                        setattr(p, field, value)
                    p.updated_at = now
                    p.version += 1
                    changed.append(p)
            if item.email:
                by_email[item.email] = p
            results[index] = BulkItemResult(index=index, external_id=item.external_id, status=status,
                                            person_id=p.id)
            written.append((index, item, p))
        await self.repo.flush()  # people first: their external ids refer to them
        self.repo.add(*new_ids)
        await self.repo.flush()
        await self._upserted(list({p.id: p for p in changed}.values()))
        await self._bulk_managers(body.source, written, managers_known, results)
        ordered = [results[i] for i in sorted(results)]
        counts = {k: sum(r.status == k for r in ordered) for k in ("created", "updated", "unchanged", "rejected")}
        return BulkResult(items=ordered, **counts)

    async def _bulk_managers(self, source: str, written: list[tuple[int, BulkItem, Person]],
                             managers_known: dict[str, uuid.UUID], results: dict[int, BulkItemResult]) -> None:
        """Managers named by external id change effective today where they differ from the current one."""
        today = utcnow().date()
        ids = {item.external_id: p.id for _, item, p in written} | managers_known
        wanted = [(index, p, ids.get(item.manager_external_id)) for index, item, p in written
                  if item.manager_external_id]
        current = await self.org.managers_of([p.id for _, p, _ in wanted], today)
        for index, person, manager_id in wanted:
            if manager_id is None or current.get(person.id) == manager_id:
                continue
            try:
                async with self.repo.s.begin_nested():
                    await self._set_manager(person, manager_id, today)
            except (Conflict, InvalidInput) as err:
                results[index].errors.append({"field": "manager_external_id", "message": err.detail,
                                              "code": "manager_not_changed"})
                continue
            if results[index].status == "unchanged":
                results[index].status = "updated"


def _employment_reversed(p: Person, values: dict[str, object]) -> bool:
    hired, left = values.get("hired_on", p.hired_on), values.get("left_on", p.left_on)
    return isinstance(hired, date) and isinstance(left, date) and left < hired


def _rejected(index: int, external_id: str | None, field: str, message: str) -> BulkItemResult:
    return BulkItemResult(index=index, external_id=external_id, status="rejected",
                          errors=[{"field": field, "message": message, "code": "rejected"}])

