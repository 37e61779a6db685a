"""Uplift's parts as separate `uplift serve --service X` processes on scratch PostgreSQL databases, for the
benchmarks that measure over real HTTP (the docker-compose topology without Docker).

A `Cluster` creates one scratch database per history (dropped again by `close`), starts the parts asked for,
makes a tenant with an admin key and a `metrics:internal` key (the read model's writer), and reads each
process's CPU time from /proc, so a benchmark can count what its requests cost the servers themselves: on a
machine shared with other work, CPU seconds per request are steadier than requests per wall second."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

PG = "postgresql://postgres@127.0.0.1:5432/postgres"
UPLIFT = str(Path(sys.executable).parent / "uplift")
HISTORIES = ("identity", "behaviors", "coaching", "metrics")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def admin(pg: str, *statements: str) -> None:
    conn = await asyncpg.connect(pg)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def wait_healthy(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    for _ in range(1200):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not become healthy")


class Cluster:
    def __init__(self, pg: str = PG, **extra_env: str) -> None:
        self.pg = pg
        self.prefix = f"uplift_bench_{uuid.uuid4().hex[:8]}"
        self.dsns = {h: pg.rsplit("/", 1)[0] + f"/{self.prefix}_{h}" for h in HISTORIES}
        self.ports: dict[str, int] = {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {**os.environ, "UPLIFT_ENVIRONMENT": "production", "UPLIFT_GATEWAY_ENVIRONMENT": "production",
                    "UPLIFT_JWT_SECRET": "bench-" * 8, "UPLIFT_LOG_LEVEL": "WARNING", **extra_env}
        for h, dsn in self.dsns.items():
            self.env[f"UPLIFT_{h.upper()}_DATABASE_URL"] = dsn.replace("postgresql://", "postgresql+asyncpg://")
        self.creds: dict[str, str] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, *parts: str) -> dict[str, str]:
        asyncio.run(admin(self.pg, *(f'CREATE DATABASE "{self.prefix}_{h}"' for h in HISTORIES)))
        for part in parts:
            self.ports[part] = free_port()
            if part != "gateway":
                self.env[f"UPLIFT_GATEWAY_{part.upper()}_URL"] = self.url(part)
        for part in parts:
            self.procs[part] = subprocess.Popen(
                [UPLIFT, "serve", "--service", part, "--port", str(self.ports[part])],
                env=self.env, stdout=subprocess.DEVNULL, stderr=sys.stderr)
        for part in parts:
            wait_healthy(self.url(part), self.procs[part], part)
        self.creds = json.loads(self.cli("tenant", "create", "bench"))
        self.creds["internal_key"] = self.key(self.creds["tenant_id"], "metrics:internal")
        return self.creds

    def cli(self, *args: str) -> str:
        return subprocess.run([UPLIFT, *args], env=self.env, check=True, capture_output=True, text=True).stdout

    def key(self, tenant_id: str, scopes: str) -> str:
        found: dict[str, str] = json.loads(self.cli("apikey", "create", "--tenant", tenant_id, "--scopes", scopes,
                                                    "--name", f"bench {scopes}"))
        return found["api_key"]

    def tenant(self, name: str) -> dict[str, str]:
        """Another tenant, with its admin and internal keys."""
        creds: dict[str, str] = json.loads(self.cli("tenant", "create", name))
        creds["internal_key"] = self.key(creds["tenant_id"], "metrics:internal")
        return creds

    def cpu(self, *parts: str) -> float:
        return sum(cpu_seconds(self.procs[p].pid) for p in parts)

    def close(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        asyncio.run(admin(self.pg, *(f'DROP DATABASE IF EXISTS "{self.prefix}_{h}" WITH (FORCE)'
                                     for h in HISTORIES)))

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
