import pytest

from tests.coaching.relationships.helpers import Seed
from tests.conftest import Stack, Tenant


@pytest.fixture
def seed(stack: Stack, tenant: Tenant) -> Seed:
    return Seed(stack, tenant.id)
