"""Where webhooks may point, and signatures the reference Standard Webhooks library verifies."""

import ipaddress
import json
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.coaching.webhooks import policy, signing

# (address, why it is not public — None when it is public)
ADDRESSES = [
    # IPv4: public
    ("8.8.8.8", None), ("1.1.1.1", None), ("93.184.216.34", None), ("172.15.255.255", None), ("172.32.0.1", None),
    ("100.63.255.255", None), ("100.128.0.1", None), ("192.0.1.1", None), ("198.20.0.1", None),
    # IPv4: not public (ipaddress calls multicast and 192.88.99.0/24 global)
    ("127.0.0.1", "not a public IPv4"), ("10.1.2.3", "not a public IPv4"), ("172.16.5.4", "not a public IPv4"),
    ("192.168.0.10", "not a public IPv4"), ("169.254.169.254", "not a public IPv4"),
    ("100.64.0.1", "not a public IPv4"), ("0.0.0.0", "not a public IPv4"), ("0.1.2.3", "not a public IPv4"),
    ("192.0.0.170", "not a public IPv4"), ("192.0.2.1", "not a public IPv4"), ("198.51.100.7", "not a public IPv4"),
    ("203.0.113.9", "not a public IPv4"), ("198.18.0.1", "not a public IPv4"), ("192.88.99.1", "not a public IPv4"),
    ("224.0.0.1", "not a public IPv4"), ("239.255.255.250", "not a public IPv4"), ("240.0.0.1", "not a public IPv4"),
    ("255.255.255.255", "not a public IPv4"),
    # IPv6: public
    ("2001:4860:4860::8888", None), ("2606:4700:4700::1111", None), ("2a00:1450:4001:80b::200e", None),
    ("::ffff:8.8.8.8", None),  # IPv4-mapped: the IPv4 it is
    ("64:ff9b::808:808", None),  # NAT64 well-known prefix onto 8.8.8.8
    ("2002:808:808::1", None),  # 6to4 of 8.8.8.8
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", None),  # Teredo: server 65.54.227.120, client 8.8.8.8
    # IPv6: the usual non-global ranges (ipaddress calls fec0::/10, 3fff::/20 and ff0e::/16 global)
    ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("fc00::1", "unique local"), ("fd12:3456::1", "unique local"), ("fec0::1", "site-local"),
    ("ff02::1", "multicast"), ("ff0e::1", "multicast"), ("100::1", "discard-only"),
    ("2001:db8::1", "not a public IPv6"), ("3fff::1", "not a public IPv6"), ("2001:2::1", "not a public IPv6"),
    ("2001:20::1", "not a public IPv6"), ("4000::1", "not a public IPv6"), ("5f00::1", "not a public IPv6"),
    # IPv6 forms that embed a non-public IPv4
    ("::ffff:127.0.0.1", "127.0.0.1 is not a public IPv4"), ("::ffff:a00:1", "10.0.0.1 is not a public IPv4"),
    ("::ffff:169.254.169.254", "169.254.169.254 is not a public IPv4"),
    ("2002:7f00:1::1", "6to4 address embedding 127.0.0.1"), ("2002:a00:1::1", "6to4 address embedding 10.0.0.1"),
    ("2002:a9fe:a9fe::1", "6to4 address embedding 169.254.169.254"),
    ("2002:c0a8:1:1::1", "6to4 address embedding 192.168.0.1"),
    ("64:ff9b::7f00:1", "NAT64 address embedding 127.0.0.1"),
    ("64:ff9b::a9fe:a9fe", "NAT64 address embedding 169.254.169.254"),
    ("64:ff9b:1::7f00:1", "NAT64 local-use"), ("64:ff9b:1::808:808", "NAT64 local-use"),
    ("::127.0.0.1", "IPv4-compatible address (embeds 127.0.0.1)"), ("::8.8.8.8", "IPv4-compatible"),
    ("::ffff:0:7f00:1", "IPv4-translated address (embeds 127.0.0.1)"), ("::ffff:0:808:808", "IPv4-translated"),
    # Teredo 2001:0:SSSS:SSSS:flags:port:~CCCC:~CCCC
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo address embedding 127.0.0.1"),  # client 127.0.0.1
    ("2001:0:a00:1:8000:63bf:f7f7:f7f7", "Teredo address embedding 10.0.0.1"),  # server 10.0.0.1
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo address embedding 192.0.2.45"),  # RFC 4380's example
    ("not-an-ip", "not an IP address"),
]


@pytest.mark.parametrize(("address", "why"), ADDRESSES)
def test_which_addresses_are_public(address, why):
    refusal = policy.refusal(address)
    if why is None:
        assert refusal is None and policy.public(address)
    else:
        assert refusal is not None and why in refusal and not policy.public(address)


def _teredo(server: str, client: str) -> str:
    """A Teredo address built from the RFC 4380 layout, independently of ipaddress's decoder."""
    s, c = int(ipaddress.IPv4Address(server)), int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF
    return str(ipaddress.IPv6Address((0x20010000 << 96) | (s << 64) | (0x8000_63BF << 32) | c))


@pytest.mark.parametrize(("server", "client", "inward"), [
    ("65.54.227.120", "8.8.8.8", None), ("65.54.227.120", "127.0.0.1", "127.0.0.1"),
    ("65.54.227.120", "192.168.1.20", "192.168.1.20"), ("10.0.0.1", "8.8.8.8", "10.0.0.1"),
    ("169.254.169.254", "1.1.1.1", "169.254.169.254"),
])
def test_teredo_is_judged_by_both_embedded_addresses(server, client, inward):
    refusal = policy.refusal(_teredo(server, client))
    assert refusal is None if inward is None else (refusal is not None and f"embedding {inward}" in refusal)


@pytest.mark.parametrize(("url", "code"), [
    ("http://crm.example.com/hook", "scheme"), ("ftp://crm.example.com/hook", "scheme"),
    ("https://user:pw@crm.example.com/hook", "credentials"), ("https:///nohost", "host"),
    ("https://127.0.0.1/hook", "private_address"), ("https://localhost/hook", "private_address"),
    ("https://10.1.2.3/hook", "private_address"), ("https://192.168.0.10/hook", "private_address"),
    ("https://169.254.169.254/latest/meta-data", "private_address"), ("https://[::1]/hook", "private_address"),
    ("https://[::ffff:127.0.0.1]/hook", "private_address"), ("https://0.0.0.0/hook", "private_address"),
    ("https://100.64.0.1/hook", "private_address"), ("https://example.invalid/hook", "unresolvable"),
    ("https://[2002:7f00:1::1]/", "private_address"), ("https://[64:ff9b::a9fe:a9fe]/", "private_address"),
    ("https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "private_address"),
    ("https://[::ffff:0:7f00:1]/", "private_address"), ("https://[fe80::1%25eth0]/", "private_address"),
    ("https://2130706433/hook", "private_address"), ("https://0x7f.1/hook", "private_address"),
    ("https://127.1/hook", "private_address"), ("https://[::1/hook", "invalid"),
    ("https://crm.example.com:99999/hook", "port"),
])
async def test_refused_outside_development(url, code):
    with pytest.raises(policy.UrlRefused) as refused:
        await policy.check(url, development=False)
    assert refused.value.code == code


async def test_public_addresses_pass_and_development_allows_local_receivers():
    for url in ("https://93.184.216.34/hook", "https://[2606:4700:4700::1111]/hook",
                "https://[2002:808:808::1]/hook", "https://[64:ff9b::808:808]:8443/hook"):
        await policy.check(url, development=False)  # a public literal needs no DNS
    await policy.check("http://127.0.0.1:8080/hook", development=True)
    await policy.check("http://localhost:8080/hook", development=True)
    with pytest.raises(policy.UrlRefused):
        await policy.check("ftp://127.0.0.1/hook", development=True)


async def test_every_resolved_address_must_be_public(dns):
    dns.set("hooks.example.test", ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(policy.UrlRefused) as refused:
        await policy.check("https://hooks.example.test/h", development=False)
    assert refused.value.code == "private_address" and "10.0.0.7" in str(refused.value)
    dns.set("hooks.example.test", ["93.184.216.34", "2606:4700:4700::1111"])
    await policy.check("https://hooks.example.test/h", development=False)


def test_signatures_verify_with_the_reference_library():
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and secret != signing.new_secret()
    body = json.dumps({"id": "01a2", "type": "action.created", "data": {"description": "Book a CFO meeting"}})
    headers = signing.headers(secret, "01a2", datetime.now(UTC), body)
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)  # another secret
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("CFO", "CEO"), headers)  # a changed body
    stale = signing.headers(secret, "01a2", datetime(2020, 1, 1, tzinfo=UTC), body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, stale)  # replayed long after
