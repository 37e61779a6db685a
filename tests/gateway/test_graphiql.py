"""GraphiQL is served by Uplift itself: the page names no other origin and carries a strict content-security
policy, its files come from the gateway with the right content types and the pinned bytes, and without the
fetched files the page says how to fetch them."""

import base64
import hashlib
import io
import re
import tarfile
from pathlib import Path

import httpx
import pytest

from gateway import graphiql_assets
from gateway.app import create_app
from gateway.clients import SERVICES
from gateway.graphiql import CSP
from gateway.graphiql_assets import ASSETS, IntegrityError, Tarball, check_integrity, default_dir, fetch, missing
from gateway.settings import GatewaySettings

INSTALLED = default_dir()


def gateway(environment: str, graphiql_dir: Path) -> httpx.AsyncClient:
    """A gateway without services (GraphiQL needs none)."""
    clients = {name: httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(503)),
                                       base_url=f"http://{name}") for name in SERVICES}
    app = create_app(GatewaySettings(environment=environment, graphiql_dir=graphiql_dir), clients=clients)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://uplift")


def references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def assert_strict(r: httpx.Response) -> None:
    policy = dict(p.strip().split(" ", 1) for p in r.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert not re.search(r"https?:|\*|unsafe", r.headers["content-security-policy"])
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_the_page_and_its_files_come_from_uplift_alone():
    assert not missing(INSTALLED), f"GraphiQL's files are not installed in {INSTALLED}: run `make graphiql`"
    async with gateway("development", INSTALLED) as client:
        r = await client.get("/graphql", headers={"accept": "text/html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert r.headers["content-security-policy"] == CSP
        assert_strict(r)
        assert "<script>" not in r.text and "style=" not in r.text  # nothing inline for the policy to allow
        assert not re.search(r"//|https?:", "".join(references(r.text)))  # no other origin, not even //host
        refs = references(r.text)
        assert {f"/graphiql/assets/{a.name}" for a in ASSETS} <= set(refs)
        pinned = {a.name: a.sha256 for a in ASSETS}
        for ref in refs:
            got = await client.get(ref)
            kind = "text/javascript" if ref.endswith(".js") else "text/css"
            assert got.status_code == 200 and got.headers["content-type"].startswith(kind), (ref, got.headers)
            name = ref.rsplit("/", 1)[1]
            if name in pinned:
                assert hashlib.sha256(got.content).hexdigest() == pinned[name]
        assert (await client.get("/graphiql/assets/secret.txt")).status_code == 404
        assert (await client.get("/graphiql/assets/..%2Fsettings.py")).status_code == 404


async def test_without_the_files_the_page_says_how_to_fetch_them(tmp_path):
    async with gateway("development", tmp_path) as client:
        r = await client.get("/graphql", headers={"accept": "text/html"})
        assert r.status_code == 200 and "make graphiql" in r.text and "not installed" in r.text
        assert_strict(r)
        assert not re.search(r"//|https?:", "".join(references(r.text)))
        assert (await client.get("/graphiql/assets/graphiql-page.css")).status_code == 200
        r = await client.get("/graphiql/assets/graphiql.min.js")
        assert r.status_code == 404 and "make graphiql" in r.text


async def test_no_graphiql_outside_development(tmp_path):
    async with gateway("production", INSTALLED) as client:
        assert (await client.get("/graphql", headers={"accept": "text/html"})).status_code == 404
        assert (await client.get("/graphiql/assets/graphiql.min.js")).status_code == 404


def tgz(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_fetch_checks_the_tarball_and_each_file(tmp_path, monkeypatch):
    """Faults injected in place of the registry: a tarball that is not the pinned one, then the pinned one
    whose file differs, are refused and nothing is written."""
    asset = ASSETS[0]
    tampered = tgz({asset.member: b"alert('not react')"})
    monkeypatch.setattr(graphiql_assets, "ASSETS", (asset,))
    monkeypatch.setattr(graphiql_assets, "download", lambda url: tampered)
    with pytest.raises(IntegrityError, match="sha-512"):
        fetch(tmp_path)
    honest = Tarball(asset.tarball.package, asset.tarball.version,
                     "sha512-" + base64.b64encode(hashlib.sha512(tampered).digest()).decode())
    monkeypatch.setattr(graphiql_assets, "ASSETS", (type(asset)(asset.name, honest, asset.member, asset.sha256,
                                                                asset.media_type),))
    with pytest.raises(IntegrityError, match="sha-256"):
        fetch(tmp_path)
    assert list(tmp_path.iterdir()) == []
    check_integrity(tampered, honest.integrity)  # the same bytes pass their own integrity
    assert graphiql_assets.main(["--into", str(tmp_path)]) == 1  # the install step reports and goes on
