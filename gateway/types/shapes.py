"""GraphQL object types that present a service's wire shape: one definition of each shape, checked at import.

A service's responses are defined once, as the pydantic `…Out` models of its `schemas` module. The gateway does
not copy them field by field into parsers: a resolver validates the service's JSON into that model (pydantic-core,
in Rust) and hands the model instance to GraphQL as the object's value; strawberry reads its attributes by name.
The GraphQL type says which model it presents:

    @presents(ObjectiveOut)
    @strawberry.type
    class Objective:
        id: strawberry.ID
        name: str
        ...

and `presents` checks, when the module is imported (so when the schema is built, and in every test run), that every
plain data field of the type is a field of the model, and that a field the model may leave null is nullable in
GraphQL. A field renamed or dropped in the service's schema is then an error at start, not a silent null in
production. Fields with a resolver (computed from the model, or loaded) are not checked: their code reads the model's
attributes, which mypy checks where the resolver takes the model as `strawberry.Parent[Model]`.

`shown(Type, data)` turns a service's JSON into the value a field of `Type` returns; `is_type_of` lets unions
(`BehaviorResult = Behavior | NotFound | …`) recognise the model instance as `Type`.

`PresentingExecutionContext` (the schema's execution context) answers graphql-core's "is this value awaitable?",
asked of every field's value and every list item, without a missing-attribute lookup on model instances: on a
pydantic model `hasattr(value, "__await__")` goes through `BaseModel.__getattr__`, which builds an exception in
Python (~5 µs, 200 times on a list of 50 behaviours with their indicators, scenarios and objective; a plain object's
miss is ~0.15 µs).
"""

import types
import typing
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryOptional, has_object_definition

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_MODEL = "__uplift_presents__"


def _nullable(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _nullable(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(arg is type(None) or _nullable(arg) for arg in typing.get_args(annotation))
    return annotation is None or annotation is type(None)


def shape_problems(cls: type, model: type[BaseModel]) -> list[str]:
    """Where the GraphQL type `cls` does not present `model`: data fields the model lacks, and fields the model may
    leave null that GraphQL declares non-null."""
    if not has_object_definition(cls):
        return [f"{cls.__name__} is not a strawberry type (put @presents above @strawberry.type)"]
    problems: list[str] = []
    for field in cls.__strawberry_definition__.fields:
        if field.base_resolver is not None:
            continue
        name = field.python_name
        found = model.model_fields.get(name)
        if found is None:
            problems.append(f"{cls.__name__}.{name} is not a field of {model.__name__}")
        elif _nullable(found.annotation) and not isinstance(field.type, StrawberryOptional):
            problems.append(f"{cls.__name__}.{name} is non-null, but {model.__name__}.{name} may be null")
    return problems


def presents(model: type[M], when: Callable[[M], bool] | None = None) -> Callable[[type[T]], type[T]]:
    """Class decorator (above `@strawberry.type`): the type's values are instances of `model`; checked now.
    `when` tells two types presenting the same model apart (members of one union): the instances it accepts."""

    def decorate(cls: type[T]) -> type[T]:
        problems = shape_problems(cls, model)
        if problems:
            raise TypeError("; ".join(problems))
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        if when is None:  # asked of every object GraphQL completes: the exact model first (isinstance on a model
            # class goes through ABCMeta)
            definition.is_type_of = lambda obj, _info: type(obj) is model or isinstance(obj, (cls, model))
        else:
            definition.is_type_of = lambda obj, _info: isinstance(obj, cls) or (isinstance(obj, model) and when(obj))
        setattr(cls, _MODEL, model)
        return cls

    return decorate


def model_of(cls: type) -> type[BaseModel]:
    found = getattr(cls, _MODEL, None)
    if found is None:
        raise TypeError(f"{cls.__name__} presents no service model (@presents)")
    return cast(type[BaseModel], found)


def shown(cls: type[T], data: Any) -> T:
    """A service's JSON object as the value of a `cls` field: validated into the model `cls` presents (an instance
    of the model, e.g. from a loader that validated it, is taken as it is). Typed as `cls` for the schema's
    annotations; GraphQL reads the model's attributes."""
    return cast(T, model_of(cls).model_validate(data))


def shown_all(cls: type[T], items: Iterable[Any]) -> list[T]:
    model = model_of(cls)
    return [cast(T, model.model_validate(item)) for item in items]


_NEVER_AWAITABLE: set[type] = {str, int, float, bool, type(None), list, dict, uuid.UUID, date, datetime}


def is_awaitable(value: Any) -> bool:
    """graphql-core's question, answered at once for plain values and pydantic models (never awaitable)."""
    kind = type(value)
    if kind in _NEVER_AWAITABLE:
        return False
    if isinstance(value, BaseModel):
        _NEVER_AWAITABLE.add(kind)  # a model class: the set grows by the few the services answer with
        return False
    return optimized_is_awaitable(value)


class PresentingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with `is_awaitable` above (strawberry passes its own to every execution)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]
