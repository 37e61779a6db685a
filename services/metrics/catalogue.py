"""What a metric is, the built-in catalogue, and what one piece of evidence contributes to a metric.

Kinds and aggregations:
- activity / count: the number of matching events;
- activity / sum: the sum of a numeric field (`amount`, or `attributes.<name>`) over matching events;
- proficiency / average: that sum divided by the number of matching events that have the field;
- proficiency / ratio: one activity metric's total over a count metric's total in the same window.
An event matches when its type is one of `types` and every filter holds: the attribute equals the value,
or is one of the values of a list (an attribute that is itself a list, such as a coaching session's
`behavior_keys`, matches when any of its elements does). For completions the "type" is the status, the only
attribute is `course_id`, and the numeric field is `score`. Coaching evidence is the facts of coaching
sessions, actions and goals (coaching_facts.py lists their types and attributes).

Every metric but a ratio is kept per person and day as (num, den): count → (1, 0) per event, sum →
(value, 0), average → (value, 1). A ratio is derived at query time from its two metrics' sums.

A family is a metric per value of one attribute, named `<family>:<value>`: `observed_level:discovery` is the
average rubric level observed on the behaviour `discovery` (one coaching fact per observation, its `amount`
the level). Its members need no definition: an event counts for the member its attribute names, and any
`<family>:<value>` key is that member (`Metrics.get`), a metric like the others everywhere a key is read.
"""

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Kind = Literal["activity", "proficiency"]
Aggregation = Literal["count", "sum", "average", "ratio"]
EvidenceSource = Literal["activities", "completions", "coaching"]
Scalar = str | int | float | bool
Contribution = tuple[float, float]


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    kind: Kind
    aggregation: Aggregation
    source: EvidenceSource = "activities"
    types: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[Scalar, ...]], ...] = ()
    field: str | None = None  # amount | score | attributes.<name>
    numerator: str | None = None
    denominator: str | None = None
    description: str = ""
    unit: str = ""  # what a value counts (see `unit_of`)
    builtin: bool = True
    created_at: datetime | None = None
    _attribute: str | None = dataclasses.field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.field is not None and self.field.startswith("attributes."):
            object.__setattr__(self, "_attribute", self.field.removeprefix("attributes."))

    @property
    def stored(self) -> bool:
        """Kept per person and day in metric_daily (every metric but a ratio)."""
        return self.aggregation != "ratio"

    @property
    def parts(self) -> tuple[str, ...]:
        """The stored metrics a value is made of."""
        if self.aggregation == "ratio":
            assert self.numerator is not None and self.denominator is not None
            return (self.numerator, self.denominator)
        return (self.key,)

    def contribution(self, type_: str, attributes: Mapping[str, Any], amount: float | None) -> Contribution | None:
        """What one event adds to (num, den), or None when it does not count for this metric."""
        if type_ not in self.types:
            return None
        for name, values in self.filters:
            if name not in attributes or not _matches(attributes[name], values):
                return None
        if self.aggregation == "count":
            return (1.0, 0.0)
        value = amount if self._attribute is None else _number(attributes.get(self._attribute))
        if value is None:
            return None
        return (value, 1.0 if self.aggregation == "average" else 0.0)


MAX_KEY = 64  # metric_daily.metric_key; a family member whose key would be longer is not kept (nor nameable)
FAMILY_SEPARATOR = ":"


@dataclass(frozen=True)
class Family:
    """Metrics `<key>:<value>`, one per value of `attribute`: each is `template` restricted to the events whose
    attribute is that value (a string)."""

    template: Metric
    attribute: str
    values: re.Pattern[str]  # what a value looks like
    name: str  # with {value}
    description: str  # with {value}

    @property
    def key(self) -> str:
        return self.template.key

    def member_key(self, value: Any) -> str | None:
        """The key of the member an event with this attribute value counts for (None: none)."""
        if not isinstance(value, str) or not self.values.fullmatch(value):
            return None
        key = f"{self.key}{FAMILY_SEPARATOR}{value}"
        return key if len(key) <= MAX_KEY else None

    def member(self, value: str) -> Metric:
        return dataclasses.replace(
            self.template, key=f"{self.key}{FAMILY_SEPARATOR}{value}", name=self.name.format(value=value),
            description=self.description.format(value=value),
            filters=(*self.template.filters, (self.attribute, (value,))))


OBSERVED_LEVEL = Family(
    Metric("observed_level", "Observed level", "proficiency", "average", "coaching", ("behavior_observed",),
           field="amount", unit="rubric level"),
    attribute="behavior_key", values=re.compile(r"[a-z][a-z0-9_.-]{1,63}"), name="Observed level of {value}",
    description="as seller: the sum of the rubric levels coaches observed on '{value}' in your completed sessions / "
                "those observations, on the day held")
FAMILIES: dict[str, Family] = {f.key: f for f in (OBSERVED_LEVEL,)}


def family_member(key: str) -> Metric | None:
    """The member a `<family>:<value>` key names (None when it names none)."""
    family_key, separator, value = key.partition(FAMILY_SEPARATOR)
    family = FAMILIES.get(family_key)
    if not separator or family is None or family.member_key(value) != key:
        return None
    return family.member(value)


def observed_level(behavior_key: str) -> str:
    """The key of the observed level of a behaviour."""
    return f"{OBSERVED_LEVEL.key}{FAMILY_SEPARATOR}{behavior_key}"


def unit_of(m: Metric) -> str:
    """What a value of the metric counts: its own `unit`, else what its aggregation implies."""
    if m.unit:
        return m.unit
    if m.aggregation == "count":
        return "events"
    if m.aggregation == "ratio":
        return f"ratio ({m.numerator} / {m.denominator})"
    return f"{'sum' if m.aggregation == 'sum' else 'mean'} of {m.field}"


def _matches(value: Any, values: tuple[Scalar, ...]) -> bool:
    if isinstance(value, list):
        return any(_same(element, v) for element in value for v in values)
    return any(_same(value, v) for v in values)


def _same(a: Any, b: Scalar) -> bool:
    """JSON equality: booleans only equal booleans, numbers compare as numbers, strings as strings."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return isinstance(a, str) and isinstance(b, str) and a == b


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _count(key: str, name: str, *types: str, filters: Sequence[tuple[str, tuple[Scalar, ...]]] = (),
           source: EvidenceSource = "activities", description: str = "", unit: str = "") -> Metric:
    return Metric(key, name, "activity", "count", source, types, tuple(filters), description=description, unit=unit)


def _coaching_count(key: str, name: str, type_: str, description: str, *,
                    filters: Sequence[tuple[str, tuple[Scalar, ...]]] = ()) -> Metric:
    return _count(key, name, type_, filters=filters, source="coaching", description=description, unit="sessions")


def _coaching_average(key: str, name: str, type_: str, field: str, description: str, unit: str) -> Metric:
    return Metric(key, name, "proficiency", "average", "coaching", (type_,), field=field, description=description,
                  unit=unit)


def _rating(dimension: str, question: str) -> Metric:
    return _coaching_average(f"coaching_rating_{dimension}", f"Coaching rated {dimension} (by sellers)",
                             "session_rated", f"attributes.{dimension}",
                             f"as coach: sum of the sellers' '{dimension}' ratings ({question}) / sessions held and "
                             "rated, on the day held", "rating 1-5")


# Coaching metrics: the coach's are credited to the coach, the seller's to the seller (coaching_facts.py).
COACHING: tuple[Metric, ...] = (
    _coaching_count("coaching_sessions_held", "Coaching sessions held", "session_held",
                    "as coach: sessions completed, on the day held"),
    _coaching_count("coaching_sessions_planned", "Coaching sessions planned", "session_planned",
                    "as coach: sessions scheduled for the day, whatever became of them"),
    _coaching_count("coaching_sessions_cancelled", "Coaching sessions cancelled", "session_cancelled",
                    "as coach: sessions cancelled, on the day they were scheduled for"),
    _coaching_count("coaching_no_shows", "Coaching sessions missed (no-show)", "session_no_show",
                    "as coach: sessions marked no-show, on the day they were scheduled for"),
    _rating("relevant", "was it relevant to my work"),
    _rating("developmental", "did it develop me"),
    _rating("motivational", "did it motivate me"),
    _coaching_count("coaching_sessions_with_action", "Coaching sessions ending with an agreed action",
                    "session_held", "as coach: sessions held that ended with at least one agreed action",
                    filters=[("has_agreed_action", (True,))]),
    Metric("coaching_action_share", "Share of coaching sessions ending with an agreed action", "proficiency",
           "ratio", numerator="coaching_sessions_with_action", denominator="coaching_sessions_held",
           description="coaching_sessions_with_action / coaching_sessions_held", unit="share 0-1"),
    _coaching_average("coaching_actions_on_time", "Coachees' actions done on time", "action_due", "amount",
                      "as coach: actions agreed in your sessions that were done by their due day / actions due "
                      "(dropped actions left out), on the due day", "share 0-1"),
    _count("coaching_goals_agreed", "Coaching goals agreed", "goal_agreed", source="coaching",
           description="as coach: goals both parties agreed to, on the day first agreed (revisions do not count "
                       "again)", unit="goals"),
    _coaching_count("coaching_programme_sessions_held", "Programme coaching sessions held", "programme_session_held",
                    "as coach: sessions completed with the seller of one of your programme pairs, in that programme "
                    "(the session names it), on a day held (UTC) that the pair is in the programme: max(joined_on, "
                    "programme starts_on) <= day <= min(left_on - 1, programme ends_on)"),
    Metric("coaching_sessions_expected", "Programme coaching sessions expected", "activity", "sum", "coaching",
           ("session_expected",), field="amount",
           description="as coach: for each of your programme pairs and each day it is in the programme (up to "
                       "today), 1 / the programme's cadence_days (a weekly programme expects 1 session per 7 days)",
           unit="sessions"),
    Metric("coaching_cadence_kept", "Cadence kept (programme sessions held / expected)", "proficiency", "ratio",
           numerator="coaching_programme_sessions_held", denominator="coaching_sessions_expected",
           description="coaching_programme_sessions_held / coaching_sessions_expected over the window: held ÷ "
                       "expected for your programme pairs (above 1 when more were held than the cadence asks)",
           unit="ratio held / expected"),
    _coaching_count("coaching_sessions_received", "Coaching sessions received", "session_received",
                    "as seller: sessions completed with you, on the day held"),
    _coaching_average("actions_on_time", "Own actions done on time", "own_action_due", "amount",
                      "as seller: your agreed actions done by their due day / actions due (dropped actions left "
                      "out), on the due day", "share 0-1"),
)


CATALOGUE: dict[str, Metric] = {m.key: m for m in (
    _count("calls", "Calls", "call"),
    _count("emails", "Emails", "email"),
    _count("meetings", "Meetings", "meeting"),
    _count("c_level_meetings", "C-level meetings", "meeting", filters=[("contact_level", ("c_level",))]),
    _count("demos", "Demos", "demo"),
    _count("proposals", "Proposals", "proposal"),
    _count("visits", "Visits", "visit"),
    _count("opportunities_created", "Opportunities created", "opportunity_created"),
    _count("wins", "Opportunities won", "opportunity_won"),
    _count("losses", "Opportunities lost", "opportunity_lost"),
    _count("closed_opportunities", "Opportunities closed (won or lost)", "opportunity_won", "opportunity_lost"),
    Metric("won_amount", "Amount won", "activity", "sum", "activities", ("opportunity_won",), field="amount"),
    Metric("win_rate", "Win rate", "proficiency", "ratio", numerator="wins", denominator="closed_opportunities",
           description="wins / (wins + losses)"),
    Metric("avg_deal_size", "Average deal size", "proficiency", "average", "activities", ("opportunity_won",),
           field="amount", description="average amount of won opportunities that carry an amount"),
    Metric("proposal_to_win", "Proposal to win", "proficiency", "ratio", numerator="wins", denominator="proposals",
           description="wins / proposals"),
    _count("training_completions", "Training completions", "completed", "passed", source="completions"),
    *COACHING,
)}


@dataclass(frozen=True)
class Metrics:
    """The metrics of one tenant: the catalogue plus its own definitions."""

    by_key: dict[str, Metric]

    @classmethod
    def of(cls, defined: Iterable[Metric]) -> "Metrics":
        return cls({**CATALOGUE, **{m.key: m for m in defined}})

    def get(self, key: str) -> Metric | None:
        """The metric of this key: the catalogue's, the tenant's, or a family's member (`observed_level:x`)."""
        found = self.by_key.get(key)
        return found if found is not None else family_member(key)

    def families(self, source: EvidenceSource) -> list[Family]:
        return [f for f in FAMILIES.values() if f.template.source == source]

    def stored(self, source: EvidenceSource) -> list[Metric]:
        return [m for m in self.by_key.values() if m.stored and m.source == source]

    def by_type(self, source: EvidenceSource) -> dict[str, list[Metric]]:
        """The stored metrics each event type can count for (what ingest consults per event)."""
        out: dict[str, list[Metric]] = {}
        for m in self.stored(source):
            for t in m.types:
                out.setdefault(t, []).append(m)
        return out
