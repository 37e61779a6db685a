"""What a credential's scopes allow (common/auth.py Principal.allows): wildcards, admin and write-implies-read,
and internal scopes that only their own name grants."""

import uuid

import pytest

from common.auth import ROLE_SCOPES, Principal


def principal(*scopes: str) -> Principal:
    return Principal(uuid.uuid4(), "api_key", str(uuid.uuid4()), frozenset(scopes))


@pytest.mark.parametrize("area", ["metrics", "behaviors", "coaching", "webhooks", "anything"])
def test_an_internal_scope_is_granted_only_by_its_name(area: str) -> None:
    internal = f"{area}:internal"
    for scopes in ((f"{area}:*",), ("admin",), (f"{area}:write",), ("admin", f"{area}:*", f"{area}:write")):
        assert not principal(*scopes).allows(internal), scopes
    assert principal(internal).allows(internal)
    assert principal("admin", internal).allows(internal)


def test_no_role_carries_an_internal_scope() -> None:
    for role, scopes in ROLE_SCOPES.items():
        person = Principal(uuid.uuid4(), "person", str(uuid.uuid4()), scopes, (role,))
        assert not person.allows("metrics:internal"), role


def test_wildcards_admin_and_write_still_grant_the_rest() -> None:
    assert principal("metrics:*").allows("metrics:write") and principal("metrics:*").allows("metrics:read")
    assert principal("admin").allows("coaching:write") and principal("admin").allows("webhooks:read")
    assert principal("behaviors:write").allows("behaviors:read")
    assert not principal("behaviors:read").allows("behaviors:write")
    assert not principal("metrics:internal").allows("metrics:read")  # internal is no wildcard either
