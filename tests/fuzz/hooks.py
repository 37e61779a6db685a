"""The schemathesis hooks of the API fuzz.

- `install`: random UUIDs almost never name anything, so most generated requests would stop at a 404 or a 422
  reference error. In every location generated in positive mode (path, query, body) a value under a name the
  APIs use for an id or a key (`person_id`, `seller_ids`, `behavior_key`, `ids` of /v1/goals …) is kept or
  replaced by a seeded one, and the request is sent as the admin key, the manager or a seller. Hypothesis draws
  both, so a failure shrinks to the simplest case (the generated value, the admin key) and a run is
  reproducible.
- `tally`: what the services answered, counted per service and status class (printed after the run).
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st
from schemathesis import Case, HookContext
from schemathesis.core.parameters import ParameterLocation
from schemathesis.schemas import BaseSchema

from tests.fuzz.seed import Known

PERSON = "person"
CREDENTIAL = "X-Fuzz-Credential"  # where a drawn credential waits until the case is sent (never sent itself)
# a parameter or field name → the kind of thing it names
BY_NAME: dict[str, str] = {
    **dict.fromkeys(("person_id", "person_ids", "team_of", "seller_id", "seller_ids", "coach_id", "coach_ids",
                     "owner_id", "owner_ids", "manager_id", "manager_ids"), PERSON),
    "objective_id": "objective", "behavior_id": "behavior", "behavior_ids": "behavior",
    "indicator_id": "indicator", "scenario_id": "scenario", "assessment_id": "assessment",
    "assignment_id": "assignment", "programme_id": "programme", "programme_ids": "programme", "pair_id": "pair",
    "session_id": "session", "action_id": "action", "goal_id": "goal", "subscription_id": "subscription",
    "behavior_key": "behavior_key", "behavior_keys": "behavior_key", "focus_keys": "behavior_key",
    "metric": "metric_key", "metric_key": "metric_key", "respondent": "respondent", "source": "source",
}
# `ids` (and `key`) name whatever the collection holds
BY_COLLECTION: dict[str, str] = {
    "/v1/objectives": "objective", "/v1/behaviors": "behavior", "/v1/assessments": "assessment",
    "/v1/people": PERSON, "/v1/coach-assignments": "assignment", "/v1/programmes": "programme",
    "/v1/sessions": "session", "/v1/actions": "action", "/v1/goals": "goal",
}
STRING_KINDS = frozenset({"behavior_key", "metric_key", "respondent", "source"})

Slot = tuple[ParameterLocation, tuple[Any, ...], str]  # where, the path inside the container, the kind


def _kind(name: str, operation_path: str) -> str | None:
    if name == "ids":
        return BY_COLLECTION.get(operation_path)
    if name in ("key", "keys"):
        return "metric_key" if operation_path.startswith("/v1/metrics") else "behavior_key"
    return BY_NAME.get(name)


def _fits(kind: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if kind in STRING_KINDS:
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _slots(container: Any, operation_path: str, where: tuple[Any, ...] = (), name: str | None = None
           ) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(container, dict):
        for key, value in container.items():
            yield from _slots(value, operation_path, (*where, key), str(key))
    elif isinstance(container, list):
        for index, value in enumerate(container):
            yield from _slots(value, operation_path, (*where, index), name)
    elif name is not None:
        kind = _kind(name, operation_path)
        if kind is not None and _fits(kind, container):
            yield where, kind


def _set(container: Any, where: tuple[Any, ...], value: Any) -> None:
    for step in where[:-1]:
        container = container[step]
    container[where[-1]] = value


class Run:
    """What the hooks need once the stack runs: the seeded ids and the credentials to draw from."""

    def __init__(self) -> None:
        self.known: Known | None = None
        self.credentials: list[dict[str, str]] = []

    def start(self, stack: Any, known: Known) -> None:
        people = known.people
        self.known = known
        admin = {CREDENTIAL: f"Bearer {stack.admin_key}"}
        # mostly the admin key (a person may not change behaviours or metrics at all), the manager and a
        # seller often enough to go down the paths that decide who sees what
        self.credentials = [admin, admin, admin,
                            {CREDENTIAL: f"Bearer {stack.person_token(people['manager'], 'manager')}"},
                            {CREDENTIAL: f"Bearer {stack.person_token(people['seller'], 'seller')}"}]

    def stop(self) -> None:
        self.known, self.credentials = None, []

    def pool(self, kind: str, method: str) -> list[str]:
        """Seeded values of a kind; a DELETE gets the spare ones, so the rest of the run keeps its objects."""
        known = self.known
        if known is None:
            return []
        if method == "DELETE":
            return known.spare.get(kind) or known.strings.get(f"spare_{kind}") or []
        return known.ids.get(kind) or known.strings.get(kind) or []

    def credential(self, case: Case[Any]) -> dict[str, str]:
        """The credential to send a case with, taken out of the case so that it is sent as an explicit one (the
        `ignored_auth` check then also sends the request without it): the one drawn for the case, else
        (explicit and coverage cases) the admin key."""
        drawn = case.headers.pop(CREDENTIAL, None) if case.headers else None
        return {"Authorization": drawn or self.credentials[0][CREDENTIAL]}


def install(schema: BaseSchema, run: Run) -> None:
    @schema.hook
    def flatmap_case(context: HookContext, case: Case[Any]) -> st.SearchStrategy[Case[Any]]:
        operation_path = case.operation.path
        containers = {ParameterLocation.PATH: case.path_parameters, ParameterLocation.QUERY: case.query,
                      ParameterLocation.BODY: case.body}
        slots: list[Slot] = []
        choices: list[st.SearchStrategy[str | None]] = []
        for location, container in containers.items():
            if container is None or (case.meta is not None and case.meta.is_negative_at(location)):
                continue
            # a DELETE gets spare ids in its path only; what it reads elsewhere must stay
            method = case.method.upper() if location == ParameterLocation.PATH else "GET"
            for where, kind in _slots(container, operation_path):
                values = run.pool(kind, method)
                if values:
                    slots.append((location, where, kind))
                    # a seeded value three times in four; `None` (keep the generated one) first, to shrink to
                    choices.append(st.sampled_from([None, *values * (3 if len(values) == 1 else 2)]))

        def apply(drawn: tuple[Any, ...]) -> Case[Any]:
            credential, *picks = drawn
            for (location, where, _), pick in zip(slots, picks, strict=True):
                if pick is not None:
                    _set(containers[location], where, pick)
            if credential is not None:
                case.headers.update(credential)
            return case

        credentials = st.sampled_from(run.credentials) if run.credentials else st.none()
        return st.tuples(credentials, *choices).map(apply)

    _ = flatmap_case


TALLY: dict[str, Counter[str]] = defaultdict(Counter)


def tally(schema: BaseSchema, service: str) -> None:
    @schema.hook
    def after_call(context: HookContext, case: Case[Any], response: Any) -> None:
        TALLY[service]["requests"] += 1
        TALLY[service][f"{response.status_code // 100}xx"] += 1

    _ = after_call
