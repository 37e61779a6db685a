"""Strict validation of statements (Data §2.2, §2.4, §4): a statement that breaks a rule is refused whole, and
so is the request that carries it (a batch is atomic), with 400 and where the problem is.

Rules applied (requirement ids of the ADL LRS conformance list): no nulls, empty objects or empty strings
outside extensions (XAPI-00001, -00007); JSON types exactly (a "5" is not a number, true is not 1: -00006);
keys in the case the specification spells them, unknown keys refused, per version — `contextAgents` and
`contextGroups` exist only at 2.0 (-00008, -00010); enumerated values exactly (-00009); IRIs with a scheme
(-00011); UUIDs in standard form (-00027..-00030); exactly one IFI per Agent (-00034) and a Group's IFI or
members (-00037); language-map keys RFC 5646 tags (-00013); timestamps ISO 8601 without a negative zero offset
(-00022), durations ISO 8601 (-00077); scores within their bounds (-00080..-00083); Sub-Statements without id,
stored, version, authority or a nested Sub-Statement (-00066..-00071); a voiding statement's object a
StatementRef (-00017); context `revision`/`platform` only about an Activity (-00084, -00085).
"""

from collections.abc import Callable, Mapping
from typing import Any

from services.metrics.xapi import formats
from services.metrics.xapi.versions import Version, statement_version_ok

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
INTERACTION_TYPES = frozenset({"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
                               "sequencing", "likert", "numeric", "other"})
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
Path = str


class StatementInvalid(ValueError):
    """Where a statement breaks a rule, and which."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _fail(path: Path, message: str) -> StatementInvalid:
    return StatementInvalid(path, message)


def _object(value: Any, path: Path, *, empty_ok: bool = False) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, "must be a JSON object")
    if not value and not empty_ok:
        raise _fail(path, "must not be an empty object")
    return value


def _keys(value: Mapping[str, Any], path: Path, allowed: frozenset[str] | set[str],
          required: tuple[str, ...] = ()) -> None:
    for key in value:
        if key not in allowed:
            near = next((a for a in allowed if a.lower() == key.lower()), None)
            hint = f" (the property is spelled '{near}')" if near else ""
            raise _fail(f"{path}.{key}", f"is not a property allowed here{hint}")
    for key in required:
        if key not in value:
            raise _fail(f"{path}.{key}", "is required")


def _string(value: Any, path: Path) -> str:
    if not isinstance(value, str):
        raise _fail(path, "must be a string")
    return value


def _formatted(value: Any, path: Path, check: Callable[[str], bool], what: str) -> str:
    text = _string(value, path)
    if not check(text):
        raise _fail(path, f"must be {what}")
    return text


def _iri(value: Any, path: Path) -> str:
    return _formatted(value, path, formats.is_iri, "an IRI with a scheme")


def _irl(value: Any, path: Path) -> str:
    return _formatted(value, path, formats.is_irl, "an IRL (a URL with a scheme and an authority)")


def _uuid(value: Any, path: Path) -> str:
    return _formatted(value, path, formats.is_uuid, "a UUID in its standard string form (RFC 4122)")


def _bool(value: Any, path: Path) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, "must be true or false")
    return value


def _number(value: Any, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, "must be a number")
    return float(value)


def _array(value: Any, path: Path, *, empty_ok: bool = True) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(path, "must be an array")
    if not value and not empty_ok:
        raise _fail(path, "must not be empty")
    return value


def language_map(value: Any, path: Path) -> dict[str, str]:
    mapping = _object(value, path)
    for tag, text in mapping.items():
        if not formats.is_language_tag(tag):
            raise _fail(f"{path}.{tag}", "is not an RFC 5646 language tag")
        _string(text, f"{path}.{tag}")
    return mapping


def extensions(value: Any, path: Path) -> None:
    """Keys are IRIs; values are any JSON, null included (the one place it may appear)."""
    for key in _object(value, path, empty_ok=True):
        _iri(key, f"{path}.{key}")


class Validator:
    """The rules of one version; `statement()` raises StatementInvalid at the first problem."""

    def __init__(self, version: Version) -> None:
        self.version = version

    # ---- agents and groups ----------------------------------------------------------------------------

    def _ifis(self, value: dict[str, Any], path: Path) -> int:
        count = 0
        if "mbox" in value:
            _formatted(value["mbox"], f"{path}.mbox", formats.is_mailto, "a mailto IRI (mailto:name@host)")
            count += 1
        if "mbox_sha1sum" in value:
            _formatted(value["mbox_sha1sum"], f"{path}.mbox_sha1sum", formats.is_sha1,
                       "the hex SHA-1 of a mailto IRI")
            count += 1
        if "openid" in value:
            _formatted(value["openid"], f"{path}.openid", formats.is_iri, "a URI")
            count += 1
        if "account" in value:
            account = _object(value["account"], f"{path}.account")
            _keys(account, f"{path}.account", {"homePage", "name"}, ("homePage", "name"))
            _irl(account["homePage"], f"{path}.account.homePage")
            if not _string(account["name"], f"{path}.account.name"):
                raise _fail(f"{path}.account.name", "must not be empty")
            count += 1
        return count

    def agent(self, value: Any, path: Path, *, object_type_required: bool = False) -> dict[str, Any]:
        agent = _object(value, path)
        _keys(agent, path, {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
        if "objectType" in agent:
            if agent["objectType"] != "Agent":
                raise _fail(f"{path}.objectType", "must be 'Agent'")
        elif object_type_required:
            raise _fail(f"{path}.objectType", "is required for an Agent here")
        if "name" in agent:
            _string(agent["name"], f"{path}.name")
        if self._ifis(agent, path) != 1:
            raise _fail(path, "an Agent has exactly one of mbox, mbox_sha1sum, openid or account")
        return agent

    def group(self, value: Any, path: Path, *, identified: bool = False) -> dict[str, Any]:
        group = _object(value, path)
        _keys(group, path, {"objectType", "name", "member", "mbox", "mbox_sha1sum", "openid", "account"},
              ("objectType",))
        if group["objectType"] != "Group":
            raise _fail(f"{path}.objectType", "must be 'Group'")
        if "name" in group:
            _string(group["name"], f"{path}.name")
        ifis = self._ifis(group, path)
        if ifis > 1:
            raise _fail(path, "a Group has at most one of mbox, mbox_sha1sum, openid or account")
        if "member" in group:
            members = _array(group["member"], f"{path}.member", empty_ok=ifis == 1)
            for i, member in enumerate(members):
                self.agent(member, f"{path}.member[{i}]")
        elif ifis == 0:
            raise _fail(path, "an anonymous Group lists its members")
        if identified and ifis == 0:
            raise _fail(path, "must be an identified Group (with an IFI)")
        return group

    def actor(self, value: Any, path: Path, *, object_type_required: bool = False) -> dict[str, Any]:
        actor = _object(value, path)
        kind = actor.get("objectType", "Agent")
        if kind == "Group":
            return self.group(actor, path)
        if kind != "Agent":
            raise _fail(f"{path}.objectType", "must be 'Agent' or 'Group'")
        return self.agent(actor, path, object_type_required=object_type_required)

    # ---- verb, activities, objects ---------------------------------------------------------------------

    def verb(self, value: Any, path: Path) -> None:
        verb = _object(value, path)
        _keys(verb, path, {"id", "display"}, ("id",))
        _iri(verb["id"], f"{path}.id")
        if "display" in verb:
            language_map(verb["display"], f"{path}.display")

    def _components(self, value: Any, path: Path) -> None:
        seen: set[str] = set()
        for i, component in enumerate(_array(value, path)):
            where = f"{path}[{i}]"
            component = _object(component, where)
            _keys(component, where, {"id", "description"}, ("id",))
            ident = _string(component["id"], f"{where}.id")
            if not ident or ident in seen:
                raise _fail(f"{where}.id", "must be a non-empty id, unique in its list")
            seen.add(ident)
            if "description" in component:
                language_map(component["description"], f"{where}.description")

    def definition(self, value: Any, path: Path) -> None:
        d = _object(value, path)
        _keys(d, path, {"name", "description", "type", "moreInfo", "extensions", "interactionType",
                        "correctResponsesPattern", *COMPONENT_LISTS})
        for key in ("name", "description"):
            if key in d:
                language_map(d[key], f"{path}.{key}")
        if "type" in d:
            _iri(d["type"], f"{path}.type")
        if "moreInfo" in d:
            _irl(d["moreInfo"], f"{path}.moreInfo")
        if "extensions" in d:
            extensions(d["extensions"], f"{path}.extensions")
        if "interactionType" in d and d["interactionType"] not in INTERACTION_TYPES:
            raise _fail(f"{path}.interactionType", f"must be one of {', '.join(sorted(INTERACTION_TYPES))}")
        if "correctResponsesPattern" in d:
            if "interactionType" not in d:
                raise _fail(f"{path}.correctResponsesPattern", "needs an interactionType")
            for i, item in enumerate(_array(d["correctResponsesPattern"], f"{path}.correctResponsesPattern")):
                _string(item, f"{path}.correctResponsesPattern[{i}]")
        for key in COMPONENT_LISTS:
            if key in d:
                if "interactionType" not in d:
                    raise _fail(f"{path}.{key}", "needs an interactionType")
                self._components(d[key], f"{path}.{key}")

    def activity(self, value: Any, path: Path) -> dict[str, Any]:
        activity = _object(value, path)
        _keys(activity, path, {"objectType", "id", "definition"}, ("id",))
        if "objectType" in activity and activity["objectType"] != "Activity":
            raise _fail(f"{path}.objectType", "must be 'Activity'")
        _iri(activity["id"], f"{path}.id")
        if "definition" in activity:
            self.definition(activity["definition"], f"{path}.definition")
        return activity

    def statement_ref(self, value: Any, path: Path) -> None:
        ref = _object(value, path)
        _keys(ref, path, {"objectType", "id"}, ("objectType", "id"))
        if ref["objectType"] != "StatementRef":
            raise _fail(f"{path}.objectType", "must be 'StatementRef'")
        _uuid(ref["id"], f"{path}.id")

    def object(self, value: Any, path: Path, *, in_sub: bool) -> str:
        obj = _object(value, path)
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(obj, path)
        elif kind == "Agent":
            self.agent(obj, path, object_type_required=True)
        elif kind == "Group":
            self.group(obj, path)
        elif kind == "StatementRef":
            self.statement_ref(obj, path)
        elif kind == "SubStatement":
            if in_sub:
                raise _fail(f"{path}.objectType", "a SubStatement cannot hold another SubStatement")
            self.statement(obj, path, sub=True)
        else:
            raise _fail(f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")
        return str(kind)

    # ---- result, context, attachments ------------------------------------------------------------------

    def result(self, value: Any, path: Path) -> None:
        result = _object(value, path)
        _keys(result, path, {"score", "success", "completion", "response", "duration", "extensions"})
        if "score" in result:
            score = _object(result["score"], f"{path}.score")
            _keys(score, f"{path}.score", {"scaled", "raw", "min", "max"})
            numbers = {k: _number(v, f"{path}.score.{k}") for k, v in score.items()}
            if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
                raise _fail(f"{path}.score.scaled", "must lie between -1 and 1")
            low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
            if low is not None and high is not None and not low < high:
                raise _fail(f"{path}.score.max", "must be greater than min")
            if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
                raise _fail(f"{path}.score.raw", "must lie between min and max")
        for key in ("success", "completion"):
            if key in result:
                _bool(result[key], f"{path}.{key}")
        if "response" in result:
            _string(result["response"], f"{path}.response")
        if "duration" in result:
            _formatted(result["duration"], f"{path}.duration", formats.is_duration, "an ISO 8601 duration")
        if "extensions" in result:
            extensions(result["extensions"], f"{path}.extensions")

    def context(self, value: Any, path: Path, object_kind: str) -> None:
        ctx = _object(value, path)
        allowed = {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
                   "statement", "extensions"}
        if self.version is Version.V2:
            allowed |= {"contextAgents", "contextGroups"}
        _keys(ctx, path, allowed)
        if "registration" in ctx:
            _uuid(ctx["registration"], f"{path}.registration")
        if "instructor" in ctx:
            self.actor(ctx["instructor"], f"{path}.instructor")
        if "team" in ctx:
            self.group(ctx["team"], f"{path}.team")
        if "contextActivities" in ctx:
            activities = _object(ctx["contextActivities"], f"{path}.contextActivities")
            _keys(activities, f"{path}.contextActivities", CONTEXT_ACTIVITY_KEYS)
            for key, listed in activities.items():
                where = f"{path}.contextActivities.{key}"
                items = listed if isinstance(listed, list) else [listed]
                if self.version is Version.V2 and not isinstance(listed, list):
                    raise _fail(where, "must be an array of Activities")
                for i, item in enumerate(items):
                    self.activity(item, f"{where}[{i}]")
        for key in ("revision", "platform"):
            if key in ctx:
                _string(ctx[key], f"{path}.{key}")
                if object_kind != "Activity":
                    raise _fail(f"{path}.{key}", "is only allowed when the object is an Activity")
        if "language" in ctx:
            _formatted(ctx["language"], f"{path}.language", formats.is_language_tag, "an RFC 5646 language tag")
        if "statement" in ctx:
            self.statement_ref(ctx["statement"], f"{path}.statement")
        if "extensions" in ctx:
            extensions(ctx["extensions"], f"{path}.extensions")
        for key, inner, kind in (("contextAgents", "agent", "contextAgent"), ("contextGroups", "group",
                                                                               "contextGroup")):
            if key not in ctx:
                continue
            for i, item in enumerate(_array(ctx[key], f"{path}.{key}", empty_ok=False)):
                where = f"{path}.{key}[{i}]"
                entry = _object(item, where)
                _keys(entry, where, {"objectType", inner, "relevantTypes"}, ("objectType", inner))
                if entry["objectType"] != kind:
                    raise _fail(f"{where}.objectType", f"must be '{kind}'")
                if inner == "agent":
                    self.agent(entry[inner], f"{where}.agent")
                else:
                    self.group(entry[inner], f"{where}.group")
                if "relevantTypes" in entry:
                    for j, iri in enumerate(_array(entry["relevantTypes"], f"{where}.relevantTypes",
                                                   empty_ok=False)):
                        _iri(iri, f"{where}.relevantTypes[{j}]")

    def attachments(self, value: Any, path: Path) -> None:
        for i, item in enumerate(_array(value, path)):
            where = f"{path}[{i}]"
            att = _object(item, where)
            _keys(att, where, {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"},
                  ("usageType", "display", "contentType", "length", "sha2"))
            _iri(att["usageType"], f"{where}.usageType")
            language_map(att["display"], f"{where}.display")
            if "description" in att:
                language_map(att["description"], f"{where}.description")
            _formatted(att["contentType"], f"{where}.contentType", formats.is_media_type, "an Internet media type")
            length = att["length"]
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                raise _fail(f"{where}.length", "must be a non-negative integer (octets)")
            _formatted(att["sha2"], f"{where}.sha2", formats.is_sha2, "the hex SHA-2 of the attachment")
            if "fileUrl" in att:
                _irl(att["fileUrl"], f"{where}.fileUrl")

    def timestamp(self, value: Any, path: Path) -> None:
        text = _string(value, path)
        if formats.parse_timestamp(text, zone_required=self.version is Version.V2) is None:
            raise _fail(path, "must be an ISO 8601 date and time (RFC 3339 at 2.0), not a negative zero offset")

    # ---- the statement ---------------------------------------------------------------------------------

    def statement(self, value: Any, path: Path = "statement", *, sub: bool = False) -> None:
        st = _object(value, path)
        if sub:
            allowed = {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
        else:
            allowed = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                       "version", "attachments"}
        _keys(st, path, allowed, ("actor", "verb", "object"))
        if "id" in st:
            _uuid(st["id"], f"{path}.id")
        self.actor(st["actor"], f"{path}.actor")
        self.verb(st["verb"], f"{path}.verb")
        kind = self.object(st["object"], f"{path}.object", in_sub=sub)
        if st["verb"]["id"] == VOIDED and kind != "StatementRef":
            raise _fail(f"{path}.object", "a voiding statement's object is a StatementRef")
        if "result" in st:
            self.result(st["result"], f"{path}.result")
        if "context" in st:
            self.context(st["context"], f"{path}.context", kind)
        for key in ("timestamp", "stored"):
            if key in st:
                self.timestamp(st[key], f"{path}.{key}")
        if "authority" in st:
            authority = self.actor(st["authority"], f"{path}.authority")
            if authority.get("objectType") == "Group" and len(authority.get("member", [])) != 2:
                raise _fail(f"{path}.authority", "a Group authority has exactly two members (3-legged OAuth)")
        if "version" in st:
            text = _string(st["version"], f"{path}.version")
            if not statement_version_ok(text, self.version):
                raise _fail(f"{path}.version", "must be 1.0 or 1.0.x" + (" or 2.0.0" if self.version is Version.V2
                                                                            else ""))
        if "attachments" in st:
            self.attachments(st["attachments"], f"{path}.attachments")
