"""What every rule of the sessions area works with: the tenant's repository, the caller's visibility, and the
checks shared by scheduling, completion and goals (references to people, who coaches whom)."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from common.errors import InvalidInput
from services.coaching.models import Person
from services.coaching.relationships.coaches import coaches_of
from services.coaching.sessions.repository import Repository
from services.coaching.visibility import Visibility

FieldError = dict[str, Any]


def error(field: str, message: str, code: str = "reference") -> FieldError:
    """One problem with a body field, located like request validation errors (`body.<field>`)."""
    return {"field": f"body.{field}", "message": message, "code": code}


def invalid(errors: Sequence[FieldError], detail: str | None = None) -> InvalidInput:
    return InvalidInput(detail or (errors[0]["message"] if len(errors) == 1 else f"{len(errors)} invalid field(s)"),
                        errors=errors)


@dataclass
class Context:
    repo: Repository
    vis: Visibility

    async def people(self, refs: Mapping[str, uuid.UUID]) -> tuple[dict[uuid.UUID, Person], list[FieldError]]:
        """Look up the people named by body fields (field → id); unknown or inactive ones are errors."""
        found = await self.repo.people(list(refs.values()))
        errors: list[FieldError] = []
        for field, pid in refs.items():
            person = found.get(pid)
            if person is None:
                errors.append(error(field, f"Person {pid} does not exist."))
            elif not person.active:
                errors.append(error(field, f"Person {pid} ({person.name}) is inactive.", "inactive"))
        return found, errors

    async def coaching_link(self, coach: Person, seller: Person, keys: Sequence[str], day: date, *,
                            seller_field: str, keys_field: str) -> list[FieldError]:
        """Unless the caller sees everything, the coach must coach the seller on all `keys` on `day`
        (an assignment covering them, or the seller's manager on that day)."""
        if not self.vis.needs_coaching_links:
            return []
        links = [link for link in (await coaches_of(self.repo.s, self.repo.tenant_id, [seller.id], day))[seller.id]
                 if link.coach_id == coach.id]
        if any(link.covers(keys) for link in links):
            return []
        if not links:
            return [error(seller_field, f"{coach.name} does not coach {seller.name} on {day.isoformat()}.",
                          "not_coached")]
        scope = sorted({k for link in links for k in link.scope})
        missing = sorted(k for k in keys if k not in scope)
        reason = f"not on {', '.join(missing)}" if missing else "no single assignment covers them all"
        return [error(keys_field, f"{coach.name} coaches {seller.name} on {', '.join(scope)} only, "
                                  f"{reason} ({day.isoformat()}).", "not_coached")]
