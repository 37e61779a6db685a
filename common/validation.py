"""The validation layer every service shares: what no service stores or computes with, checked at the boundary.

Refused (never stripped or replaced: a changed value would be stored as if the caller had sent it), per
field, on SQLite and PostgreSQL alike (docs/api.md, "What input is refused"):
- text holding NUL (U+0000) — PostgreSQL's text and jsonb cannot hold it — or a lone surrogate
  (U+D800 to U+DFFF) — not encodable in UTF-8, so no driver can send it; in any string of a body, nested
  free-form JSON (its keys too), a query parameter or a path;
- numbers that are not finite (NaN, Infinity: Python's JSON parser accepts them, JSON has no such value);
- days and times outside FIRST_DAY..LAST_DAY (a time taken in UTC): every date computation (previous
  period, windows before and after a day, the day after a range) needs room on either side.

`Input` applies the first two to the raw JSON of every request body (and of every batch item, validated
one by one) and the third to the validated values; `Day` and `Moment` are the date and time types of query
parameters; `check_request` checks every query parameter and path (installed on every service app).
"""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from itertools import islice
from typing import Annotated, Any, ClassVar, get_args

import pydantic_core
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    FutureDate,
    FutureDatetime,
    ModelWrapValidatorHandler,
    NaiveDatetime,
    PastDate,
    PastDatetime,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from common.errors import NotFound

FIRST_DAY = date(2, 1, 1)
LAST_DAY = date(9998, 12, 31)
MAX_REPORTED = 20  # problems listed per body or item; the rest are left out of the answer
Loc = tuple[str | int, ...]

NUL = ("unstorable_character", "must not contain the NUL character (U+0000)")
SURROGATE = ("unstorable_character", "must not contain a lone surrogate (U+D800 to U+DFFF); send valid UTF-8")
NOT_FINITE = ("finite_number", "must be a finite number (NaN and Infinity are not numbers in JSON)")
OUT_OF_RANGE = ("date_out_of_range", f"must fall between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()} (UTC)")


def text_problem(text: str) -> tuple[str, str] | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return NUL
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE
    return None


def value_problems(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, tuple[str, str], Any]]:
    """Every unstorable string (dict keys too) and non-finite number in parsed JSON, with where it is.
    Iterative, so a deeply nested body cannot exhaust the stack here."""
    stack: list[tuple[Loc, Any]] = [(loc, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            if (found := text_problem(v)) is not None:
                yield where, found, v
        elif isinstance(v, float):
            if not math.isfinite(v):
                yield where, NOT_FINITE, v
        elif isinstance(v, dict):
            items = list(v.items())
            for key, item in reversed(items):
                if isinstance(key, str) and (found := text_problem(key)) is not None:
                    yield (*where, key), (found[0], f"key {found[1]}"), key
                stack.append(((*where, key), item))
        elif isinstance(v, list | tuple):
            stack.extend(((*where, i), item) for i, item in reversed(list(enumerate(v))))


def unstorable(value: Any) -> Iterator[tuple[Loc, tuple[str, str], Any]]:
    """`value_problems`, after the fast look that finds none in the usual body."""
    return iter(()) if _plainly_clean(value) else value_problems(value)


def _plainly_clean(data: Any) -> bool:
    """The fast look (one pass in Rust): JSON text with no NUL escape and no NaN or Infinity constant cannot
    hold a problem. A lone surrogate makes the encoding fail; that, or a string that merely reads "NaN", is
    left to the close look (`value_problems`)."""
    try:
        text = pydantic_core.to_json(data)
    except Exception:  # a lone surrogate, or a value JSON has no form for
        return False
    return b"\\u0000" not in text and b"NaN" not in text and b"Infinity" not in text


DAY_MARKERS = (AwareDatetime, NaiveDatetime, PastDate, FutureDate, PastDatetime, FutureDatetime)


def _may_hold_days(kind: Any, seen: set[Any] | None = None) -> bool:
    """Whether a field of this type can hold a date or datetime (outside a nested `Input`, which checks its own)."""
    seen = set() if seen is None else seen
    if kind in seen:
        return False
    seen.add(kind)
    if isinstance(kind, type):
        if issubclass(kind, date) or kind in DAY_MARKERS:
            return True
        if issubclass(kind, BaseModel):
            return not issubclass(kind, Input) and any(_may_hold_days(f.annotation, seen)
                                                       for f in kind.model_fields.values())
    return any(_may_hold_days(arg, seen) for arg in get_args(kind))


def day_in_range(day: date) -> bool:
    if isinstance(day, datetime):
        if FIRST_DAY < day.date() < LAST_DAY:  # a day inside: any offset keeps it in range in UTC
            return True
        try:
            day = day.astimezone(UTC).date() if day.tzinfo is not None else day.date()
        except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
            return False
    return FIRST_DAY <= day <= LAST_DAY


def _dated_problems(value: Any, loc: Loc) -> Iterator[tuple[Loc, tuple[str, str], Any]]:
    """Days and times out of range among a model's own validated values (nested `Input`s check their own)."""
    if isinstance(value, date):
        if not day_in_range(value):
            yield loc, OUT_OF_RANGE, value.isoformat()
    elif isinstance(value, Input):
        return
    elif isinstance(value, BaseModel):
        for name, item in value.__dict__.items():
            yield from _dated_problems(item, (*loc, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _dated_problems(item, (*loc, key))
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            yield from _dated_problems(item, (*loc, i))


def _raise(title: str, found: Iterator[tuple[Loc, tuple[str, str], Any]]) -> None:
    errors = [InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=value)
              for (loc, (code, message), value) in islice(found, MAX_REPORTED)]
    if errors:
        raise ValidationError.from_exception_data(title, errors)


_walking: ContextVar[bool] = ContextVar("uplift_validation_walking", default=False)


class Input(BaseModel):
    """A request body (or one item of a batch): unknown fields are refused, not ignored; NaN and Infinity
    are refused in typed fields and in free-form JSON; unstorable text is refused anywhere in it; days and
    times must lie in FIRST_DAY..LAST_DAY. The raw JSON is walked once, by the outermost `Input`."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    unchecked: ClassVar[frozenset[str]] = frozenset()  # top-level fields whose raw JSON is left to others
    dated: ClassVar[tuple[str, ...]] = ()  # the fields that may hold days or times (set per class)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.dated = tuple(name for name, f in cls.model_fields.items() if _may_hold_days(f.annotation))

    @model_validator(mode="wrap")
    @classmethod
    def _boundary(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if _walking.get() or not isinstance(data, dict):
            model = handler(data)
        else:
            checked = {k: v for k, v in data.items() if k not in cls.unchecked} if cls.unchecked else data
            if not _plainly_clean(checked):
                _raise(cls.__name__, value_problems(checked))
            token = _walking.set(True)
            try:
                model = handler(data)
            finally:
                _walking.reset(token)
        values = model.__dict__
        for name in cls.dated:
            value = values[name]
            if value is None or (isinstance(value, date) and day_in_range(value)):
                continue  # the usual cases, without building a generator
            _raise(cls.__name__, (p for name in cls.dated for p in _dated_problems(values[name], (name,))))
        return model


@contextmanager
def looked_at_whole(items: Any) -> Iterator[None]:
    """Many items' raw JSON looked at in one pass (a batch's items before they are validated together): when the
    fast look finds nothing anywhere, the items' own `Input` validation skips its look (one Rust pass for the
    batch instead of one per item); otherwise each item looks at its own, as without this. Days and times are
    still checked per item."""
    if not _plainly_clean(items):
        yield
        return
    token = _walking.set(True)
    try:
        yield
    finally:
        _walking.reset(token)


class Envelope(Input):
    """A batch's `{"items": [...]}`: the items are left for their own validation, one by one, so one bad
    item is reported and the rest go on."""

    unchecked = frozenset({"items"})


def _day(value: date) -> date:
    if not day_in_range(value):
        raise PydanticCustomError(*OUT_OF_RANGE)
    return value


Day = Annotated[date, AfterValidator(_day)]
"""A day a query parameter names, within FIRST_DAY..LAST_DAY."""
Moment = Annotated[AwareDatetime, AfterValidator(_day)]
"""A time with its offset that a query parameter names, within FIRST_DAY..LAST_DAY once taken in UTC."""


async def check_request(request: Request) -> None:
    """Every query parameter and the path of a request, before its handler runs: unstorable text in a query
    parameter is a 422 naming it; in the path it names nothing that can exist, so 404."""
    if text_problem(request.scope["path"]) is not None:  # what `request.url.path` holds, without building a URL
        raise NotFound("No resource has a path with this character.")
    if not request.scope.get("query_string"):
        return
    errors = []
    for name, value in request.query_params.multi_items():
        found = text_problem(value) or text_problem(name)
        if found is not None:
            errors.append({"type": found[0], "loc": ("query", name), "msg": found[1], "input": value})
    if errors:
        raise RequestValidationError(errors[:MAX_REPORTED])


def employment_in_order(model: Any) -> Any:
    """A model validator for a person's employment dates: nobody leaves before they were hired."""
    hired, left = getattr(model, "hired_on", None), getattr(model, "left_on", None)
    if hired is not None and left is not None and left < hired:
        raise ValueError(f"left_on ({left}) must not be before hired_on ({hired})")
    return model


def distinct(values: list[str] | None) -> list[str] | None:
    """A field validator for lists whose values must not repeat."""
    if values is not None and len(set(values)) != len(values):
        raise ValueError("values must not repeat")
    return values
