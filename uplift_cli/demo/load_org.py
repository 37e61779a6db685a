"""Load the org: people (an HRIS sync, then their CRM and LMS ids), reporting lines with the reorg, the
objective and its behaviours, coach assignments, programmes with their pairs, the alignment assessment."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from uplift_cli.demo.api import Api, DemoLoadError
from uplift_cli.demo.constants import CRM, HRIS, LMS, TRAINING_DAY
from uplift_cli.demo.content import ALIGNMENT_TITLE
from uplift_cli.demo.plan import Plan


@dataclass
class Ids:
    """What the services named the plan's things."""

    people: dict[str, str] = field(default_factory=dict)  # plan key -> person id
    objective: str = ""
    behaviors: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> the behaviour as last returned
    scenarios: dict[str, str] = field(default_factory=dict)  # behaviour key -> its first scenario's id
    programmes: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> the programme with its pairs

    def person(self, key: str) -> str:
        return self.people[key]


async def load_people(api: Api, plan: Plan, ids: Ids) -> None:
    people = plan.org.people
    result = await api.post("coaching/v1/people/bulk", {"source": HRIS, "items": [
        {"external_id": p.hris, "name": p.name, "email": p.email, "title": p.title, "roles": list(p.roles)}
        for p in people]})
    bad = [i for i in result["items"] if i["status"] != "created"]
    if bad:
        raise DemoLoadError(f"people/bulk did not create everyone: {bad[:3]}")
    for p, item in zip(people, result["items"], strict=True):
        ids.people[p.key] = item["person_id"]
    for p in people:  # the CRM's and the LMS's user mappings
        for source, external_id in ((CRM, p.crm), (LMS, p.lms)):
            await api.put(f"coaching/v1/people/{ids.person(p.key)}/external-ids/{source}",
                          {"external_id": external_id})
    for line in plan.org.lines:  # history first: a reporting line is never written before an earlier one
        await api.put(f"coaching/v1/people/{ids.person(line.person)}/manager",
                      {"manager_id": ids.person(line.manager), "effective": line.effective.isoformat()})


async def load_behaviors(api: Api, plan: Plan, ids: Ids) -> None:
    o = plan.objective
    objective = await api.post("behaviors/v1/objectives", {
        "name": o.name, "description": o.description, "owner_id": ids.person(o.owner), "status": "active",
        "starts_on": (plan.today + timedelta(days=TRAINING_DAY - 60)).isoformat(),
        "ends_on": (plan.today + timedelta(days=245)).isoformat()})
    ids.objective = objective["id"]
    for b in plan.behaviors:
        created = await api.post("behaviors/v1/behaviors", {
            "key": b.key, "name": b.name, "description": b.description, "rationale": b.rationale,
            "objective_id": ids.objective, "audience": list(b.audience), "category": b.category, "stage": b.stage,
            "priority": b.priority, "owner_id": ids.person(b.owner),
            "responsible": [{"person_id": ids.person(k), "function": f} for k, f in b.responsible],
            "rubric": [{"level": n, "name": name, "descriptor": d} for n, (name, d) in enumerate(b.rubric, 1)],
            "indicators": [{"metric_key": i.metric_key, "kind": i.kind, "target": i.target,
                            "comparator": i.comparator, "period": i.period} for i in b.indicators]})
        for s in b.scenarios:
            scenario = await api.post(f"behaviors/v1/behaviors/{created['id']}/scenarios", {
                "title": s.title, "situation": s.situation, "opening_questions": list(s.opening_questions),
                "signs_of_proficiency": list(s.signs_of_proficiency), "root_causes": list(s.root_causes)})
            ids.scenarios.setdefault(b.key, scenario["id"])
        ids.behaviors[b.key] = (await api.post(f"behaviors/v1/behaviors/{created['id']}/publish")
                                if b.publish else created)


async def load_relationships(api: Api, plan: Plan, ids: Ids) -> None:
    for a in plan.org.assignments:
        await api.post("coaching/v1/coach-assignments", {
            "coach_id": ids.person(a.coach), "seller_id": ids.person(a.seller), "kind": a.kind,
            "scope": list(a.scope), "starts_on": a.starts_on.isoformat(),
            "ends_on": a.ends_on.isoformat() if a.ends_on else None})
    org = plan.org
    for p in plan.coaching.programmes:  # created and staffed by their owners, with their own tokens
        owner = (ids.person(p.owner), org.person(p.owner).token_roles)
        programme = await api.post("coaching/v1/programmes", {
            "name": p.name, "objective_id": ids.objective, "behavior_keys": list(p.behavior_keys),
            "owner_id": ids.person(p.owner), "cadence_days": p.cadence_days,
            "starts_on": p.starts_on.isoformat()}, as_person=owner)
        for coach, seller in p.pairs:
            await api.post(f"coaching/v1/programmes/{programme['id']}/pairs", {
                "coach_id": ids.person(coach), "seller_id": ids.person(seller),
                "joined_on": p.starts_on.isoformat()}, as_person=owner)
        ids.programmes[p.key] = await api.get(f"coaching/v1/programmes/{programme['id']}")


async def load_alignment(api: Api, plan: Plan, ids: Ids) -> None:
    assessment = await api.post("behaviors/v1/assessments", {"title": ALIGNMENT_TITLE,
                                                             "objective_id": ids.objective})
    for key, function, answers in plan.alignment:
        await api.put(f"behaviors/v1/assessments/{assessment['id']}/responses/{plan.org.person(key).email}",
                      {"function": function, "answers": [f"view_{a}" for a in answers]})
