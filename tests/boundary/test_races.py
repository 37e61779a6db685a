"""A write racing a delete of the same row: the row is deleted by another connection after the request loaded
it and before its change is flushed. SQLAlchemy then finds nothing to update (StaleDataError) — that was a 500;
it is a 409 problem+json saying the resource changed meanwhile, and nothing is written, on both databases."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from services.behaviors.models import Objective, Scenario
from services.behaviors.repository import Repository
from tests.conftest import Stack


@pytest.fixture
async def behaviors(client: httpx.AsyncClient) -> httpx.AsyncClient:
    client.base_url = httpx.URL("http://uplift/api/behaviors")
    return client


def delete_after_loading(monkeypatch: pytest.MonkeyPatch, stack: Stack, method: str, model: Any) -> None:
    """Fault injection: once the repository's `method` has loaded a row for the request, the row is deleted
    and committed on a connection of its own — the other request of the race, at its worst moment."""
    original: Callable[..., Awaitable[Any]] = getattr(Repository, method)
    db = stack.local.services["behaviors"].state.db

    async def load_then_lose(self: Repository, *args: Any, **kwargs: Any) -> Any:
        found = await original(self, *args, **kwargs)
        if found is not None:
            async with db.sessions() as other:
                await other.execute(delete(model).where(model.id == found.id))
                await other.commit()
        return found

    monkeypatch.setattr(Repository, method, load_then_lose)


async def test_a_patch_racing_a_delete_is_409(behaviors, stack, monkeypatch):
    created = (await behaviors.post("/v1/objectives", json={"name": "Grow"})).json()
    delete_after_loading(monkeypatch, stack, "objective", Objective)
    r = await behaviors.patch(f"/v1/objectives/{created['id']}", json={"name": "Grow more"})
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "meanwhile" in r.json()["detail"]
    monkeypatch.undo()
    assert (await behaviors.get(f"/v1/objectives/{created['id']}")).status_code == 404
    async with stack.local.services["behaviors"].state.db.sessions() as s:
        assert (await s.execute(select(Objective))).scalars().all() == []


async def test_a_scenario_edit_racing_its_delete_is_409(behaviors, stack, monkeypatch):
    behavior = (await behaviors.post("/v1/behaviors", json={"key": "discovery", "name": "Discovery",
                                                         "audience": ["seller"]})).json()
    scenario = (await behaviors.post(f"/v1/behaviors/{behavior['id']}/scenarios", json={"title": "Cold"})).json()
    delete_after_loading(monkeypatch, stack, "scenario", Scenario)
    r = await behaviors.patch(f"/v1/behaviors/{behavior['id']}/scenarios/{scenario['id']}", json={"title": "Warm"})
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"

