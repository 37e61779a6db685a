"""No request of any service or the gateway waits for a worker thread to build its wiring: FastAPI runs a plain
`def` endpoint or dependency in its thread pool (a hand-off to a thread and back per call, ~7% of a GET by id's
CPU when `deps.py` had them), an `async def` one in the request's own task. The wiring only constructs objects,
so every endpoint and dependency is `async def` (or an async generator)."""

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from uplift_cli.local import build_local


def _sync_calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None and not (inspect.iscoroutinefunction(sub.call)
                                         or inspect.isasyncgenfunction(sub.call)):
            yield sub.call
        yield from _sync_calls(sub)


def _thread_hops(app: FastAPI) -> set[str]:
    found = set()
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        if not inspect.iscoroutinefunction(route.dependant.call):
            found.add(f"endpoint {route.path}")
        found |= {f"{call.__module__}.{call.__qualname__}" for call in _sync_calls(route.dependant)}
    return found


async def test_every_endpoint_and_dependency_runs_in_the_request_task(db_urls):
    local = build_local(db_urls, environment="test")
    hops = {name: _thread_hops(app) for name, app in [*local.services.items(), ("gateway", local.app)]}
    assert hops == {name: set() for name in hops}
