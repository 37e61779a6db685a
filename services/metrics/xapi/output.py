"""Statements as the `format` parameter asks (Communication §2.1.3): `exact` as stored, `ids` with only the
identifiers of agents, groups, activities and verbs (XAPI-00171), `canonical` with one language per language
map, chosen by Accept-Language (XAPI-00169, -00172)."""

import copy
from typing import Any

LANGUAGE_MAPS = ("display", "name", "description")


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language's tags, most wanted first (RFC 9110 §12.5.4); `*` last."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and weight > 0:
            ranked.append((-weight, n, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def _pick(mapping: dict[str, str], wanted: list[str]) -> dict[str, str]:
    if not mapping:
        return mapping
    lowered = {k.lower(): k for k in mapping}
    for tag in wanted:
        if tag == "*":
            break
        if tag.lower() in lowered:
            chosen = lowered[tag.lower()]
            return {chosen: mapping[chosen]}
        prefix = tag.lower().split("-")[0]
        for k in mapping:  # a tag's language matches a more or less specific one (en ~ en-US)
            if k.lower().split("-")[0] == prefix:
                return {k: mapping[k]}
    first = next(iter(mapping))
    return {first: mapping[first]}


def canonical(statement: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(statement)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in LANGUAGE_MAPS and isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
                    node[k] = _pick(v, wanted)
                elif k != "extensions":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(out)
    return out


IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _agent_ids(agent: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: agent[k] for k in ("objectType", *IFIS) if k in agent}
    if agent.get("objectType") == "Group" and not any(k in agent for k in IFIS):
        out["member"] = [_agent_ids(m) for m in agent.get("member", [])]
    return out


def _object_ids(obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _agent_ids(obj)
    if kind == "SubStatement":
        return _statement_ids(obj)
    if kind == "Activity":
        return {k: obj[k] for k in ("objectType", "id") if k in obj}
    return obj


def _statement_ids(st: dict[str, Any]) -> dict[str, Any]:
    out = dict(st)
    out["actor"] = _agent_ids(st["actor"])
    out["verb"] = {"id": st["verb"]["id"]}
    out["object"] = _object_ids(st["object"])
    if "authority" in st:
        out["authority"] = _agent_ids(st["authority"])
    if isinstance(st.get("context"), dict):
        ctx = dict(st["context"])
        for role in ("instructor", "team"):
            if role in ctx:
                ctx[role] = _agent_ids(ctx[role])
        if "contextActivities" in ctx:
            ctx["contextActivities"] = {k: [_object_ids(a) for a in v]
                                        for k, v in ctx["contextActivities"].items()}
        if "contextAgents" in ctx:
            ctx["contextAgents"] = [{**e, "agent": _agent_ids(e["agent"])} for e in ctx["contextAgents"]]
        if "contextGroups" in ctx:
            ctx["contextGroups"] = [{**e, "group": _agent_ids(e["group"])} for e in ctx["contextGroups"]]
        out["context"] = ctx
    return out


def shaped(statement: dict[str, Any], fmt: str, wanted: list[str]) -> dict[str, Any]:
    if fmt == "ids":
        return _statement_ids(statement)
    if fmt == "canonical":
        return canonical(statement, wanted)
    return statement
