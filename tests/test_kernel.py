"""Kernel behaviour seen from outside: body caps, request ids, problem+json for unknown routes."""

import importlib.util
import sys

import httpx
import pytest
from fastapi import FastAPI

from common.http import service_client


async def test_oversized_body_is_413_problem_at_service_and_gateway(stack, tenant):
    big = {"name": "x", "description": "y" * 1_200_000}
    async with stack.client(tenant.api_key) as client:
        r = await client.post("/api/behaviors/v1/objectives", json=big)
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 413
    service = httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.local.services["behaviors"]),
                                base_url="http://behaviors", headers={"authorization": f"Bearer {tenant.api_key}"})
    async with service:
        r = await service.post("/v1/objectives", json=big)
        assert r.status_code == 413

        async def chunks():
            for _ in range(20):
                yield b"x" * 100_000

        r = await service.post("/v1/objectives", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        listed = await service.get("/v1/objectives")
        assert listed.json()["items"] == []


async def test_request_id_is_echoed_or_made(stack, tenant):
    async with stack.client(tenant.api_key) as client:
        r = await client.get("/api/behaviors/v1/behaviors", headers={"x-request-id": "abc-123"})
        assert r.headers["x-request-id"] == "abc-123"
        assert stack.calls[-1].headers["x-request-id"] == "abc-123"
        made = await client.get("/api/behaviors/v1/behaviors")
        assert len(made.headers["x-request-id"]) == 32
        bad = await client.get("/api/behaviors/v1/behaviors", headers={"x-request-id": "no spaces allowed!"})
        assert bad.headers["x-request-id"] != "no spaces allowed!"


async def test_unknown_route_and_method_are_problems(stack, tenant):
    async with stack.client(tenant.api_key) as client:
        r = await client.get("/api/behaviors/v1/nothing-here")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        r = await client.put("/api/behaviors/v1/behaviors")
        assert r.status_code == 405 and r.json()["title"] == "Method not allowed"


async def test_people_tokens_signed_with_a_private_key_verify_with_the_public_key(db_urls):
    """An identity provider signs with RS256; services hold only the public key."""
    import uuid
    from datetime import timedelta

    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from common.db import utcnow
    from uplift_cli.local import build_local

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    local = build_local(db_urls, environment="test", jwt_public_key=public_pem)
    now = utcnow()
    claims = {"sub": str(uuid.uuid4()), "tid": str(uuid.uuid4()), "roles": ["enablement"], "aud": "uplift",
              "iat": now, "exp": now + timedelta(minutes=5)}
    good = jwt.encode(claims, private, algorithm="RS256")
    forged = jwt.encode(claims, "guessed-secret-guessed-secret-guessed-secret", algorithm="HS256")
    async with local.app.router.lifespan_context(local.app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=local.app), base_url="http://uplift")
        async with client:
            ok = await client.get("/api/behaviors/v1/behaviors", headers={"authorization": f"Bearer {good}"})
            assert ok.status_code == 200 and ok.json()["items"] == []
            bad = await client.get("/api/behaviors/v1/behaviors", headers={"authorization": f"Bearer {forged}"})
            assert bad.status_code == 401


def test_in_process_clients_remember_that_sniffio_is_absent():
    """httpx's ASGITransport imports sniffio on every request; without it installed, each failed import walked
    every import finder again (common/http.py). After an in-process client is built, the absence is known."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is not None:
        pytest.skip("sniffio is installed here: httpx imports it once")
    service_client("behaviors", app=FastAPI())
    assert "sniffio" in sys.modules and sys.modules["sniffio"] is None
    with pytest.raises(ImportError):
        import sniffio  # type: ignore[import-not-found]  # noqa: F401
