"""Fields resolved by a direct call where strawberry's per-field wrapper has nothing to do.

Strawberry gives every GraphQL field a resolver of its own making. For a field read straight off its object it is
`_get_basic_result` → `StrawberryField.get_result` → `getattr`: three calls where one does. For a field with a
resolver it is heavier, on every call: an `Info`, the GraphQL arguments converted (`get_arguments`), a chain of field
extensions folded with `functools.reduce` and `partial`, and for an async resolver one more coroutine around the
resolver's own. On a list of 50 behaviours that is some 200 resolver fields and 300 plain ones per query; profiled,
the wrappers cost about as much as the resolvers they wrap.

`use_direct_resolvers` replaces, once when the schema is built, the resolver of every field for which that work is
known to be empty:

- a plain data field (no resolver, no field extension) reads the attribute (`getattr`, strawberry's default
  resolver; a schema configured with another default resolver is left alone);
- a field whose resolver takes no GraphQL argument, only the reserved ones (`self`, `root`, a `strawberry.Parent`,
  `info`), and has no field extension (permissions are one), calls the resolver with the object and, if asked for,
  the same `Info` strawberry would build. An async resolver's coroutine goes to graphql-core as it is.

What the call returns, and what it raises, reaches graphql-core exactly as before: errors are located, masked and
logged by the same code. Fields with arguments (the root fields, mutations, `versionAt(number:)`) keep strawberry's
resolver: their arguments need converting into Python values. Schemas with exception handlers, directives or
resolve-hook extensions are not given direct resolvers at all (the gateway's has none; `build_schema` checks).
"""

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Resolve = Callable[..., Any]
RawInfo = GraphQLResolveInfo[Any]


def _reads(name: str) -> Resolve:
    def resolve(source: Any, _info: RawInfo) -> Any:
        return getattr(source, name)

    return resolve


def _calls(field: StrawberryField, info_class: type) -> Resolve | None:
    """A direct call of the field's resolver, or None when strawberry's wrapper has work to do."""
    resolver = field.base_resolver
    if resolver is None or field.arguments or not callable(resolver.wrapped_func):
        return None
    reserved = [p for p in resolver.reserved_parameters.values() if p is not None]
    if len(reserved) != len(resolver.signature.parameters):  # a parameter GraphQL does not fill
        return None
    fn = resolver.wrapped_func
    takes_self = resolver.self_parameter is not None
    as_source = tuple({p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None})
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    if takes_self and not as_source and info_name is None:
        def resolve_self(source: Any, _info: RawInfo) -> Any:
            return fn(source)

        return resolve_self
    if takes_self and not as_source and info_name is not None:
        def resolve_self_info(source: Any, info: RawInfo) -> Any:
            return fn(source, **{info_name: info_class(_raw_info=info, _field=field)})

        return resolve_self_info

    def resolve(source: Any, info: RawInfo) -> Any:
        kwargs: dict[str, Any] = dict.fromkeys(as_source, source)
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=field)
        return fn(source, **kwargs) if takes_self else fn(**kwargs)

    return resolve


def direct_resolver(field: StrawberryField, schema: strawberry.Schema) -> Resolve | None:
    if field.extensions:
        return None
    if field.base_resolver is None:
        return _reads(field.python_name) if schema.config.default_resolver is getattr else None
    return _calls(field, schema.config.info_class)


def use_direct_resolvers(schema: strawberry.Schema) -> int:
    """Give the fields that need no wrapper a direct resolver; returns how many fields got one."""
    if schema.schema_converter.exception_handlers or schema.directives:
        return 0
    if any(getattr(extension, "_implements_resolve", lambda: False)() for extension in schema.get_extensions()):
        return 0
    count = 0
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for graphql_field in named.fields.values():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            resolve = direct_resolver(field, schema)
            if resolve is not None:
                graphql_field.resolve = resolve
                count += 1
    return count
