"""Every service's OpenAPI says what each operation answers: its failures as problem+json with the Problem schema,
the statuses derived from the route (common/openapi.py), success with its real media type and schema."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Stack, Tenant
from uplift_cli.local import create_service

SERVICES = ("behaviors", "coaching", "metrics")
WRITES = {"post", "put", "patch", "delete"}
Spec = dict[str, Any]


@pytest.fixture(scope="module", params=SERVICES)
def spec(request: pytest.FixtureRequest) -> Spec:
    return create_service(request.param).openapi()


def operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_every_failure_is_problem_json_with_the_problem_schema(spec: Spec) -> None:
    failures = 0
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            failures += 1
            assert response["content"] == {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}, (method, path, status)
    assert failures > 0
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance", "errors"}
    assert set(schemas["FieldError"]["required"]) == {"field", "message", "code"}


def test_statuses_follow_from_the_route(spec: Spec) -> None:
    for method, path, operation in operations(spec):
        statuses = set(operation["responses"])
        where = (method, path)
        if path in ("/healthz", "/readyz"):
            assert "security" not in operation and not statuses & {"401", "403"}, where
            continue
        assert {"401", "403"} <= statuses, where
        assert operation["security"] == [{"bearer": []}, {"apiKey": []}], where
        if "{" in path:
            assert "404" in statuses, where
        if method in WRITES:
            assert "409" in statuses, where
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= statuses, where
        if operation.get("parameters"):
            assert "422" in statuses, where
    assert set(spec["paths"]["/readyz"]["get"]["responses"]) == {"200", "503"}
    assert set(spec["components"]["securitySchemes"]) == {"bearer", "apiKey"}


def test_success_declares_its_media_type_and_schema(spec: Spec) -> None:
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if not 200 <= int(status) < 300:
                continue
            if status == "204":
                assert "content" not in response, (method, path)
                continue
            content = response["content"]
            assert list(content) == ["application/json"], (method, path, status)
            assert content["application/json"]["schema"], (method, path, status)


def test_routes_that_answer_otherwise_say_so() -> None:
    rating = create_service("coaching").openapi()["paths"]["/v1/sessions/{session_id}/rating"]["put"]["responses"]
    assert rating["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RatingOut"}

    metrics = create_service("metrics").openapi()["paths"]
    for path in ("/v1/scorecard", "/v1/adoption", "/v1/series"):
        assert "404" in metrics[path]["get"]["responses"], path


async def test_an_unreadable_body_is_a_documented_400(stack: Stack, tenant: Tenant) -> None:
    async with stack.client(tenant.api_key) as client:
        r = await client.post("/api/behaviors/v1/objectives", content=b'{"name": "\xff"}',
                              headers={"content-type": "application/json"})
        documented = (await client.get("/api/behaviors/openapi.json")).json()
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/bad-request" and r.json()["title"] == "Bad request"
    assert "400" in documented["paths"]["/v1/objectives"]["post"]["responses"]
