"""A downstream GET built and sent without the parts of httpx's client that cost and do nothing here.

`httpx.AsyncClient.request` parses the path, merges it into the base URL (parsing again), encodes the params into
a `QueryParams`, merges them into the URL (parsing the whole URL once more, character by character in Python),
merges headers, runs the auth and redirect machinery and extracts cookies from every answer. Profiled on the gateway,
that was ~25% of the CPU of a one-object GraphQL query, and for a batch of 50 ids (a 2.5 kB query string) ~0.5 ms
per call, more than the call's own I/O.

The gateway's reads need none of it: their paths are made of ids and fixed words, their params of ids, keys and
numbers, no redirects, no cookies, no auth but a header. `read_request` builds the same `httpx.Request` the client
would (same URL, byte for byte, same headers, same timeout extension; tests/gateway/test_reads.py compares them) from
strings: the query string by `urllib.parse.urlencode`, which is what httpx's `QueryParams` uses, and the URL from
the client's already-parsed base. `send` runs the client's event hooks (request ids, the tests' call counters), hands
the request to the client's own transport (the pooled aiohttp one between processes, ASGI in one process, a faulty
one in the degradation tests), reads the answer and logs httpx's request line under httpx's logger (so
common/logsafety.py filters it as before). Errors are the transport's own httpx exceptions, as before.

A path that is not plain (anything but letters, digits, `-`, `_`, `~` and `/`) gets `None` from `read_request`: the
caller then uses the client's ordinary path, which normalises it. Writes always do.
"""

import logging
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

import httpx

log = logging.getLogger("httpx")  # the client's request line, as httpx writes it
PLAIN_PATH = re.compile(r"[A-Za-z0-9_~/-]*")


def _text(value: Any) -> str:
    """A param value as httpx writes it (`httpx._utils.primitive_value_to_str`)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def query_string(params: Mapping[str, Any] | None) -> str:
    """`params` (a value may be a list or tuple: one `key=value` each) encoded as httpx's `QueryParams` encodes them."""
    if not params:
        return ""
    items: list[tuple[str, str]] = []
    for key, value in params.items():
        if isinstance(value, list | tuple):
            items.extend((key, _text(v)) for v in value)
        else:
            items.append((key, _text(value)))
    return urllib.parse.urlencode(items)


def read_request(client: httpx.AsyncClient, path: str, query: str, headers: Mapping[str, str],
                 timeout: dict[str, float | None]) -> httpx.Request | None:
    """The GET `client.build_request("GET", path, params=…, headers=headers, timeout=…)` would build, or None when
    `path` needs httpx's normalising. `query` is `query_string(params)`; `timeout` is `httpx.Timeout.as_dict()`."""
    if PLAIN_PATH.fullmatch(path) is None:
        return None
    base = client.base_url._uri_reference  # parsed once, when the client was made
    prefix = base.path if base.path.endswith("/") else base.path + "/"
    url = httpx.URL.__new__(httpx.URL)
    # the ParseResult made directly (NamedTuple's `_replace` is a Python loop over the fields)
    url._uri_reference = type(base)(base.scheme, base.userinfo, base.host, base.port, prefix + path.lstrip("/"),
                                    query or None, base.fragment)
    merged = client.headers.copy()
    merged.update(headers)
    return httpx.Request("GET", url, headers=merged, extensions={"timeout": timeout})


async def send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send through the client's hooks and transport; the answer comes back read and closed."""
    hooks = client.event_hooks
    for hook in hooks["request"]:
        await hook(request)
    response = await client._transport_for_url(request.url).handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()
    response.request = request
    log.info('HTTP Request: %s %s "%s %d %s"', request.method, request.url, response.http_version,
             response.status_code, response.reason_phrase)  # httpx's own line, filtered by common/logsafety.py
    for hook in hooks["response"]:
        await hook(response)
    return response
