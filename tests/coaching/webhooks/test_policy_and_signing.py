"""Where webhooks may point, and signatures the reference Standard Webhooks library verifies."""

import json
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.coaching.webhooks import policy, signing


@pytest.mark.parametrize(("url", "code"), [
    ("http://crm.example.com/hook", "scheme"), ("ftp://crm.example.com/hook", "scheme"),
    ("https://user:pw@crm.example.com/hook", "credentials"), ("https:///nohost", "host"),
    ("https://127.0.0.1/hook", "private_address"), ("https://localhost/hook", "private_address"),
    ("https://10.1.2.3/hook", "private_address"), ("https://192.168.0.10/hook", "private_address"),
    ("https://169.254.169.254/latest/meta-data", "private_address"), ("https://[::1]/hook", "private_address"),
    ("https://[::ffff:127.0.0.1]/hook", "private_address"), ("https://0.0.0.0/hook", "private_address"),
    ("https://100.64.0.1/hook", "private_address"), ("https://example.invalid/hook", "unresolvable"),
    ("https://crm.example.com:99999/hook", "port"),
])
async def test_refused_outside_development(url, code):
    with pytest.raises(policy.UrlRefused) as refused:
        await policy.check(url, development=False)
    assert refused.value.code == code


async def test_public_addresses_pass_and_development_allows_local_receivers():
    await policy.check("https://93.184.216.34/hook", development=False)  # a public literal needs no DNS
    await policy.check("http://127.0.0.1:8080/hook", development=True)
    with pytest.raises(policy.UrlRefused):
        await policy.check("ftp://127.0.0.1/hook", development=True)
    assert policy.public("8.8.8.8") and not policy.public("172.16.5.4") and not policy.public("fd00::1")


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
