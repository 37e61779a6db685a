"""The shared validation layer itself (common/validation.py), and that every service uses it: every request
body is an `Input`, every day or time a query or path parameter takes is range-checked."""

import math
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, get_args

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError

from common.validation import FIRST_DAY, LAST_DAY, Envelope, Input, day_in_range, text_problem, value_problems
from tests.conftest import Stack


class Rung(Input):
    label: str
    on: date | None = None


class Ladder(Input):
    name: str
    rungs: list[Rung] = []
    extra: dict[str, Any] = {}
    score: float = 0.0


def _errors(model: type[BaseModel], data: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [(".".join(map(str, e["loc"])), e["type"]) for e in caught.value.errors()]


def test_text_problems():
    assert text_problem("plain, accents é and emoji 🚀, tabs\t and newlines\n") is None
    assert text_problem("a\x00b") is not None and text_problem("a\ud800b") is not None
    assert text_problem("\udfff") is not None


def test_unstorable_values_are_found_wherever_they_nest():
    found = {loc: code for loc, (code, _), _ in value_problems(
        {"a": ["ok", {"b\x00": 1, "c": [math.nan, {"d": "x\ud83d"}]}], "e": math.inf, "f": 1.5})}
    assert found == {("a", 1, "b\x00"): "unstorable_character", ("a", 1, "c", 0): "finite_number",
                     ("a", 1, "c", 1, "d"): "unstorable_character", ("e",): "finite_number"}


def test_a_deeply_nested_body_does_not_exhaust_the_stack():
    deep: Any = "x\x00"
    for _ in range(50_000):
        deep = [deep]
    assert len(list(value_problems(deep))) == 1


def test_input_refuses_per_field_with_the_path():
    assert _errors(Ladder, {"name": "a\x00", "rungs": [{"label": "ok"}, {"label": "\ud800"}],
                            "extra": {"k": [1, math.nan]}}) == [
        ("name", "unstorable_character"), ("rungs.1.label", "unstorable_character"), ("extra.k.1", "finite_number")]
    assert _errors(Ladder, {"name": "x", "score": "NaN"}) == [("score", "finite_number")]
    assert _errors(Ladder, {"name": "x", "rungs": [{"label": "a", "on": "0001-01-01"}]}) == [
        ("rungs.0.on", "date_out_of_range")]
    ok = Ladder.model_validate({"name": "x", "rungs": [{"label": "a", "on": FIRST_DAY.isoformat()}]})
    assert ok.rungs[0].on == FIRST_DAY


def test_an_envelope_leaves_its_items_to_their_own_validation():
    class Batch(Envelope):
        source: str
        items: list[dict[str, Any]]

    assert Batch.model_validate({"source": "crm", "items": [{"x": "\x00"}]}).items == [{"x": "\x00"}]
    assert _errors(Batch, {"source": "c\x00", "items": []}) == [("source", "unstorable_character")]


def test_days_and_times_in_range():
    assert day_in_range(FIRST_DAY) and day_in_range(LAST_DAY)
    assert not day_in_range(date(1, 1, 1)) and not day_in_range(date(9999, 12, 31))
    assert not day_in_range(datetime.fromisoformat("0001-01-01T00:00:00+14:00"))  # UTC overflows
    assert not day_in_range(datetime.fromisoformat("0002-01-01T00:00:00+14:00"))  # 0001-12-31 in UTC
    assert day_in_range(datetime.fromisoformat("0002-01-01T00:00:00-01:00"))


# ---- every service uses the layer -----------------------------------------------------------------

def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI keeps included routers nested
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def _apps(stack: Stack) -> Iterator[tuple[str, FastAPI]]:
    yield from stack.local.services.items()


def test_every_request_body_is_an_input(stack):
    bodies = [(name, r.path, r.body_field.field_info.annotation) for name, app in _apps(stack)
              for r in _routes(app.routes) if r.body_field is not None]
    assert len(bodies) > 30

    def is_input(kind: Any) -> bool:  # an Input, or an optional one
        kinds = [k for k in get_args(kind) if k is not type(None)] or [kind]
        return all(isinstance(k, type) and issubclass(k, Input) for k in kinds)

    assert [b for b in bodies if not is_input(b[2])] == []


def test_every_day_or_time_parameter_is_range_checked(stack):
    checked, unchecked = 0, []
    for name, app in _apps(stack):
        for route in _routes(app.routes):
            for param in route.dependant.query_params + route.dependant.path_params:
                info = param.field_info
                kind = str(info.annotation)
                if "date" not in kind.lower():
                    continue
                outside = "0001-01-01T00:00:00+14:00" if "datetime" in kind.lower() else "0001-01-01"
                annotated: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
                adapter: TypeAdapter[Any] = TypeAdapter(annotated)
                try:
                    adapter.validate_python(outside)
                except ValidationError:
                    checked += 1
                else:
                    unchecked.append((name, route.path, param.name))
    assert checked > 25 and unchecked == []


def _subclasses(cls: type[Input]) -> Iterator[type[Input]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_day_or_time_field_of_an_input_is_range_checked(stack: Stack) -> None:
    """`Input.dated` is worked out per class from the field types; a type it did not recognise as a day or a
    time would leave that field unchecked."""
    classes = [c for c in set(_subclasses(Input)) if c.__module__.startswith("services.")]
    assert len(classes) > 40
    wrong = {}
    for c in classes:
        mentions = {n for n, f in c.model_fields.items() if "date" in str(f.annotation).lower()}
        if set(c.dated) != mentions:
            wrong[c.__qualname__] = (c.dated, mentions)
    assert wrong == {}
