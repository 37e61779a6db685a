"""Who is calling: API keys (integrations) and JWT bearer tokens (people). Every service checks itself."""

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import jwt
from fastapi import Request

from common.db import utcnow
from common.errors import Forbidden, Unauthorized
from common.identity.store import KEY_PREFIX, IdentityStore
from common.settings import ServiceSettings

INTERNAL = "internal"  # `<area>:internal` scopes are never implied (Principal.allows)
PERSON_ROLES = ("seller", "manager", "leader", "enablement", "admin")

# What a person's roles allow at the door. Finer rules (a seller rates only their own sessions, a
# manager sees only their tree) live in each service, which knows the person and the data.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "seller": frozenset({"behaviors:read", "coaching:read", "coaching:write", "metrics:read"}),
    "manager": frozenset({"behaviors:read", "coaching:read", "coaching:write", "metrics:read"}),
    "leader": frozenset({"behaviors:read", "behaviors:write", "coaching:read", "coaching:write", "metrics:read"}),
    "enablement": frozenset({"behaviors:read", "behaviors:write", "coaching:read", "coaching:write",
                             "metrics:read", "metrics:write"}),
    "admin": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    kind: Literal["api_key", "person"]
    subject: str  # API key id or person id
    scopes: frozenset[str]
    roles: tuple[str, ...] = field(default=())

    @property
    def person_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.subject) if self.kind == "person" else None

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def sees_everything(self) -> bool:
        """API keys act tenant-wide within their scopes; so do people with the admin or enablement role."""
        return self.kind == "api_key" or self.has_role("admin", "enablement")

    def allows(self, scope: str) -> bool:
        """Named scopes, the area wildcard `<area>:*`, `admin`, and `<area>:write` for reading. An internal
        scope (`<area>:internal`, e.g. `metrics:internal`, writing the read model that decides who a manager
        sees) is granted only when named: no wildcard, `admin` or person's role implies it."""
        if scope in self.scopes:
            return True
        area, _, action = scope.partition(":")
        if action == INTERNAL:
            return False
        if "admin" in self.scopes or f"{area}:*" in self.scopes:
            return True
        return action == "read" and f"{area}:write" in self.scopes


class Authenticator:
    def __init__(self, settings: ServiceSettings, identity: IdentityStore) -> None:
        self.identity = identity
        self.algorithms = settings.jwt_algorithms or (["RS256", "ES256"] if settings.jwt_public_key else ["HS256"])
        self.audience = settings.jwt_audience
        self.issuer = settings.jwt_issuer
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        self.disabled = settings.jwt_disabled
        self.jwt_key: str | None = None if self.disabled else settings.jwt_public_key or secret

    async def authenticate(self, request: Request) -> Principal:
        basic = _basic(request)
        if basic is not None:  # HTTP Basic (RFC 7617): an API key's id as the user, its secret as the password
            record = await self.identity.verify_basic(*basic)
            if record is None:
                raise Unauthorized("The API key id and secret are unknown, revoked or do not belong together.")
            return Principal(record.tenant_id, "api_key", str(record.id), record.scopes)
        token = _bearer(request)
        if token is None:
            raise Unauthorized("Send an API key or a bearer token in the Authorization header.")
        if token.startswith(KEY_PREFIX):
            record = await self.identity.verify(token)
            if record is None:
                raise Unauthorized("The API key is unknown or revoked.")
            return Principal(record.tenant_id, "api_key", str(record.id), record.scopes)
        return self._person(token)

    def _person(self, token: str) -> Principal:
        if self.disabled:
            raise Unauthorized("Bearer tokens for people are turned off on this service; send an API key.")
        if self.jwt_key is None:
            raise Unauthorized("Bearer tokens for people are not configured on this service.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.jwt_key, algorithms=self.algorithms, audience=self.audience, issuer=self.issuer,
                options={"require": ["exp", "sub", "tid"]},
            )
            tenant_id, person_id = uuid.UUID(str(claims["tid"])), uuid.UUID(str(claims["sub"]))
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthorized(f"The bearer token is not valid: {exc}.") from None
        roles = tuple(r for r in claims.get("roles", []) if r in ROLE_SCOPES)
        scopes = frozenset().union(*(ROLE_SCOPES[r] for r in roles)) if roles else frozenset()
        return Principal(tenant_id, "person", str(person_id), scopes, roles)


def _basic(request: Request) -> tuple[str, str] | None:
    """The user and password of an `Authorization: Basic` header; a malformed one is refused (401)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("The Basic credential is not base64 of 'key id:secret'.") from None
    if not colon:
        raise Unauthorized("The Basic credential is not base64 of 'key id:secret'.")
    return user, password


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    return request.headers.get("x-api-key") or None


def issue_person_token(secret: str, *, tenant_id: uuid.UUID, person_id: uuid.UUID, roles: list[str],
                       audience: str = "uplift", ttl: timedelta = timedelta(hours=8)) -> str:
    """For development, tests and the CLI; production tokens come from the customer's identity provider."""
    now = utcnow()
    claims = {"sub": str(person_id), "tid": str(tenant_id), "roles": roles, "aud": audience,
              "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm="HS256")


def require(scope: str) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        auth: Authenticator = request.app.state.auth
        principal = await auth.authenticate(request)
        if not principal.allows(scope):
            raise Forbidden(f"This credential lacks the '{scope}' scope.")
        return principal

    return dependency

