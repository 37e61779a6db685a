"""Each service and the gateway as its own `uplift serve --service X` process on a port of its own, talking
real HTTP on the databases given (the docker-compose topology without Docker). Used by the e2e tests.

With `replicas=2` every part runs twice: `coaching` and `coaching-2` are two processes of the coaching
service on the same database. Waits are bounded by `tests.timing.patience`."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import JWT_SECRET
from tests.timing import patience

UPLIFT = str(Path(sys.executable).parent / "uplift")
SERVICES = ("behaviors", "coaching", "metrics")
PARTS = (*SERVICES, "gateway")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def part_of(name: str) -> str:
    """The part a process runs: `coaching` and `coaching-2` are both coaching."""
    return name.split("-", 1)[0]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float | None = None) -> None:
    timeout = timeout or patience(30.0)  # it migrates its database first
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=patience(1.0)).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not become healthy within {timeout} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Topology:
    """The processes of one test. `env` is what every process gets (database URLs, the gateway's service
    URLs, test settings, then `extra`, which may point the gateway elsewhere); a start may override some of
    it for that process only. `names` are the processes: each part, and with `replicas` > 1 `<part>-2` ..."""

    def __init__(self, urls: dict[str, str], workdir: Path, extra: dict[str, str] | None = None,
                 replicas: int = 1) -> None:
        self.env = {**os.environ, "UPLIFT_IDENTITY_DATABASE_URL": urls["identity"], "UPLIFT_JWT_SECRET": JWT_SECRET,
                    "UPLIFT_ENVIRONMENT": "test", "UPLIFT_GATEWAY_ENVIRONMENT": "test",
                    "UPLIFT_API_KEY_CACHE_SECONDS": "0", "UPLIFT_LOG_LEVEL": "WARNING"}
        self.names = [part if i == 1 else f"{part}-{i}" for part in PARTS for i in range(1, replicas + 1)]
        self.ports = {name: free_port() for name in self.names}
        for name in SERVICES:
            self.env[f"UPLIFT_{name.upper()}_DATABASE_URL"] = urls[name]
            self.env[f"UPLIFT_GATEWAY_{name.upper()}_URL"] = self.url(name)
        self.env.update(extra or {})
        self.workdir = workdir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def spawn(self, name: str, **env: str) -> None:
        """Start a part without waiting for it (see `start`)."""
        assert name not in self.procs, f"{name} is running"
        with open(self.log(name), "ab") as log:  # the child keeps its own copy of the handle
            self.procs[name] = subprocess.Popen(
                [UPLIFT, "serve", "--service", part_of(name), "--port", str(self.ports[name])],
                env={**self.env, **env}, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)

    def wait(self, *names: str) -> None:
        for name in names:
            wait_healthy(self.url(name), self.procs[name], self.log(name))

    def start(self, *names: str, **env: str) -> None:
        """Start parts side by side (they migrate their own databases first) and wait until all answer."""
        for name in names:
            self.spawn(name, **env)
        self.wait(*names)

    def stop(self, name: str, sig: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM: uvicorn shuts down (the lifespan stops relays and consumers). SIGKILL: nothing runs."""
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        return proc.wait(timeout=patience(15.0))

    def close(self) -> None:
        """Stop every process still running; kill any that does not stop in time (for `finally`)."""
        procs, self.procs = list(self.procs.values()), {}
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=patience(10.0))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def cli(self, *args: str) -> str:
        return subprocess.run([UPLIFT, *args], env=self.env, cwd=self.workdir, check=True, capture_output=True,
                              text=True, timeout=patience(60.0)).stdout
