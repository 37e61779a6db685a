"""A validated statement made ready to store: the properties the LRS sets (id, stored, authority, version,
timestamp), context activities as arrays (XAPI-00096), the identifiers its filters look up, and the hash that
decides whether a statement sent again under the same id is "the same" (Data §2.3.1's immutability exceptions
left out of it)."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pydantic_core
import uuid_utils

from services.metrics.xapi import formats
from services.metrics.xapi.validation import VOIDED
from services.metrics.xapi.versions import Version, default_statement_version


def key(text: str) -> str:
    """The SHA-256 an identifier is indexed under."""
    return hashlib.sha256(text.encode()).hexdigest()


def ifi(agent: dict[str, Any]) -> str | None:
    """An Agent's or identified Group's inverse functional identifier as one string (None for an anonymous
    Group). Agents are the same when their IFI is (Data §2.4.2.3)."""
    if "mbox" in agent:
        return "mbox|mailto:" + str(agent["mbox"])[len("mailto:"):]
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum|" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid|" + str(agent["openid"])
    if "account" in agent:
        return f"account|{agent['account']['homePage']}|{agent['account']['name']}"
    return None


def _actor_keys(actor: dict[str, Any]) -> list[str]:
    """The actor's own IFI and its members' (a Group is matched by its members too)."""
    found = [ifi(actor), *(ifi(m) for m in actor.get("member", []))]
    return [key(f) for f in found if f is not None]


def _canonical(value: Any) -> bytes:
    """JSON with every object's keys in order (of a value whose objects already have them so: `_comparable`'s)."""
    return pydantic_core.to_json(value)


def _plain(node: Any) -> Any:
    """`node` without what may differ between two sends of a statement below its top level (displays, activity
    definitions, the order of a Group's members, a SubStatement's verb display), every object's keys in order."""
    if isinstance(node, dict):
        if node.get("objectType", "Activity") == "Activity" and "id" in node and (
                "definition" in node or node.keys() <= {"id", "objectType"}):
            return {"id": node["id"]}
        result = {k: _plain(node[k]) for k in sorted(node) if k != "display"}
        if isinstance(result.get("member"), list):
            result["member"] = sorted(result["member"], key=_canonical)
        if "verb" in node and isinstance(node["verb"], dict):
            result["verb"] = {"id": node["verb"]["id"]}
        return result
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _comparable(statement: dict[str, Any]) -> dict[str, Any]:
    """What two statements under one id must share to be the same (Data §2.3.1 lists what may differ: id,
    authority, stored, timestamp's serialization, version, verb display, activity definitions, the order of a
    Group's members, attachments), with every object's keys in order: its JSON is the canonical form hashed."""
    out: dict[str, Any] = {}
    for k in sorted(statement):
        if k in ("id", "authority", "stored", "version", "attachments"):
            continue
        v = statement[k]
        if k == "verb":
            out[k] = {"id": v["id"]}
        elif k == "timestamp":
            moment = formats.parse_timestamp(v)
            out[k] = moment.astimezone(UTC).isoformat() if moment else v
        else:
            out[k] = _plain(v)
    context = out.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        context["contextActivities"] = {k: (v if isinstance(v, list) else [v])
                                        for k, v in context["contextActivities"].items()}
    return out


def content_hash(statement: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(_comparable(statement))).hexdigest()


@dataclass
class Prepared:
    """One statement ready to insert: its row and the rows of the agents and activities it names."""

    id: uuid.UUID
    statement: dict[str, Any]
    content_hash: str
    verb_key: str
    registration: uuid.UUID | None
    ref_id: uuid.UUID | None
    voiding: bool
    agents: set[tuple[str, bool]] = field(default_factory=set)
    activities: set[tuple[str, bool]] = field(default_factory=set)


def _arrays(context: dict[str, Any]) -> None:
    activities = context.get("contextActivities")
    if isinstance(activities, dict):
        context["contextActivities"] = {k: (v if isinstance(v, list) else [v]) for k, v in activities.items()}


def _context_names(context: dict[str, Any], prepared: Prepared) -> None:
    for role in ("instructor", "team"):
        if role in context:
            prepared.agents.update((k, True) for k in _actor_keys(context[role]))
    for entry in context.get("contextAgents", []):
        prepared.agents.update((k, True) for k in _actor_keys(entry["agent"]))
    for entry in context.get("contextGroups", []):
        prepared.agents.update((k, True) for k in _actor_keys(entry["group"]))
    for listed in context.get("contextActivities", {}).values():
        prepared.activities.update((key(a["id"]), True) for a in listed)


def prepare(statement: dict[str, Any], *, stored: datetime, authority: dict[str, Any],
            version: Version) -> Prepared:
    """`statement` has passed validation; it is completed in place and must not be used by the caller after."""
    digest = content_hash(statement)
    statement_id = uuid.UUID(statement["id"]) if "id" in statement else uuid.UUID(str(uuid_utils.uuid7()))
    statement["id"] = str(statement_id)
    statement["stored"] = formats.render_timestamp(stored)
    statement["authority"] = authority
    statement.setdefault("version", default_statement_version(version))
    if "timestamp" not in statement:
        statement["timestamp"] = statement["stored"]
    elif version is Version.V2:  # 2.0 converts a non-UTC timestamp rather than keeping its offset
        moment = formats.parse_timestamp(statement["timestamp"])
        if moment is not None and moment.utcoffset():
            statement["timestamp"] = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    context = statement.get("context")
    prepared = Prepared(
        id=statement_id, statement=statement, content_hash=digest, verb_key=key(statement["verb"]["id"]),
        registration=uuid.UUID(context["registration"]) if context and "registration" in context else None,
        ref_id=uuid.UUID(obj["id"]) if kind == "StatementRef" else None,
        voiding=statement["verb"]["id"] == VOIDED)
    prepared.agents.update((k, False) for k in _actor_keys(statement["actor"]))
    prepared.agents.update((k, True) for k in _actor_keys(authority))
    if kind in ("Agent", "Group"):
        prepared.agents.update((k, False) for k in _actor_keys(obj))
    elif kind == "Activity":
        prepared.activities.add((key(obj["id"]), False))
    elif kind == "SubStatement":
        prepared.agents.update((k, True) for k in _actor_keys(obj["actor"]))
        inner = obj["object"]
        inner_kind = inner.get("objectType", "Activity")
        if inner_kind in ("Agent", "Group"):
            prepared.agents.update((k, True) for k in _actor_keys(inner))
        elif inner_kind == "Activity":
            prepared.activities.add((key(inner["id"]), True))
        if isinstance(obj.get("context"), dict):
            _arrays(obj["context"])
            _context_names(obj["context"], prepared)
    if context:
        _arrays(context)
        _context_names(context, prepared)
    return prepared
