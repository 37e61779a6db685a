"""Every time budget of the test suite comes from here.

Tests wait on conditions, never for a fixed time; a budget only bounds how long a condition may take before
the test gives up. The figures written in tests are what a step takes on an idle machine, and every wait
allows `UPLIFT_TEST_SLOWNESS` times that (default 5: the suite must pass on a 2-core machine that something
else keeps busy; raise it on a slower one). Budgets cost nothing when things go well: a condition that holds
ends the wait at once.

The code under test has budgets of its own (the gateway's time per downstream call, its proxy's timeout).
`raise_service_budgets()` raises them for the whole suite through the environment, so the all-in-one stacks
built in-process and the separate processes of tests/e2e/ get the same; the tests of those budgets set small
ones explicitly and inject a fault that never answers, so the budget is what ends the wait, not a race.
"""

import os

SLOWNESS = float(os.environ.get("UPLIFT_TEST_SLOWNESS", "5"))

# The gateway's budgets for the test suite, before SLOWNESS (its defaults are 5 s per call, 1 s to connect,
# 5 s between bytes, 10 s for the REST proxy).
SERVICE_BUDGETS = {
    "UPLIFT_GATEWAY_TIMEOUT_SECONDS": 30.0,
    "UPLIFT_GATEWAY_CONNECT_TIMEOUT_SECONDS": 10.0,
    "UPLIFT_GATEWAY_READ_TIMEOUT_SECONDS": 30.0,
    "UPLIFT_GATEWAY_REQUEST_TIMEOUT_SECONDS": 60.0,
}


def patience(seconds: float) -> float:
    """How long to wait for something that takes about `seconds` on an idle machine."""
    return seconds * SLOWNESS


def raise_service_budgets() -> None:
    """Put the suite's budgets into the environment (a variable already set wins: a run may choose its own)."""
    for name, seconds in SERVICE_BUDGETS.items():
        os.environ.setdefault(name, f"{patience(seconds):g}")
