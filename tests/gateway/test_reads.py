"""The gateway's short way of building a downstream GET (gateway/reads.py) builds what httpx's client would, and
GraphQL fields get direct resolvers only where strawberry's wrapper had nothing to do (gateway/field_resolution.py)."""

import httpx
import pytest

from gateway.field_resolution import use_direct_resolvers
from gateway.reads import query_string, read_request
from gateway.schema import build_schema
from gateway.settings import GatewaySettings

IDS = [f"01a2369c-bbb5-7642-9f1e-{i:012d}" for i in range(50)]
PARAMS = [
    None,
    {"limit": 50},
    {"ids": IDS[:1], "limit": 1},
    {"behavior_ids": IDS},
    {"person_ids": ("a", "b"), "as_of": "2026-01-01", "flag": True, "off": False, "none": None, "n": 2.5},
    {"q": "a b%41+/é?&=#", "cursor": "eyJpZCI6IDF9=="},
]


@pytest.mark.parametrize("base", ["http://127.0.0.1:8001", "http://behaviors", "http://host:9/api", "http://h/api/"])
@pytest.mark.parametrize("params", PARAMS)
async def test_a_read_is_the_request_httpx_builds(base, params):
    timeout = httpx.Timeout(5.0, connect=1.0)
    headers = {"authorization": "Bearer k"}
    async with httpx.AsyncClient(base_url=base) as client:
        expected = client.build_request("GET", "/v1/behaviors", params=params, headers=headers, timeout=timeout)
        built = read_request(client, "/v1/behaviors", query_string(params), headers, timeout.as_dict())
    assert built is not None
    assert str(built.url) == str(expected.url)
    assert built.url.raw_path == expected.url.raw_path
    assert built.headers.multi_items() == expected.headers.multi_items()
    assert built.extensions == expected.extensions
    assert built.method == expected.method and built.content == expected.content == b""


@pytest.mark.parametrize("path", ["/v1/metrics/a.b", "/v1/x/../y", "/v1/a%2Fb", "/v1/a b"])
async def test_a_path_that_needs_normalising_is_left_to_httpx(path):
    async with httpx.AsyncClient(base_url="http://behaviors") as client:
        assert read_request(client, path, "", {}, httpx.Timeout(1.0).as_dict()) is None


def test_plain_fields_and_argument_free_resolvers_resolve_directly():
    schema = build_schema(GatewaySettings(environment="test"))
    fields = schema._schema.type_map
    behavior, query = fields["Behavior"].fields, fields["Query"].fields  # type: ignore[attr-defined]
    assert behavior["key"].resolve.__module__ == "gateway.field_resolution"  # a plain data field
    assert behavior["scenarios"].resolve.__module__ == "gateway.field_resolution"  # async, only `info`
    assert behavior["versionAt"].resolve.__module__ != "gateway.field_resolution"  # takes an argument
    assert query["behaviors"].resolve.__module__ != "gateway.field_resolution"
    assert use_direct_resolvers(schema) > 0  # idempotent: the same fields again
