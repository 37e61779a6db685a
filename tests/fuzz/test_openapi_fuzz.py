"""Property-based fuzz of every service's OpenAPI with schemathesis (tests/fuzz/suite.py): every response must be
a non-5xx whose status, Content-Type, headers and body the operation documents, and an operation that declares
authentication must enforce it.

Bounded and reproducible: `UPLIFT_FUZZ_EXAMPLES` generated requests per operation (default 25) on top of
schemathesis' deterministic coverage cases, derandomized; `UPLIFT_FUZZ_SEED=<n>` explores other inputs
(reproducible per seed). It runs with the PostgreSQL leg of the suite (UPLIFT_TEST_DATABASE_URL); on SQLite only
with UPLIFT_FUZZ_SQLITE=1. Left out, not even the schemas are built (schemathesis computes its coverage cases
while pytest collects).
"""

import os

import pytest

from tests.dbs import PG_URL

if PG_URL or os.environ.get("UPLIFT_FUZZ_SQLITE"):
    from tests.fuzz.suite import fuzz, test_behaviors, test_coaching, test_metrics

    __all__ = ["fuzz", "test_behaviors", "test_coaching", "test_metrics"]
else:
    def test_fuzz() -> None:
        pytest.skip("the API fuzz runs on PostgreSQL (UPLIFT_TEST_DATABASE_URL), or on SQLite with "
                    "UPLIFT_FUZZ_SQLITE=1")
