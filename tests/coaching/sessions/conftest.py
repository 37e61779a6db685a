"""Fixtures of the sessions tests: direct database access for setup, and a small org."""

import pytest

from tests.coaching.sessions.helpers import Db, World, build_world
from tests.conftest import Stack, Tenant


@pytest.fixture
def db(stack: Stack, tenant: Tenant) -> Db:
    return Db(stack, tenant)


@pytest.fixture
async def world(db: Db) -> World:
    return await build_world(db)
