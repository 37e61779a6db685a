"""Every root field of the GraphQL schema says what it does, and every figure says its unit.

- Query and Mutation: each field has a description.
- Figures: each Int or Float field (or list of them) of every object type has a description that names its
  unit or scale (a count, days, minutes, a share 0-1, a rating 1-5, the metric's unit, ...), so a frontend never
  guesses whether 0.8 means 80% or 0.8%.
- Shares use one scale: a Float named like a share or ratio says 0-1; the old 0-100 forms (`…Pct`) are
  deprecated with a reason.
"""

import re

from graphql import GraphQLField, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType

from gateway.schema import schema

GRAPHQL = schema._schema
# words that name a unit or a scale; a figure's description must use one
UNIT = re.compile(r"\bcount\b|\bdays?\b|\bminutes\b|\b0-1\b|\b1-5\b|\b1-7\b|\b0-100\b|\bunit\b|\bpercent\b|"
                  r"HTTP status|\bnumber\b|\blevel\b|\bseed\b|\(highest\)|\bin `unit`", re.I)
SHARE = re.compile(r"share|ratio|kept$", re.I)


def numeric(field: GraphQLField) -> str | None:
    t = field.type
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t.name if isinstance(t, GraphQLScalarType) and t.name in ("Int", "Float") else None


def object_types() -> list[GraphQLObjectType]:
    roots = (GRAPHQL.query_type, GRAPHQL.mutation_type)
    return [t for name, t in GRAPHQL.type_map.items()
            if isinstance(t, GraphQLObjectType) and not name.startswith("__") and t not in roots]


def test_every_root_field_has_a_description():
    roots = [r for r in (GRAPHQL.query_type, GRAPHQL.mutation_type) if r is not None]
    assert len(roots) == 2
    missing = [f"{root.name}.{name}" for root in roots
               for name, field in root.fields.items() if not (field.description or "").strip()]
    assert not missing, f"root fields without a description: {missing}"


def figure_problems(types: list[GraphQLObjectType]) -> tuple[list[str], list[str]]:
    """Int/Float fields without a description, and those whose description names no unit."""
    missing, unitless = [], []
    for t in types:
        for name, field in t.fields.items():
            if numeric(field) is None:
                continue
            text = (field.description or "").strip()
            if not text:
                missing.append(f"{t.name}.{name}")
            elif not UNIT.search(text):
                unitless.append(f"{t.name}.{name}: {text}")
    return missing, unitless


def test_every_figure_has_a_description_with_its_unit():
    missing, unitless = figure_problems(object_types())
    assert not missing, f"Int/Float fields without a description: {missing}"
    assert not unitless, f"Int/Float fields whose description names no unit: {unitless}"


def test_shares_are_0_to_1_and_percentages_are_deprecated():
    figures = [(t.name, name, field) for t in object_types() for name, field in t.fields.items()
               if numeric(field) == "Float"]
    shares = [(t, n, f) for t, n, f in figures if SHARE.search(n) and not n.endswith("Pct")]
    assert {n for _, n, _ in shares} >= {"share", "ratioKept", "cadenceKept", "agreedActionShare", "view2Share"}
    wrong = [f"{t}.{n}" for t, n, f in shares if "0-1" not in (f.description or "")]
    assert not wrong, f"shares whose description does not say 0-1: {wrong}"
    pct = [(t, n, f) for t, n, f in figures if n.lower().endswith("pct")]
    assert {n for _, n, _ in pct} == {"cadenceKeptPct", "sessionsWithActionsPct"}
    assert all(f.deprecation_reason and "0-1" in f.deprecation_reason for _, _, f in pct)


def test_the_check_sees_a_missing_description():
    """Negative control: the walk finds a figure without a description when there is one."""
    import strawberry

    @strawberry.type
    class Figure:
        held: int
        kept: float = strawberry.field(description="Share of sessions kept, 0-1.")
        late: int = strawberry.field(description="Sessions held late, count.")

    @strawberry.type
    class Root:
        @strawberry.field
        def figure(self) -> Figure:
            return Figure(held=1, kept=0.5, late=0)

    built = strawberry.Schema(query=Root)._schema
    figure = built.type_map["Figure"]
    assert isinstance(figure, GraphQLObjectType)
    assert figure_problems([figure]) == (["Figure.held"], [])
    assert built.query_type is not None and not built.query_type.fields["figure"].description
