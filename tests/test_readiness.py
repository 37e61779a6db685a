"""/readyz: ready while the database answers, and it names what an operator should fix (issue 13: a readiness
warning when autovacuum is off, which leaves tables never analysed)."""

import pytest
from sqlalchemy import text

from common.service_app import AUTOVACUUM_OFF
from tests.conftest import Stack


@pytest.mark.parametrize("service", ["behaviors", "coaching", "metrics"])
async def test_readyz_is_ready_and_warns_when_autovacuum_is_off(stack: Stack, service: str) -> None:
    db = stack.local.services[service].state.db
    off = False
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as conn:
            off = (await conn.execute(text("SHOW autovacuum"))).scalar_one() == "off"
    async with stack.client() as client:
        r = await client.get(f"/api/{service}/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "service": service, "warnings": [AUTOVACUUM_OFF] if off else []}
