"""The demo org's people: a leader, five managers of eight sellers, enablement, a trainer and a sales engineer;
their ids in the HRIS, CRM and LMS; who reports to whom (with a reorg); who else coaches whom; and each
seller's individual selling profile (rates the activity plan draws from)."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from uplift_cli.demo.constants import CRM, DOMAIN, HRIS, LMS, REORG_DAY, SELLERS_PER_TEAM, TEAMS, TRAINING_DAY

FIRST = ("Amara", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jonas", "Keira", "Luca",
         "Maya", "Nikhil", "Olivia", "Pablo", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wes", "Ximena",
         "Yusuf", "Zoe", "Aiden", "Bianca", "Carlos", "Dana", "Emeka", "Fiona", "Gabriel", "Hannah", "Ivan",
         "Julia", "Kofi", "Lena", "Marco", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Ursula",
         "Viktor", "Wen", "Yara", "Zane")
LAST = ("Abbott", "Bauer", "Castillo", "Dubois", "Eriksen", "Fischer", "Gallo", "Haddad", "Ito", "Jensen",
        "Kowalski", "Laurent", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinlan", "Rossi", "Silva", "Tanaka",
        "Urban", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer", "Adler", "Brandt", "Costa", "Duarte", "Engel",
        "Ferreira", "Greco", "Holm", "Iqbal", "Janssen", "Keller", "Lindqvist", "Mendes", "Novak", "Olsen",
        "Park", "Reyes", "Schmidt", "Torres", "Ulrich", "Vogel", "Walsh", "Young", "Zhou")
REGIONS = ("North America East", "North America West", "EMEA North", "EMEA South", "APAC")
BEHAVIOR_KEYS = ("exec-meetings", "business-case", "multi-threading", "discovery-calls")
ROOT_CAUSES = ("skills", "knowledge", "commitment", "capacity", "environment")


@dataclass(frozen=True)
class Person:
    key: str  # leader, enablement, trainer, se, m1..m5, s01..s40
    name: str
    email: str
    title: str
    roles: tuple[str, ...]
    hris: str
    crm: str
    lms: str
    token_roles: tuple[str, ...]  # the roles their bearer token carries when they act in the demo

    def external_ids(self) -> dict[str, str]:
        return {HRIS: self.hris, CRM: self.crm, LMS: self.lms}


@dataclass(frozen=True)
class Profile:
    """A seller's habits: per-weekday rates, weekly rates, conversion, and where they struggle."""

    calls_per_day: float
    emails_per_day: float
    meetings_per_day: float  # with VPs and managers
    c_level_per_week: float  # before any effect
    opportunities_per_week: float
    demo_share: float  # of opportunities that get a demo
    proposal_share: float  # of opportunities that get a proposal
    win_rate: float  # of proposals that are won
    deal_size: float
    proficiency: dict[str, int]  # behaviour key -> rubric level 1..4 at the start of the history
    root_cause: str  # the usual root cause of their gaps
    trained: bool  # completes the course on TRAINING_DAY
    by_person_id: bool  # their CRM plugin pushes Uplift person ids instead of CRM user ids


@dataclass(frozen=True)
class Line:
    person: str
    manager: str
    effective: date


@dataclass(frozen=True)
class Assignment:
    coach: str
    seller: str
    kind: str
    scope: tuple[str, ...]
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class Org:
    people: tuple[Person, ...]
    profiles: dict[str, Profile]  # seller key -> profile
    lines: tuple[Line, ...]  # in the order they must be written (history first)
    moves: tuple[tuple[str, str, str], ...]  # (seller, from manager, to manager) on REORG_DAY
    assignments: tuple[Assignment, ...]

    def person(self, key: str) -> Person:
        return next(p for p in self.people if p.key == key)

    @property
    def sellers(self) -> list[str]:
        return [p.key for p in self.people if "seller" in p.roles]

    @property
    def managers(self) -> list[str]:
        return [p.key for p in self.people if "manager" in p.roles]

    def moved(self, seller: str) -> bool:
        return any(s == seller for s, _, _ in self.moves)

    def manager_of(self, seller: str, day: date, today: date) -> str:
        """The seller's manager on `day`."""
        for s, old, new in self.moves:
            if s == seller:
                return old if day < today + timedelta(days=REORG_DAY) else new
        return next(ln.manager for ln in self.lines if ln.person == seller)

    def team(self, manager: str, day: date, today: date) -> list[str]:
        return [s for s in self.sellers if self.manager_of(s, day, today) == manager]


def _crm_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "0055e" + "".join(rng.choice(alphabet) for _ in range(10))


def build_org(seed: int, today: date) -> Org:
    rng = random.Random(f"{seed}-org")
    first, last = list(FIRST), list(LAST)
    rng.shuffle(first)
    rng.shuffle(last)
    names = iter(zip(first, last, strict=True))
    people: list[Person] = []
    hris_numbers = rng.sample(range(10_000, 99_999), 60)

    def add(key: str, title: str, roles: tuple[str, ...], token_roles: tuple[str, ...]) -> None:
        f, surname = next(names)
        n = len(people)
        people.append(Person(key=key, name=f"{f} {surname}", email=f"{f}.{surname}@{DOMAIN}".lower(), title=title,
                             roles=roles, hris=f"E{hris_numbers[n]}", crm=_crm_id(rng), lms=f"u-{4100 + n * 7}",
                             token_roles=token_roles))

    add("leader", "VP Sales", ("leader",), ("leader",))
    add("enablement", "Head of Sales Enablement", ("enablement",), ("enablement",))
    add("trainer", "Sales Trainer", ("enablement",), ("enablement",))
    add("se", "Solutions Engineer", (), ("seller",))  # coaches, does not sell: the least role that may coach
    for t in range(TEAMS):
        add(f"m{t + 1}", f"Sales Manager, {REGIONS[t]}", ("manager",), ("manager",))
    for i in range(TEAMS * SELLERS_PER_TEAM):
        title = "Senior Account Executive" if i % 3 == 0 else "Account Executive"
        add(f"s{i + 1:02d}", title, ("seller",), ("seller",))

    since = today - timedelta(days=365)
    lines = [Line(k, "leader", since) for k in ("enablement", "trainer", "se", *(f"m{t + 1}" for t in range(TEAMS)))]
    teams = {f"m{t + 1}": [f"s{t * SELLERS_PER_TEAM + i + 1:02d}" for i in range(SELLERS_PER_TEAM)]
             for t in range(TEAMS)}
    lines += [Line(s, m, since) for m, members in teams.items() for s in members]
    # The reorg: one seller of each team moves to the next team (team sizes stay eight). The movers are
    # the teams' last members, which keeps the programmes' pairs (first members) away from the reorg.
    moves = tuple((members[-1], m, f"m{(int(m[1:]) % TEAMS) + 1}") for m, members in teams.items())
    reorg = today + timedelta(days=REORG_DAY)
    lines += [Line(s, new, reorg) for s, _, new in moves]

    # Half of each team takes the course: its first two members (the programmes' pairs) and two drawn from
    # those who stay in the team through the reorg.
    trained = {s for members in teams.values() for s in (*members[:2], *rng.sample(members[2:-1], 2))}
    sellers = [s for members in teams.values() for s in members]
    profiles = {s: _profile(rng, trained=s in trained, by_person_id=i % 5 == 4) for i, s in enumerate(sellers)}
    assignments = _assignments(teams, profiles, today)
    return Org(people=tuple(people), profiles=profiles, lines=tuple(lines), moves=moves,
               assignments=tuple(assignments))


def _profile(rng: random.Random, *, trained: bool, by_person_id: bool) -> Profile:
    return Profile(
        calls_per_day=round(rng.uniform(3.0, 8.0), 2), emails_per_day=round(rng.uniform(5.0, 12.0), 2),
        meetings_per_day=round(rng.uniform(0.6, 1.6), 2), c_level_per_week=round(rng.uniform(0.3, 1.2), 2),
        opportunities_per_week=round(rng.uniform(1.0, 2.5), 2), demo_share=round(rng.uniform(0.5, 0.85), 2),
        proposal_share=round(rng.uniform(0.35, 0.7), 2), win_rate=round(rng.uniform(0.2, 0.5), 2),
        deal_size=float(rng.randrange(18_000, 80_000, 500)),
        proficiency={k: rng.choice((1, 2, 2, 3, 3, 4)) for k in BEHAVIOR_KEYS},
        root_cause=rng.choice(ROOT_CAUSES), trained=trained, by_person_id=by_person_id)


def _assignments(teams: dict[str, list[str]], profiles: dict[str, Profile], today: date) -> list[Assignment]:
    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    out: list[Assignment] = []
    # The sales engineer coaches business cases for two sellers of three teams.
    for m in ("m1", "m3", "m5"):
        for s in teams[m][2:4]:
            out.append(Assignment("se", s, "sales_engineer", ("business-case",), day(-105), None))
    # The trainer follows up the course with the trained sellers of teams 3 to 5 (the programme).
    for m in ("m3", "m4", "m5"):
        for s in teams[m][:1]:
            out.append(Assignment("trainer", s, "trainer", ("exec-meetings",), day(TRAINING_DAY), None))
    # A strong seller of team 2 coached two colleagues on discovery for two months (an ended assignment).
    best = max(teams["m2"][:6], key=lambda s: profiles[s].win_rate)
    for s in [x for x in teams["m2"][:6] if x != best][:2]:
        out.append(Assignment(best, s, "peer", ("discovery-calls",), day(-95), day(-35)))
    return out
