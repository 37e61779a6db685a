"""The reads the gateway's loaders make (objectives by ids, scenarios and versions of many behaviours) are one SQL
statement each, however many behaviours they cover: no Session round trips, no select-in loads."""

from typing import Any

from tests.behaviors.helpers import active_behavior, create_objective
from tests.conftest import Stack
from tests.sql_statements import statements_of_this_task


async def test_each_batch_read_is_one_statement(stack: Stack, api: Any) -> None:
    engine = stack.local.services["behaviors"].state.db.engine.sync_engine
    objective = await create_objective(api)
    ids = []
    for i in range(5):
        b = await active_behavior(api, f"batched-{i}", objective_id=objective["id"])
        r = await api.post(f"/v1/behaviors/{b['id']}/scenarios", json={"title": f"Scenario {i}"})
        assert r.status_code == 201, r.text
        ids.append(b["id"])

    for path, params, size in [("/v1/objectives", {"ids": [objective["id"]]}, None),
                               ("/v1/objectives", {"limit": 1}, None),
                               ("/v1/scenarios", {"behavior_ids": ids}, 5),
                               ("/v1/behavior-versions", {"behavior_ids": ids}, 5)]:
        with statements_of_this_task(engine) as seen:
            r = await api.get(path, params=params)
        assert r.status_code == 200, r.text
        if size is not None:
            assert len(r.json()) == size
        assert len(seen) == 1, (path, [s for s, _ in seen])
        assert seen[0][0].lstrip().upper().startswith("SELECT")
