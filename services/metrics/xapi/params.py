"""The query parameters and bodies of the Statements resource, read strictly: an unknown parameter (or one in
the wrong case), a repeated one, or a value that would not be valid in a statement is a 400 (XAPI-00012);
`statementId` / `voidedStatementId` go with nothing but `attachments` and `format` (XAPI-00150, -00151)."""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from common.validation import unstorable
from services.metrics.xapi import formats, multipart
from services.metrics.xapi.errors import XapiBadRequest
from services.metrics.xapi.repository import Filters
from services.metrics.xapi.shaping import ifi, key
from services.metrics.xapi.validation import StatementInvalid, Validator
from services.metrics.xapi.versions import Version

GET_PARAMS = frozenset({"statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
                        "related_activities", "related_agents", "since", "until", "limit", "format", "attachments",
                        "ascending", "from"})
SINGLE_ONLY = frozenset({"attachments", "format"})
FORMATS = ("ids", "exact", "canonical")


def _single(params: QueryParams, allowed: frozenset[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in params.multi_items():
        if name not in allowed:
            raise XapiBadRequest(f"'{name[:100]}' is not a parameter of this resource (names are case-sensitive).")
        if name in out:
            raise XapiBadRequest(f"'{name}' is given more than once.")
        out[name] = value
    return out


def _bool(value: str, name: str) -> bool:
    if value not in ("true", "false"):
        raise XapiBadRequest(f"{name} is true or false.")
    return value == "true"


def _uuid(value: str, name: str) -> uuid.UUID:
    if not formats.is_uuid(value):
        raise XapiBadRequest(f"{name} must be a UUID in its standard string form.")
    return uuid.UUID(value)


def _time(value: str, name: str, version: Version) -> datetime:
    moment = formats.parse_timestamp(value, zone_required=version is Version.V2)
    if moment is None:
        raise XapiBadRequest(f"{name} must be an ISO 8601 timestamp.")
    return moment


def statement_id_param(params: QueryParams) -> uuid.UUID:
    """A PUT's `statementId` (required, alone: XAPI-00145)."""
    given = _single(params, frozenset({"statementId"}))
    if "statementId" not in given:
        raise XapiBadRequest("A PUT of a statement names it with the statementId parameter.")
    return _uuid(given["statementId"], "statementId")


def no_params(params: QueryParams) -> None:
    """A POST of statements takes no parameter (the alternate request syntax is not offered)."""
    _single(params, frozenset())


@dataclass(frozen=True)
class Query:
    statement_id: uuid.UUID | None
    voided_statement_id: uuid.UUID | None
    filters: Filters
    limit: int
    format: str
    attachments: bool
    given: dict[str, str]  # the parameters as sent (without the cursor), for the `more` link


def _agent_key(value: str, version: Version) -> str:
    try:
        agent = json.loads(value)
    except ValueError:
        raise XapiBadRequest("agent must be an Agent or identified Group as JSON.") from None
    try:
        checked = (Validator(version).group(agent, "agent", identified=True)
                   if isinstance(agent, dict) and agent.get("objectType") == "Group"
                   else Validator(version).agent(agent, "agent"))
    except StatementInvalid as exc:
        raise XapiBadRequest(f"{exc.path} {exc.message}.") from None
    found = ifi(checked)
    assert found is not None
    return key(found)


def _cursor(value: str) -> tuple[datetime, uuid.UUID]:
    at, _, ident = value.partition("~")
    moment = formats.parse_timestamp(at, zone_required=True)
    if moment is None or not formats.is_uuid(ident):
        raise XapiBadRequest("from is not a cursor this LRS gave (follow the `more` link as it is).")
    return moment, uuid.UUID(ident)


def statement_query(params: QueryParams, version: Version, max_limit: int) -> Query:
    given = _single(params, GET_PARAMS)
    for single in ("statementId", "voidedStatementId"):
        if single in given:
            others = set(given) - SINGLE_ONLY - {single}
            if others:
                raise XapiBadRequest(f"{single} goes with no other parameter than attachments and format "
                                     f"(also given: {', '.join(sorted(others))}).")
    fmt = given.get("format", "exact")
    if fmt not in FORMATS:
        raise XapiBadRequest("format is ids, exact or canonical.")
    limit = max_limit
    if "limit" in given:
        if not given["limit"].isdigit() or len(given["limit"]) > 9:
            raise XapiBadRequest("limit is a non-negative integer.")
        limit = int(given["limit"]) or max_limit
    for name in ("verb", "activity"):
        if name in given and not formats.is_iri(given[name]):
            raise XapiBadRequest(f"{name} must be an IRI.")
    filters = Filters(
        agent=_agent_key(given["agent"], version) if "agent" in given else None,
        verb=key(given["verb"]) if "verb" in given else None,
        activity=key(given["activity"]) if "activity" in given else None,
        registration=_uuid(given["registration"], "registration") if "registration" in given else None,
        related_agents=_bool(given["related_agents"], "related_agents") if "related_agents" in given else False,
        related_activities=(_bool(given["related_activities"], "related_activities")
                            if "related_activities" in given else False),
        since=_time(given["since"], "since", version) if "since" in given else None,
        until=_time(given["until"], "until", version) if "until" in given else None,
        ascending=_bool(given["ascending"], "ascending") if "ascending" in given else False,
        after=_cursor(given["from"]) if "from" in given else None)
    return Query(
        statement_id=_uuid(given["statementId"], "statementId") if "statementId" in given else None,
        voided_statement_id=(_uuid(given["voidedStatementId"], "voidedStatementId")
                             if "voidedStatementId" in given else None),
        filters=filters, limit=min(limit, max_limit), format=fmt,
        attachments=_bool(given["attachments"], "attachments") if "attachments" in given else False,
        given={k: v for k, v in given.items() if k != "from"})


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise XapiBadRequest(f"The property '{name[:100]}' appears twice in one object (XAPI-00021).")
        out[name] = value
    return out


def _no_constant(name: str) -> Any:
    raise XapiBadRequest(f"{name} is not a JSON value.")


def write_body(body: bytes, content_type: str | None) -> tuple[Any, dict[str, multipart.Part] | None]:
    """The statements of a write and, in multipart/mixed, its attachments by hash (None for a JSON body)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "multipart/mixed":
        statements, parts = multipart.read(body, content_type or "")
        return json_body(statements), parts
    if media != "application/json":
        raise XapiBadRequest("Send statements as application/json, or multipart/mixed with attachments.")
    return json_body(body), None


def json_body(body: bytes) -> Any:
    """JSON (UTF-8), objects without duplicate keys, no NaN/Infinity, and nothing a database cannot store
    (NUL, lone surrogates)."""
    try:
        data = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise XapiBadRequest("The body is not UTF-8 (XAPI-00015).") from None
    except ValueError as exc:
        raise XapiBadRequest(f"The body is not JSON: {exc}.") from None
    for where, (_, message), _value in unstorable(data):
        raise XapiBadRequest(f"{'.'.join(map(str, where)) or 'body'} {message}.")
    return data
