"""The gateway's one schema extension: its limits, its document cache and its error masking, in one object.

Strawberry makes every schema extension anew for each request and, for each stage (operation, parse, validate,
execute), asks each extension whether it has a hook, wraps the hook in a context manager and enters it. With the five
the gateway used (AddValidationRules, MaxTokensLimiter, DisableIntrospection, DocumentCache, MaskErrors) that
machinery was ~15% of a one-object query's CPU. This one extension does what the five did, in the same order:

- on the operation: the depth and alias rules (built once with the schema, gateway/document_cache.py), and
  `NoSchemaIntrospectionCustomRule` where the schema is not revealed, are added to the validation rules; the token
  limit is set as a parse option; then, when the operation is over, errors are masked as `MaskErrors` masks them
  (the same `should_mask_error`, the same "Unexpected error.");
- parsing and validation go through the document cache (`DocumentCache`, keyed by the rules and options above).
"""

from collections.abc import Callable, Iterator, Sequence

from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors

from gateway.document_cache import DocumentCache, Documents


class GatewayOperation(DocumentCache, MaskErrors):
    """Pass as a factory (one per request): `lambda: GatewayOperation(documents, rules, …)`."""

    def __init__(self, documents: Documents, limits: Sequence[type[ASTValidationRule]], *, max_tokens: int,
                 introspection: bool, should_mask_error: Callable[[GraphQLError], bool]) -> None:
        DocumentCache.__init__(self, documents)
        MaskErrors.__init__(self, should_mask_error=should_mask_error)
        self.rules = tuple(limits) if introspection else (*limits, NoSchemaIntrospectionCustomRule)
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        context.parse_options["max_tokens"] = self.max_tokens
        yield from MaskErrors.on_operation(self)

    def _process_result(self, result: object) -> None:
        """As MaskErrors's, without its runtime-checked Protocol (an `isinstance` that inspects the class each
        time): a result with errors has them in `errors`."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]
