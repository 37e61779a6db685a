"""Deliveries connect to exactly the address the policy checked: a name is resolved once per connection, every
answer checked, and the connection made to the checked answers — a DNS answer that turns inward after the check
(rebinding) never reaches a local server. TLS still names and verifies the hostname; Host is the URL's."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.coaching.webhooks import policy
from services.coaching.webhooks.transport import pinned_client
from tests.coaching.webhooks.helpers import completed_session, deliverer, log_of, logged, subscribe
from tests.coaching.webhooks.receiver import Receiver, receiver
from tests.coaching.webhooks.tls import Tls, tls_for

HOST = "hooks.example.test"
PUBLIC = "93.184.216.34"  # public: the policy lets it through; nothing of ours listens there
TIMEOUT = httpx.Timeout(3.0)  # only bounds how long the connection to PUBLIC may fail


@pytest.fixture
def tls(tmp_path: Path) -> Tls:
    return tls_for(tmp_path, HOST)


@pytest.fixture
async def https_rx(tls: Tls) -> AsyncIterator[Receiver]:
    async with receiver(tls.server, host=HOST) as r:
        yield r


async def test_a_name_rebound_after_the_check_does_not_reach_a_local_server(dns, tls, https_rx):
    dns.set(HOST, [PUBLIC], ["127.0.0.1"])  # public when checked, loopback afterwards
    async with pinned_client(development=False, timeout=TIMEOUT, verify=tls.client) as client:
        with pytest.raises((httpx.HTTPError, TimeoutError)):
            await client.post(https_rx.url, content=b"{}")
    assert https_rx.received == [] and tls.sni == []  # nothing reached the local server, not even a handshake
    assert dns.asked == [HOST]  # resolved once: the connection went to the checked answer


@pytest.mark.parametrize("answer", [["127.0.0.1"], [PUBLIC, "127.0.0.1"], ["::ffff:127.0.0.1"], ["2002:7f00:1::1"]])
async def test_a_name_answering_inward_is_refused_at_the_connection(dns, tls, https_rx, answer):
    dns.set(HOST, answer)
    async with pinned_client(development=False, timeout=TIMEOUT, verify=tls.client) as client:
        with pytest.raises(policy.UrlRefused) as refused:
            await client.post(https_rx.url, content=b"{}")
    assert refused.value.code == "private_address"
    assert https_rx.received == [] and tls.sni == []


async def test_tls_names_and_verifies_the_hostname_and_host_is_kept(dns, tls, https_rx, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # a proxy would connect unchecked: never used
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    dns.set(HOST, ["127.0.0.1"])
    dns.set("other.example.test", ["127.0.0.1"])  # the same server, a name its certificate does not carry
    async with pinned_client(development=True, timeout=TIMEOUT, verify=tls.client) as client:
        r = await client.post(https_rx.url, content=b'{"ok": true}')
        assert r.status_code == 200
        with pytest.raises(httpx.HTTPError) as wrong_name:
            await client.post(https_rx.url.replace(HOST, "other.example.test"), content=b"{}")
    assert "certificate" in str(wrong_name.value).lower() or "hostname" in str(wrong_name.value).lower()
    [got] = https_rx.received
    assert got.headers["host"] == f"{HOST}:{https_rx.port}" and got.body == '{"ok": true}'
    assert tls.sni[0] == HOST and tls.sni[1] == "other.example.test"


async def test_deliveries_are_pinned_end_to_end(hooks, dev_stack, dns, tls, https_rx):
    c, _ = hooks
    sub = await subscribe(c, https_rx.url, "action.created")  # saved in development: no check then
    await completed_session(c)
    await logged(c, sub, 1)
    dns.set(HOST, [PUBLIC], ["127.0.0.1"])
    now = [datetime.now(UTC)]
    sent = deliverer(dev_stack, lambda: now[0], development=False, timeout=3.0, connect_timeout=3.0,
                     verify=tls.client)
    try:
        assert await sent.run_once() == 1
        [d] = await log_of(c, sub)
        assert (d["status"], d["attempts"], d["last_status_code"]) == ("pending", 1, None) and d["last_error"]
        now[0] += timedelta(minutes=1)
        assert await sent.run_once() == 1  # the name now answers 127.0.0.1 at once: refused
        [d] = await log_of(c, sub)
        assert d["attempts"] == 2 and d["last_error"].startswith("refused: The host 'hooks.example.test' resolves")
        assert "127.0.0.1" in d["last_error"]
    finally:
        await sent.stop()
    assert https_rx.received == [] and tls.sni == []
