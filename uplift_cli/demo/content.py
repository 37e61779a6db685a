"""What the demo org wants to change: the objective, its behaviours (indicators, rubric, owners, coaching
scenarios) and an alignment assessment. Static text; people are named by their plan keys."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    metric_key: str
    kind: str  # activity | proficiency
    target: float
    period: str = "week"
    comparator: str = "gte"


@dataclass(frozen=True)
class Scenario:
    title: str
    situation: str
    opening_questions: tuple[str, ...]
    signs_of_proficiency: tuple[str, ...]
    root_causes: tuple[str, ...]


@dataclass(frozen=True)
class Behavior:
    key: str
    name: str
    description: str
    rationale: str
    audience: tuple[str, ...]
    category: str
    stage: str
    priority: int
    owner: str  # a person key
    responsible: tuple[tuple[str, str], ...]  # (person key, function)
    rubric: tuple[tuple[str, str], ...]  # (level name, descriptor), levels 1.. in order
    indicators: tuple[Indicator, ...]
    scenarios: tuple[Scenario, ...]
    publish: bool = True


@dataclass(frozen=True)
class Objective:
    name: str
    description: str
    owner: str


OBJECTIVE = Objective(
    name="Sell to the C-suite",
    description="Our buyers moved up: budgets for analytics are now decided by the CFO and the COO. Sellers "
                "must reach them, make a business case in their terms and keep several stakeholders engaged; "
                "managers must coach that change every week, not only inspect the forecast.",
    owner="leader")

SALES = (("leader", "sales_leadership"), ("m1", "sales_leadership"), ("enablement", "enablement"))
COACHING = (("leader", "sales_leadership"), ("enablement", "enablement"))


def _rubric(*descriptors: str) -> tuple[tuple[str, str], ...]:
    names = ("Aware", "Practising", "Proficient", "Role model")
    return tuple(zip(names, descriptors, strict=True))


BEHAVIORS: tuple[Behavior, ...] = (
    Behavior(
        key="exec-meetings", name="Book meetings with C-level buyers",
        description="Every open opportunity above 25k has a meeting booked with a C-level buyer before the proposal.",
        rationale="CEOs say their sellers call too low; deals with an executive sponsor close larger and faster.",
        audience=("seller",), category="selling", stage="qualification", priority=1, owner="leader",
        responsible=(*SALES, ("trainer", "training")),
        rubric=_rubric("Meets whoever answers; executives only by chance.",
                       "Asks champions for an introduction to the executive, not always with a reason.",
                       "Books the executive with a reason that matters to them and a prepared agenda.",
                       "Executives ask for the follow-up meeting; coaches peers on getting there."),
        # and the level coaches observe on the rubric (the metric family observed_level:<behaviour key>)
        indicators=(Indicator("c_level_meetings", "activity", 2), Indicator("meetings", "activity", 6),
                    Indicator("observed_level:exec-meetings", "proficiency", 3, "month")),
        scenarios=(
            Scenario("Stuck with the IT manager",
                     "The seller's opportunities are all run by an IT manager who 'will take it upstairs'.",
                     ("Who signs off on a purchase of this size, and when did you last speak with them?",
                      "What would the CFO need to believe for this to be a priority this quarter?",
                      "What could your champion gain by introducing you?"),
                     ("Names the economic buyer of each opportunity", "Has an agenda the executive cares about"),
                     ("skills", "commitment", "knowledge")),
            Scenario("The executive meeting that went nowhere",
                     "The seller met the COO but no next step came out of it.",
                     ("What did the COO say their top three priorities are?",
                      "What did you ask them to do after the meeting?"),
                     ("Ends executive meetings with an agreed next step",),
                     ("skills",))),
    ),
    Behavior(
        key="business-case", name="Bring a quantified business case into every proposal",
        description="Each proposal states the buyer's cost of doing nothing and the return, in the buyer's numbers.",
        rationale="Without a business case the C-suite compares prices; with one it compares outcomes.",
        audience=("seller",), category="selling", stage="proposal", priority=2, owner="leader",
        responsible=SALES,
        rubric=_rubric("Proposals list features and a price.",
                       "Adds generic benefits and an industry ROI figure.",
                       "Builds the case with the buyer's own figures, validated by their finance team.",
                       "The buyer presents the case internally as their own."),
        indicators=(Indicator("proposals", "activity", 1), Indicator("avg_deal_size", "proficiency", 45000, "month"),
                    Indicator("proposal_to_win", "proficiency", 0.35, "quarter")),
        scenarios=(
            Scenario("A proposal without numbers",
                     "The seller is about to send a proposal that quotes licence prices only.",
                     ("What does this problem cost them today, per month?",
                      "Whose budget pays, and what do they measure?"),
                     ("Quantifies the cost of inaction", "Has the buyer's finance team check the figures"),
                     ("knowledge", "skills")),),
    ),
    Behavior(
        key="multi-threading", name="Multi-thread every opportunity",
        description="Keep at least three stakeholders engaged on every opportunity, one of them at VP level or above.",
        rationale="Single-threaded deals die when the champion leaves or loses the budget fight.",
        audience=("seller",), category="selling", stage="development", priority=2, owner="m1",
        responsible=SALES,
        rubric=_rubric("One contact per opportunity.", "Two contacts, both in the same team.",
                       "Three or more contacts across functions, one at VP level.",
                       "Maps the buying group with the champion and engages each member with a reason."),
        indicators=(Indicator("meetings", "activity", 6), Indicator("win_rate", "proficiency", 0.3, "month")),
        scenarios=(
            Scenario("The champion went quiet",
                     "The only contact on a late-stage deal has not answered for two weeks.",
                     ("Who else knows this project exists?", "Who loses if the project stalls?"),
                     ("Has a second contact to call the same day",), ("skills", "environment")),),
    ),
    Behavior(
        key="discovery-calls", name="Run a discovery call before any demo",
        description="No demo before a discovery call that found a problem the buyer agrees to solve.",
        rationale="Demos without discovery show features; after discovery they show the buyer's outcome.",
        audience=("seller",), category="selling", stage="discovery", priority=3, owner="m1",
        responsible=SALES,
        rubric=_rubric("Demos on request.", "Asks a few questions before demoing.",
                       "Agrees the problem, its cost and the decision process before the demo.",
                       "The buyer asks for the demo to confirm the outcome discussed."),
        indicators=(Indicator("calls", "activity", 25), Indicator("demos", "activity", 2),
                    Indicator("opportunities_created", "activity", 1.5)),
        scenarios=(
            Scenario("Demo first",
                     "The seller booked three demos this week and no discovery call.",
                     ("What problem will each demo solve, in the buyer's words?",
                      "What happens if they do nothing?"),
                     ("Writes the problem statement before the demo",), ("skills", "capacity")),),
    ),
    Behavior(
        key="weekly-coaching", name="Hold a weekly 1:1 coaching conversation with each seller",
        description="Thirty minutes a week per seller on one behaviour: a gap, its root cause, an agreed action.",
        rationale="Training alone does not change behaviour; coaching in the field makes it stick.",
        audience=("manager",), category="coaching", stage="coaching", priority=1, owner="enablement",
        responsible=COACHING,
        rubric=_rubric("Reviews the forecast, calls it coaching.", "Coaches when a deal is at risk.",
                       "Weekly, on one behaviour, with an agreed action and goal.",
                       "Sellers ask for the session and rate it highly."),
        indicators=(Indicator("coaching_sessions_held", "activity", 6),
                    Indicator("coaching_rating_developmental", "proficiency", 4.0, "month")),
        scenarios=(
            Scenario("No time to coach",
                     "A manager cancelled most of their 1:1s this month for deal reviews.",
                     ("Which of your sellers would gain most from thirty minutes this week?",
                      "What would you stop doing to make that time?"),
                     ("Keeps the 1:1 when the quarter is tight",), ("capacity", "commitment")),),
    ),
    Behavior(
        key="pipeline-reviews", name="Run a weekly pipeline review on activities, not only results",
        description="Review each seller's activities (executive meetings, proposals with a business case) with them.",
        rationale="Accountability is for activities: results follow them.",
        audience=("manager",), category="coaching", stage="coaching", priority=2, owner="leader",
        responsible=COACHING,
        rubric=_rubric("Reviews the forecast number only.", "Asks about next steps of big deals.",
                       "Reviews activity and proficiency figures against the agreed goals.",
                       "Sellers come with their own gaps and root causes."),
        indicators=(Indicator("coaching_goals_agreed", "activity", 4, "month"),
                    Indicator("coaching_sessions_with_action", "activity", 3)),
        scenarios=(
            Scenario("A forecast call, not a review",
                     "The manager's review covers only the commit number.",
                     ("Which activity goal did each seller agree, and where are they against it?",),
                     ("Opens with activities before results",), ("knowledge", "environment")),),
    ),
    Behavior(
        key="social-selling", name="Engage executives on social channels before the first meeting",
        description="Draft: being designed by enablement for next quarter.",
        rationale="Executives accept meetings from sellers they have seen add value.",
        audience=("seller",), category="selling", stage="prospecting", priority=4, owner="enablement",
        responsible=COACHING, rubric=(), indicators=(Indicator("c_level_meetings", "activity", 1),),
        scenarios=(), publish=False),
)

# The seven statements' answers (view_1 / view_2) per respondent: leadership and enablement disagree.
ALIGNMENT_TITLE = "Who owns behaviour change? Training strategy views"
ALIGNMENT: tuple[tuple[str, str, str], ...] = (  # (person key, function, answers as 1/2 digits)
    ("leader", "sales_leadership", "1112111"),
    ("m1", "sales_leadership", "1111121"),
    ("m2", "sales_leadership", "1121111"),
    ("m3", "sales_leadership", "2112212"),
    ("enablement", "enablement", "2222222"),
    ("trainer", "training", "2222122"),
    ("se", "sales_ops", "2121212"),
)
