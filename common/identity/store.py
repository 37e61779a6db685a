"""Create tenants and keys (CLI, tests) and verify presented keys (every service)."""

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from common.db import Database, utcnow
from common.errors import InvalidInput, NotFound
from common.identity.models import ApiKey, Tenant
from common.ids import new_id

KEY_PREFIX = "upl_"
KNOWN_SCOPES = frozenset({
    "admin",
    "behaviors:read", "behaviors:write", "behaviors:*",
    "coaching:read", "coaching:write", "coaching:*",
    "metrics:read", "metrics:write", "metrics:internal", "metrics:*",
    "activities:write", "completions:write",
    "webhooks:read", "webhooks:write", "webhooks:*",
    "xapi:read", "xapi:write", "xapi:*",
})


@dataclass(frozen=True)
class IssuedKey:
    id: uuid.UUID
    tenant_id: uuid.UUID
    api_key: str
    prefix: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class KeyRecord:
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    scopes: frozenset[str]


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def validate_scopes(scopes: list[str]) -> tuple[str, ...]:
    bad = [s for s in scopes if s not in KNOWN_SCOPES]
    if bad or not scopes:
        raise InvalidInput(f"Unknown or missing scopes: {', '.join(bad) or '(none)'}; known: "
                           f"{', '.join(sorted(KNOWN_SCOPES))}.")
    return tuple(dict.fromkeys(scopes))


class IdentityStore:
    def __init__(self, db: Database, *, cache_seconds: float = 5.0) -> None:
        self.db = db
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, KeyRecord | None]] = {}
        self._prefixes: dict[uuid.UUID, str] = {}

    async def create_tenant(self, name: str) -> uuid.UUID:
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidInput("A tenant name is 1 to 200 characters.")
        tenant_id = new_id()
        async with self.db.sessions.begin() as s:
            s.add(Tenant(id=tenant_id, name=name, created_at=utcnow()))
        return tenant_id

    async def find_tenant(self, name: str) -> uuid.UUID | None:
        async with self.db.sessions() as s:
            return (await s.execute(select(Tenant.id).where(Tenant.name == name).limit(1))).scalar_one_or_none()

    async def create_key(self, tenant_id: uuid.UUID, name: str, scopes: list[str]) -> IssuedKey:
        valid = validate_scopes(scopes)
        if not name or len(name) > 100:
            raise InvalidInput("A key name is 1 to 100 characters.")
        prefix = secrets.token_hex(6)
        raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        key_id = new_id()
        async with self.db.sessions.begin() as s:
            if await s.get(Tenant, tenant_id) is None:
                raise NotFound(f"Tenant {tenant_id} does not exist.")
            s.add(ApiKey(id=key_id, tenant_id=tenant_id, name=name, prefix=prefix, key_hash=hash_key(raw),
                         scopes=list(valid), created_at=utcnow()))
        return IssuedKey(id=key_id, tenant_id=tenant_id, api_key=raw, prefix=prefix, scopes=valid)

    async def revoke_key(self, key_id: uuid.UUID) -> None:
        async with self.db.sessions.begin() as s:
            key = await s.get(ApiKey, key_id)
            if key is None:
                raise NotFound(f"API key {key_id} does not exist.")
            if key.revoked_at is None:
                key.revoked_at = utcnow()
        self._cache.clear()

    async def verify(self, raw: str) -> KeyRecord | None:
        """The key's record if it is valid and not revoked. Cached briefly: a revocation takes
        effect within `cache_seconds` in every process."""
        digest = hash_key(raw)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit and hit[0] > now:
            return hit[1]
        record = await self._lookup(raw, digest)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self.cache_seconds, record)
        return record

    async def verify_basic(self, key_id: str, secret: str) -> KeyRecord | None:
        """HTTP Basic: the key's id as the user name and, as the password, its secret (the part after
        `upl_<prefix>_`) or the whole key. Checked like a presented key, cached the same way."""
        try:
            ident = uuid.UUID(key_id)
        except ValueError:
            return None
        prefix = self._prefixes.get(ident)  # a key's prefix never changes: kept once known
        if prefix is None:
            async with self.db.sessions() as s:
                prefix = (await s.execute(select(ApiKey.prefix).where(ApiKey.id == ident))).scalar_one_or_none()
            if prefix is not None and len(self._prefixes) < 10_000:
                self._prefixes[ident] = prefix
        if prefix is None or not secret:
            return None
        raw = secret if secret.startswith(f"{KEY_PREFIX}{prefix}_") else f"{KEY_PREFIX}{prefix}_{secret}"
        record = await self.verify(raw)
        return record if record is not None and record.id == ident else None

    async def _lookup(self, raw: str, digest: str) -> KeyRecord | None:
        parts = raw.split("_")
        if len(parts) < 3 or not raw.startswith(KEY_PREFIX):
            return None
        async with self.db.sessions() as s:
            key = (await s.execute(select(ApiKey).where(ApiKey.prefix == parts[1]))).scalar_one_or_none()
        if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, digest):
            return None
        return KeyRecord(id=key.id, tenant_id=key.tenant_id, name=key.name, scopes=frozenset(key.scopes))
