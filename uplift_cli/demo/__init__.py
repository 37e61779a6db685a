"""A living demo org, built from a fixed seed with dates relative to today and loaded through the public APIs.

constants.py  the seed, the calendar and the planted effects (what tests and docs read)
content.py    the objective, its behaviours (indicators, rubric, owners, scenarios), the alignment answers
org.py        people with their HRIS/CRM/LMS ids, reporting lines and the reorg, coach assignments, profiles
activity.py   120 days of CRM activity per seller and the LMS completions (the course and its lift)
coaching.py   the programmes (one kept, one fizzling) and every conversation, in tracks
plan.py       build_plan(now, seed, scale): all of the above as plain data, and its expected counts
api.py        the REST client (admin key, or a person's own token)
load*.py      pushing a plan into a tenant: org, sessions and evidence; then waiting for the events to
              feed the metrics read model
seed.py       `uplift seed-demo` and the first start of `uplift serve` (in the background)
"""
