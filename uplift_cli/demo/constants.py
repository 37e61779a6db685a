"""The fixed facts of the demo org: its seed, its calendar and the effects planted in its history.

Days are offsets from "today" (day 0): day -60 is sixty days ago. Tests and docs read these constants;
change one and the demo (and what the impact estimate should find) changes with it.
"""

SEED = 2026
HISTORY_DAYS = 120  # CRM activity on the days -120 .. -1
TEAMS = 5
SELLERS_PER_TEAM = 8

REORG_DAY = -60  # some sellers move to another manager, effective that day
TRAINING_DAY = -60  # half the sellers complete the course that day
TRAINING_COURSE_ID = "EXEC-CONV-101"
TRAINING_COURSE_TITLE = "Executive conversations"

# After the course, the sellers who took it hold this many more C-level meetings per week; the others do not.
PLANTED_C_LEVEL_LIFT_PER_WEEK = 1.5
# Everyone, trained or not, gains this much from a marketing series of executive round tables from day -45:
# a naive before/after of the trained group sees lift + shift, difference in differences sees the lift only.
COMMON_C_LEVEL_SHIFT_PER_WEEK = 0.3
COMMON_SHIFT_DAY = -45


def planted_lift(window_days: int) -> float:
    """The planted lift in C-level meetings per person over a window of that many days after the course
    (what an impact estimate over equal windows of `window_days` before and after should find)."""
    return PLANTED_C_LEVEL_LIFT_PER_WEEK * window_days / 7


GOALS_REVIEWED_AFTER_DAYS = 7  # agreed goals whose review day is this long ago have been reviewed; later: due

PROGRAMME_CADENCE_DAYS = 7
FIZZLE_QUIET_DAYS = 28  # the fizzling programme's pairs hold no session in these last days

DOMAIN = "northwind.example"  # people's e-mail domain (a reserved name: nothing is ever sent)
CRM = "crm"  # the sources of external ids; activities are pushed with source CRM, completions with lms LMS
CRM_SOURCES = ("salesforce", "hubspot", "dynamics")  # aliased to CRM: their user ids resolve against the crm ids
LMS = "lms"
HRIS = "hris"
CURRENCY = "USD"
