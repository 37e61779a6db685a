"""The three services as real HTTP servers on loopback for the API fuzz: the all-in-one assembly (events between
the services in-process, so metrics learns coaching's people as in production) on the test databases, each
service app served by its own uvicorn server on a free port. Everything runs on one event loop in a background
thread (an anyio blocking portal), so the fuzz — synchronous, like Hypothesis — talks plain HTTP to it."""

import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import Any, TypeVar

import uvicorn
from anyio.from_thread import BlockingPortal, start_blocking_portal

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET
from uplift_cli.local import LocalStack, build_local

SERVICES = ("behaviors", "coaching", "metrics")
T = TypeVar("T")


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class FuzzStack:
    """`with FuzzStack(urls) as stack:` — `stack.url(service)`, `stack.admin_key`, `stack.person_token(...)`."""

    def __init__(self, urls: dict[str, str], *, startup_timeout: float = 120.0) -> None:
        self.urls = urls
        self.startup_timeout = startup_timeout
        self._exit = ExitStack()
        self._servers: list[uvicorn.Server] = []
        self._ports: dict[str, int] = {}
        self.tenant_id = uuid.UUID(int=0)
        self.admin_key = ""

    # ---- lifecycle
    def __enter__(self) -> "FuzzStack":
        try:
            self._start()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.should_exit = True
        self._exit.close()

    def _start(self) -> None:
        self.portal: BlockingPortal = self._exit.enter_context(start_blocking_portal())
        self.local: LocalStack = self.call(self._build)
        lifespan = self.local.app.router.lifespan_context(self.local.app)
        self._exit.enter_context(self.portal.wrap_async_context_manager(lifespan))
        for name in SERVICES:
            sock = _listening_socket()
            self._exit.callback(sock.close)
            self._ports[name] = sock.getsockname()[1]
            config = uvicorn.Config(self.local.services[name], lifespan="off", log_level="warning", access_log=False)
            server = uvicorn.Server(config)
            self._servers.append(server)
            future = self.portal.start_task_soon(server.serve, [sock])
            self._exit.callback(self._wait_stopped, future)
        deadline = time.monotonic() + self.startup_timeout
        while not all(server.started for server in self._servers):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the fuzz servers did not start within {self.startup_timeout} s")
            time.sleep(0.02)
        identity = self.local.identity
        self.tenant_id = self.call(identity.create_tenant, "fuzz")
        # `metrics:internal` named: no other scope implies it, and the fuzz goes down the read model's writes too
        self.admin_key = self.call(identity.create_key, self.tenant_id, "fuzz-admin",
                                   ["admin", "metrics:internal"]).api_key

    @staticmethod
    def _wait_stopped(future: Any) -> None:
        future.result()

    async def _build(self) -> LocalStack:
        # No traffic off this machine: webhook URLs are not resolved (development: the policy checks their shape
        # only; the fuzz subscribes random host names) and nothing is delivered; no overdue sweeps mid-run.
        return build_local(self.urls, environment="development", jwt_secret=JWT_SECRET, api_key_cache_seconds=0.0,
                           webhooks_deliver=False, overdue_sweep_seconds=3600.0, review_due_sweep_seconds=3600.0)

    # ---- helpers
    def call(self, func: Callable[..., Awaitable[T]], *args: Any) -> T:
        return self.portal.call(func, *args)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self._ports[service]}"

    def person_token(self, person_id: str, *roles: str) -> str:
        return issue_person_token(JWT_SECRET, tenant_id=self.tenant_id, person_id=uuid.UUID(person_id),
                                  roles=list(roles))
