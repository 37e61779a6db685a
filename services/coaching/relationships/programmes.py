"""Programmes: an objective's behaviours, a cadence, and the coach-seller pairs that keep it."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from common.db import utcnow
from common.errors import Conflict, InvalidInput, NotFound
from common.ids import new_id
from common.pagination import Page, PageParams, build_page
from services.coaching import events
from services.coaching.models import Programme, ProgrammePair
from services.coaching.relationships.assignments import check_people, field_error
from services.coaching.relationships.repository import Repository
from services.coaching.relationships.schemas import (
    PairCreate,
    PairOut,
    ProgrammeCreate,
    ProgrammeOut,
    ProgrammeUpdate,
)
from services.coaching.visibility import Visibility

NOT_NULL = ("name", "behavior_keys", "cadence_days", "starts_on")


def pair_out(p: ProgrammePair) -> PairOut:
    return PairOut.model_validate(p, from_attributes=True)


def programme_out(p: Programme, pairs: Sequence[ProgrammePair], today: date) -> ProgrammeOut:
    current = [x for x in pairs if x.left_on is None or x.left_on > today]
    return ProgrammeOut(
        id=p.id, name=p.name, objective_id=p.objective_id, behavior_keys=list(p.behavior_keys), owner_id=p.owner_id,
        cadence_days=p.cadence_days, starts_on=p.starts_on, ends_on=p.ends_on, pairs=[pair_out(x) for x in pairs],
        coach_ids=list(dict.fromkeys(x.coach_id for x in current)),
        participant_ids=list(dict.fromkeys(x.seller_id for x in current)),
        created_at=p.created_at, updated_at=p.updated_at)


class ProgrammesService:
    def __init__(self, repo: Repository, vis: Visibility) -> None:
        self.repo = repo
        self.tenant_id = repo.tenant_id
        self.vis = vis

    async def _programme(self, programme_id: uuid.UUID, *, for_update: bool = False) -> Programme:
        p = await self.repo.programme(programme_id, for_update=for_update)
        if p is None:
            raise NotFound(f"Programme {programme_id} does not exist.")
        return p

    async def _out(self, p: Programme) -> ProgrammeOut:
        return programme_out(p, await self.repo.pairs([p.id]), utcnow().date())

    async def _check_owner(self, owner_id: uuid.UUID | None) -> None:
        if owner_id is not None:
            check_people(await self.repo.people([owner_id]), [("owner_id", owner_id)])

    # ---- programmes
    async def create(self, data: ProgrammeCreate) -> ProgrammeOut:
        owner_id = data.owner_id or self.vis.person_id
        await self._check_owner(owner_id)
        self.vis.check_create_programme(owner_id)
        now = utcnow()
        p = Programme(id=new_id(), tenant_id=self.tenant_id, name=data.name, objective_id=data.objective_id,
                      behavior_keys=list(data.behavior_keys), owner_id=owner_id, cadence_days=data.cadence_days,
                      starts_on=data.starts_on, ends_on=data.ends_on, created_at=now, updated_at=now, version=1)
        self.repo.add(p)
        await events.programme_changed(self.repo.s, p)
        return programme_out(p, [], now.date())

    async def get(self, programme_id: uuid.UUID) -> ProgrammeOut:
        return await self._out(await self._programme(programme_id))

    async def list_programmes(self, *, ids: Sequence[uuid.UUID] | None, owner_id: uuid.UUID | None,
                              coach_id: uuid.UUID | None, seller_id: uuid.UUID | None, active_on: date | None,
                              page: PageParams) -> Page[ProgrammeOut]:
        rows = await self.repo.programmes(ids=ids, owner_id=owner_id, coach_id=coach_id, seller_id=seller_id,
                                          active_on=active_on, after=page.after, limit=page.limit)
        by_programme: dict[uuid.UUID, list[ProgrammePair]] = defaultdict(list)
        for pair in await self.repo.pairs([p.id for p in rows[:page.limit]]):
            by_programme[pair.programme_id].append(pair)
        today = utcnow().date()
        return build_page([programme_out(p, by_programme[p.id], today) for p in rows], page.limit, lambda o: o.id)

    async def update(self, programme_id: uuid.UUID, patch: ProgrammeUpdate) -> ProgrammeOut:
        p = await self._programme(programme_id, for_update=True)
        self.vis.check_own(p)
        changes = patch.model_dump(exclude_unset=True)
        for required in NOT_NULL:
            if required in changes and changes[required] is None:
                raise field_error(required, f"{required} cannot be null", "not_null")
        if "owner_id" in changes:
            await self._check_owner(changes["owner_id"])
        starts_on = changes.get("starts_on", p.starts_on)
        ends_on = changes.get("ends_on", p.ends_on)
        if ends_on is not None and ends_on < starts_on:
            raise field_error("ends_on", "ends_on must not be before starts_on", "value_error")
        if "starts_on" in changes or "ends_on" in changes:
            outside = [x for x in await self.repo.pairs([p.id])
                       if x.joined_on < starts_on or (ends_on is not None and x.joined_on > ends_on)]
            if outside:
                raise Conflict(f"{len(outside)} pair(s) joined outside the new period "
                               f"(e.g. on {outside[0].joined_on}); remove them first.")
        if "behavior_keys" in changes and self.vis.needs_coaching_links:
            await self._check_pairs_cover(p, changes["behavior_keys"])
        changed = False
        for field, value in changes.items():
            value = list(value) if field == "behavior_keys" else value
            changed = changed or getattr(p, field) != value
            setattr(p, field, value)
        p.updated_at = utcnow()
        if changed:
            p.version += 1
            await events.programme_changed(self.repo.s, p)
        return await self._out(p)

    async def _check_pairs_cover(self, p: Programme, keys: Sequence[str]) -> None:
        """Every pair still in the programme must be coached on the new behaviours (as of today)."""
        today = utcnow().date()
        current = [x for x in await self.repo.pairs([p.id]) if x.left_on is None or x.left_on > today]
        links = await self.repo.coaches_of([x.seller_id for x in current], today)
        for x in current:
            if not any(link.coach_id == x.coach_id and link.covers(keys) for link in links[x.seller_id]):
                raise Conflict(f"Pair {x.id}: its coach does not coach the seller on {', '.join(keys)}; "
                               "assign them first or remove the pair.")

    async def delete(self, programme_id: uuid.UUID) -> None:
        p = await self._programme(programme_id, for_update=True)
        self.vis.check_own(p)
        held = await self.repo.programme_session_count(p.id)
        if held:
            raise Conflict(f"The programme has {held} session(s); end it (set ends_on) instead of deleting it.")
        await events.pairs_changed(self.repo.s, events.PAIR_REMOVED, await self.repo.pairs([p.id]))
        p.version += 1
        await events.programme_changed(self.repo.s, p, deleted=True)
        await self.repo.delete_programme(p)

    # ---- pairs
    async def add_pair(self, programme_id: uuid.UUID, data: PairCreate) -> PairOut:
        p = await self._programme(programme_id, for_update=True)
        self.vis.check_own(p)
        if data.coach_id == data.seller_id:
            raise field_error("coach_id", "a person cannot coach themselves", "self_coaching")
        check_people(await self.repo.people([data.coach_id, data.seller_id]),
                     [("coach_id", data.coach_id), ("seller_id", data.seller_id)])
        existing = await self.repo.pair_of(p.id, data.coach_id, data.seller_id)
        if existing is not None:
            left = f" (it left on {existing.left_on})" if existing.left_on else ""
            raise Conflict(f"This coach and seller are already a pair of the programme{left}.")
        joined_on = data.joined_on or max(utcnow().date(), p.starts_on)
        if joined_on < p.starts_on or (p.ends_on is not None and joined_on > p.ends_on):
            raise field_error("joined_on", f"joined_on must fall within the programme ({p.starts_on} to "
                              f"{p.ends_on or 'open'})", "out_of_period")
        if self.vis.needs_coaching_links and not await self.repo.may_coach(data.coach_id, data.seller_id,
                                                                           p.behavior_keys, joined_on):
            keys = ", ".join(p.behavior_keys)
            raise field_error("coach_id", f"this person does not coach the seller on {keys} on {joined_on}; "
                              "assign them as the seller's coach first", "not_coach")
        pair = ProgrammePair(id=new_id(), tenant_id=self.tenant_id, programme_id=p.id, coach_id=data.coach_id,
                             seller_id=data.seller_id, joined_on=joined_on, left_on=None)
        self.repo.add(pair)
        p.updated_at = utcnow()
        await events.pairs_changed(self.repo.s, events.PAIR_JOINED, [pair])
        return pair_out(pair)

    async def get_pair(self, programme_id: uuid.UUID, pair_id: uuid.UUID) -> PairOut:
        p = await self._programme(programme_id)
        pair = await self.repo.pair(p.id, pair_id)
        if pair is None:
            raise NotFound(f"Pair {pair_id} is not in programme {programme_id}.")
        return pair_out(pair)

    async def remove_pair(self, programme_id: uuid.UUID, pair_id: uuid.UUID, left_on: date | None) -> None:
        """The pair leaves on `left_on` (its first day out; default today). History stays: the row is kept
        with its `left_on`, unless the pair leaves on the day it joined — then it never took part and goes."""
        p = await self._programme(programme_id, for_update=True)
        self.vis.check_own(p)
        pair = await self.repo.pair(p.id, pair_id, for_update=True)
        if pair is None:
            raise NotFound(f"Pair {pair_id} is not in programme {programme_id}.")
        if pair.left_on is not None:
            raise Conflict(f"The pair already left the programme on {pair.left_on}.")
        left_on = left_on or max(utcnow().date(), pair.joined_on)
        if left_on < pair.joined_on:
            raise InvalidInput("A pair cannot leave before it joined.", errors=[
                {"field": "query.left_on", "message": f"the pair joined on {pair.joined_on}", "code": "value_error"}])
        if left_on == pair.joined_on:
            await events.pairs_changed(self.repo.s, events.PAIR_REMOVED, [pair])
            await self.repo.delete_pair(pair)
        else:
            pair.left_on = left_on
            await events.pairs_changed(self.repo.s, events.PAIR_LEFT, [pair])
        p.updated_at = utcnow()
