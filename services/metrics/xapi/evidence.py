"""Statements that mean a training completion become training evidence: the same completion records the LMS JSON
batch writes (ingest.py), so they resolve, wait pending, get attributed later and count in the daily aggregates
like any completion.

Which statements: the verbs `completed`, `passed`, `failed` (ADL, also cmi5's) and cmi5's `waived` (counted as
passed: success and completion both true) and `satisfied` (counted as completed), on an Activity. A statement
whose `result` says otherwise is not a completion (`completed` with completion false; `passed` with success
false counts as failed, `failed` with success true as passed). A voided statement is none; voiding one withdraws
its completion and takes its contribution out of the aggregates exactly.

The record: `external_id` = the statement id (the lineage back to the statement), `lms` = the source its learner
resolves under, course = the object's id (`course_id`; an IRI over 128 characters by its SHA-256), title = the
activity's name in English if it has one, else any, else the id; score = `result.score.scaled` (0..1; a
negative scaled score is no score), else raw within min..max; completed_at = the statement's timestamp.

The learner, from the actor (an Agent): `mbox` → the e-mail (lms `xapi`); `account` → the account's `name` as a
user id under a source named after the homePage's host (`https://moodle.acme.com/` → `moodle-acme-com`), which
a tenant maps to a directory source with a source alias (`PUT /v1/source-aliases/moodle-acme-com {"target":
"lms"}`); `mbox_sha1sum` → the e-mail of the person of the directory whose `mailto:` IRI hashes to it, when
one does at the time (a hash names nobody who is not known yet, so it is not kept pending); `openid` and groups
name no learner and make no completion.
"""

import hashlib
import re
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics.aggregates import Tally, completion_event
from services.metrics.definitions import tenant_metrics
from services.metrics.ingest import COMPLETIONS, ingest_items
from services.metrics.models import Completion, Person
from services.metrics.repository import DailyRepository, DefinitionRepository, EvidenceRepository
from services.metrics.xapi.formats import parse_timestamp
from services.metrics.xapi.shaping import Prepared

ADL = "http://adlnet.gov/expapi/verbs/"
CMI5 = "https://w3id.org/xapi/adl/verbs/"
STATUS_OF_VERB = {f"{ADL}completed": "completed", f"{ADL}passed": "passed", f"{ADL}failed": "failed",
                  f"{CMI5}waived": "passed", f"{CMI5}satisfied": "completed"}
EMAIL_SOURCE = "xapi"
_NOT_SOURCE = re.compile(r"[^a-z0-9]+")


def home_page_source(home_page: str) -> str:
    """The evidence source an account's homePage stands for: its host in lower case, dots as dashes, at most 32
    characters (a longer one ends in a hash of the whole host)."""
    host = (urlsplit(home_page).hostname or home_page).lower()
    name = _NOT_SOURCE.sub("-", host).strip("-") or "xapi-account"
    if not name[0].isalpha():
        name = "x" + name
    if len(name) > 32:
        name = name[:23] + "-" + hashlib.sha256(host.encode()).hexdigest()[:8]
    return name


def _status(statement: dict[str, Any]) -> str | None:
    status = STATUS_OF_VERB.get(statement["verb"]["id"])
    if status is None or statement["object"].get("objectType", "Activity") != "Activity":
        return None
    result = statement.get("result", {})
    if status == "completed" and result.get("completion") is False:
        return None
    if status in ("passed", "failed") and isinstance(result.get("success"), bool):
        return "passed" if result["success"] else "failed"
    return status


def _score(result: dict[str, Any]) -> float | None:
    score = result.get("score", {})
    if "scaled" in score:
        scaled = float(score["scaled"])
        return scaled if scaled >= 0 else None
    if {"raw", "min", "max"} <= score.keys():
        low, high = float(score["min"]), float(score["max"])
        return (float(score["raw"]) - low) / (high - low)
    return None


def _title(activity: dict[str, Any], course_id: str) -> str:
    names: dict[str, str] = activity.get("definition", {}).get("name", {})
    english = next((v for k, v in names.items() if k.lower().split("-")[0] == "en" and v.strip()), None)
    title = english or next((v for v in names.values() if v.strip()), None) or course_id
    return title[:300]


def mailto_sha1(email: str) -> str:
    return hashlib.sha1(f"mailto:{email}".encode()).hexdigest()  # what xAPI hashes for mbox_sha1sum


def completion_item(statement: dict[str, Any], sha1_emails: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The completion a stored statement means, as an item of the LMS completions batch; None if it means none.
    `sha1_emails`: known e-mails by the SHA-1 of their mailto IRI (None: only the item's lms and external id are
    wanted, e.g. to withdraw it)."""
    status = _status(statement)
    actor = statement["actor"]
    if status is None or actor.get("objectType", "Agent") != "Agent":
        return None
    item: dict[str, Any] = {"external_id": statement["id"]}
    if "mbox" in actor:
        item.update(lms=EMAIL_SOURCE, email=actor["mbox"][len("mailto:"):].lower())
    elif "mbox_sha1sum" in actor:
        email = None if sha1_emails is None else sha1_emails.get(actor["mbox_sha1sum"].lower())
        if email is None and sha1_emails is not None:
            return None
        item.update(lms=EMAIL_SOURCE, email=email)
    elif "account" in actor and len(actor["account"]["name"]) <= 128:
        item.update(lms=home_page_source(actor["account"]["homePage"]), user_id=actor["account"]["name"])
    else:
        return None
    activity = statement["object"]
    course_id = activity["id"] if len(activity["id"]) <= 128 else "sha256:" + hashlib.sha256(
        activity["id"].encode()).hexdigest()
    moment = parse_timestamp(statement["timestamp"])
    if moment is None:
        return None
    item.update(course_id=course_id, course_title=_title(activity, course_id), status=status,
                score=_score(statement.get("result", {})), completed_at=moment.isoformat())
    return item


class EvidenceListener:
    """Stored and voided statements → completions, in the request's transaction."""

    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, *, horizon: date) -> None:
        self.s = session
        self.tenant_id = tenant_id
        self.horizon = horizon

    async def stored(self, prepared: Sequence[Prepared]) -> None:
        hashed = any("mbox_sha1sum" in p.statement["actor"] for p in prepared)
        sha1_emails = await self._sha1_emails() if hashed else {}
        items = [item for p in prepared if (item := completion_item(p.statement, sha1_emails)) is not None]
        if items:
            await ingest_items(self.s, self.tenant_id, COMPLETIONS, items, horizon=self.horizon)

    async def _sha1_emails(self) -> dict[str, str]:
        """The tenant's known e-mails by the SHA-1 of their mailto IRI (read only when a statement names its
        actor by mbox_sha1sum)."""
        stmt = select(Person.email).where(Person.tenant_id == self.tenant_id, Person.email.is_not(None),
                                          Person.deleted.is_(False))
        return {mailto_sha1(e): e for e in (await self.s.execute(stmt)).scalars() if e is not None}

    async def voided(self, statements: Sequence[dict[str, Any]]) -> None:
        """Withdraw the completions these (now voided) statements made, and their contributions to the
        aggregates: one delete per source, whatever the number of statements."""
        by_source: dict[str, list[str]] = {}
        for st in statements:
            item = completion_item(st)
            if item is not None:
                by_source.setdefault(item["lms"], []).append(item["external_id"])
        if not by_source:
            return
        await EvidenceRepository(self.s, self.tenant_id).lock(exclusive=False)
        c = Completion.__table__.c
        rows: list[dict[str, Any]] = []
        for source, external_ids in sorted(by_source.items()):
            stmt = (delete(Completion).where(c.tenant_id == self.tenant_id, c.source == source,
                                             c.external_id.in_(external_ids))
                    .returning(c.person_id, c.completed_at, c.status, c.course_id, c.score))
            rows.extend(dict(r._mapping) for r in (await self.s.execute(stmt)).all())
        tally = Tally.of(await tenant_metrics(DefinitionRepository(self.s, self.tenant_id)), "completions")
        for row in rows:
            tally.event(completion_event(row), -1.0)
        await DailyRepository(self.s, self.tenant_id).apply(tally.rows())
