"""GraphQL parsing and validation done once per document text, per schema, with the limits still in force.

Why not strawberry's ParserCache + ValidationCache: the depth and alias limiters make a new rule class each
time one is built, so built per request (extension factories) every request had new rules, and the validation
cache, keyed by (schema, document, rules), never hit (counted: 3 validations for 3 identical queries). Its key
also hashes the parsed document, a frozen dataclass hashed node by node on every lookup (~50 µs for a one-field
query, milliseconds for a long one), which costs about what it saves.

Here (`build_schema` wires it):
- the limiters' rules are built once with the schema (`limit_rules`), so the rules in force are the same
  classes on every request;
- `Documents` keeps, per schema, an LRU of document texts — a str, whose hash Python caches — each with its
  parsed document and, once validated, its verdict (the errors, none when valid). The key is the text with the
  parse options (the token limit) and the validation rules in force, so a verdict is only ever reused for the
  same text under the same limits. Nothing else decides validation: a document refused once is refused from the
  cache every time, one accepted is accepted every time, and another gateway (other limits) has its own cache.
- a document over the token limit fails parsing, which is never cached: it is refused every time, before any
  validation. Texts longer than `max_chars` are parsed and validated every time rather than kept (a huge string
  literal stays under the token limit: 256 of them must not pin memory).
"""

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.schema import validate_document

Key = tuple[str, tuple[tuple[str, object], ...], tuple[type[ASTValidationRule], ...]]


def limit_rules(*, max_depth: int, max_aliases: int) -> list[type[ASTValidationRule]]:
    """The depth and alias rules, built once (each build is a new class)."""
    return [*QueryDepthLimiter(max_depth=max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules]


@dataclass
class Entry:
    document: DocumentNode
    errors: tuple[GraphQLError, ...] | None = field(default=None)


class Documents:
    """One schema's parsed documents and verdicts, least recently used first out."""

    def __init__(self, maxsize: int = 256, max_chars: int = 20_000) -> None:
        self.maxsize, self.max_chars = maxsize, max_chars
        self.entries: OrderedDict[Key, Entry] = OrderedDict()

    def get(self, key: Key) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: Key, entry: Entry) -> None:
        self.entries[key] = entry
        while len(self.entries) > self.maxsize:
            self.entries.popitem(last=False)


class DocumentCache(SchemaExtension):
    """Parse and validate through `Documents` (pass as a factory: `lambda: DocumentCache(documents)`); list it
    after the extensions that set parse options or add rules (they do so in `on_operation`, before parsing)."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents
        self.key: Key | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None and len(query) <= self.documents.max_chars:
            self.key = (query, tuple(sorted(context.parse_options.items())), tuple(context.validation_rules))
            entry = self.documents.get(self.key)
            if entry is None:  # a parse error (the token limit included) raises here and is not kept
                entry = Entry(parse(query, **context.parse_options))
                self.documents.put(self.key, entry)
            context.graphql_document = entry.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = self.documents.get(self.key) if self.key is not None else None
        if entry is not None and entry.document is context.graphql_document and context.validation_rules:
            if entry.errors is None:
                entry.errors = tuple(validate_document(context.schema._schema, entry.document,
                                                       context.validation_rules))
            context.pre_execution_errors = list(entry.errors)  # a fresh list: the kept verdict stays as it is
        yield
