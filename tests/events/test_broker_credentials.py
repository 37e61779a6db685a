"""A broker URL's credentials never reach a log: an unreachable broker is reported by host and error only."""

import logging

import pytest

from common.events.jetstream import JetStreamBus
from common.redact import redact_text, redact_url
from common.service_app import EventRuntime

PASSWORD, TOKEN = "s3cr3t-Broker-pw", "tok-9f8e7d6c5b4a"


@pytest.mark.parametrize(("url", "shown"), [
    ("nats://uplift:pw@nats:4222", "nats://***@nats:4222"),
    ("nats://token@nats:4222", "nats://***@nats:4222"),
    ("nats://nats:4222", "nats://nats:4222"),
    ("nats://a:b@h1:4222,nats://c:d@h2:4222", "nats://***@h1:4222,nats://***@h2:4222"),
    ("tls://u:p@h:4222/path@x", "tls://***@h:4222/path@x"),
])
def test_redact_url_keeps_hosts_and_hides_userinfo(url, shown):
    assert redact_url(url) == shown


def test_redact_text_hides_the_password_or_token_wherever_it_is_quoted():
    url = f"nats://uplift:{PASSWORD}@h:4222,nats://{TOKEN}@g:4222"
    text = redact_text(f"connect {url} failed: auth {PASSWORD!r} / {TOKEN}", url)
    assert PASSWORD not in text and TOKEN not in text and "h:4222" in text and "g:4222" in text


@pytest.mark.parametrize("url", [f"nats://uplift:{PASSWORD}@127.0.0.1:1", f"nats://{TOKEN}@127.0.0.1:1"])
async def test_an_unreachable_broker_is_logged_without_its_credentials(url, caplog):
    caplog.set_level(logging.DEBUG)
    bus = JetStreamBus(url, connect_timeout=1.0)
    with pytest.raises(ConnectionError) as raised:
        await bus.start()
    assert "127.0.0.1:1" in str(raised.value) and PASSWORD not in str(raised.value) and TOKEN not in str(raised.value)

    runtime = EventRuntime(JetStreamBus(url, connect_timeout=1.0), [])
    await runtime.start()  # logs the outage and keeps trying in the background
    await runtime.stop()
    outage = [r.getMessage() for r in caplog.records if r.getMessage().startswith("events: NATS at")]
    assert outage and "nats://***@127.0.0.1:1 is unreachable" in outage[0]
    for record in caplog.records:
        logged = caplog.handler.format(record)
        assert PASSWORD not in logged and TOKEN not in logged, logged
