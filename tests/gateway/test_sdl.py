"""The committed SDL (gateway/schema.graphql) is the schema the code builds."""

from pathlib import Path

from gateway.schema import schema

COMMITTED = Path(__file__).resolve().parents[2] / "gateway" / "schema.graphql"
FIX = "run `.venv/bin/uplift schema export --out gateway/schema.graphql` and commit the file"


def test_committed_sdl_matches_the_schema():
    assert COMMITTED.is_file(), f"{COMMITTED} is missing: {FIX}"
    built = schema.as_str() + "\n"
    committed = COMMITTED.read_text()
    assert committed == built, f"gateway/schema.graphql is stale: {FIX}"
