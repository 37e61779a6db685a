"""Credentials of the metrics service: integrations push with their own scopes."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from common.auth import Authenticator, Principal
from common.errors import Forbidden


def _any_of(*scopes: str) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        auth: Authenticator = request.app.state.auth
        principal = await auth.authenticate(request)
        if not any(principal.allows(scope) for scope in scopes):
            raise Forbidden(f"This credential needs one of the scopes: {', '.join(scopes)}.")
        return principal

    return dependency


ActivityWriter = Annotated[Principal, Depends(_any_of("activities:write", "metrics:write"))]
CompletionWriter = Annotated[Principal, Depends(_any_of("completions:write", "metrics:write"))]
Reader = Annotated[Principal, Depends(_any_of("metrics:read"))]
