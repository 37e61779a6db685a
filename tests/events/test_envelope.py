"""The envelope and topic rules, without any database or broker."""

import uuid
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from common.events import Event
from common.events.bus import Retry, check_subscription, matches
from common.events.jetstream import _common_prefix


def test_json_round_trip_and_payload_normalised():
    ref, tenant = uuid.uuid4(), uuid.uuid4()
    event = Event.new(tenant_id=tenant, topic="coaching.person.upserted", entity_id=ref, entity_version=3,
                      payload={"manager": ref, "since": date(2026, 1, 2), "names": ("a", "b")})
    assert event.entity_id == str(ref)
    assert event.payload == {"manager": str(ref), "since": "2026-01-02", "names": ["a", "b"]}
    assert Event.from_json(event.to_json()) == event
    assert event.id.version == 7 and event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("topic", ["", "person", "Coaching.person", "coaching..person", "coaching.>", "a.*.b",
                                   "a b.c"])
def test_topics_are_plain_dotted_words(topic):
    with pytest.raises(ValidationError):
        Event(id=uuid.uuid4(), tenant_id=uuid.uuid4(), topic=topic, entity_id="x", entity_version=0,
              occurred_at=datetime.now(UTC), payload={})


def test_envelope_refuses_naive_times_negative_versions_and_unknown_fields():
    base = {"id": str(uuid.uuid4()), "tenant_id": str(uuid.uuid4()), "topic": "a.b", "entity_id": "x",
            "entity_version": 1, "occurred_at": "2026-01-01T00:00:00Z", "payload": {}}
    Event.model_validate(base)
    for change in ({"occurred_at": "2026-01-01T00:00:00"}, {"entity_version": -1}, {"extra": 1}):
        with pytest.raises(ValidationError):
            Event.model_validate({**base, **change})


@pytest.mark.parametrize(("pattern", "topic", "expected"), [
    ("coaching.person.upserted", "coaching.person.upserted", True),
    ("coaching.person.upserted", "coaching.person.deleted", False),
    ("coaching.*.upserted", "coaching.person.upserted", True),
    ("coaching.*", "coaching.person.upserted", False),
    ("coaching.>", "coaching.person.upserted", True),
    ("coaching.>", "coaching", False),
    (">", "behaviors.behavior.published", True),
    ("coaching.person", "coaching.person.upserted", False),
])
def test_topic_patterns_match_like_nats_subjects(pattern, topic, expected):
    assert matches(pattern, topic) is expected


def test_subscriptions_are_checked():
    assert check_subscription("metrics-people", ["coaching.person.*", "coaching.>"])
    for durable, topics in (("has.dot", ["a.b"]), ("", ["a.b"]), ("ok", []), ("ok", ["a.>.b"]), ("ok", ["A.b"])):
        with pytest.raises(ValueError):
            check_subscription(durable, topics)


def test_one_filter_subject_covers_several_topics():
    assert _common_prefix(["coaching.person.upserted", "coaching.line.changed"]) == "coaching.>"
    assert _common_prefix(["coaching.person.upserted", "coaching.person"]) == "coaching.>"
    assert _common_prefix(["coaching.person.*", "behaviors.behavior.published"]) == ">"
    assert _common_prefix(["coaching.*.upserted", "coaching.person.x"]) == "coaching.>"


def test_retry_delays_grow_then_repeat_the_last():
    retry = Retry(max_deliver=6, delays=(0.1, 1.0))
    assert [retry.delay(n) for n in range(1, 5)] == [0.1, 1.0, 1.0, 1.0]
