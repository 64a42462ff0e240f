"""Table and column names for the few queries written out as SQL (hot paths where the ORM
spent more CPU building a query than the database took to answer it): taken from the models,
quoted for the default database, so a renamed field or table cannot leave a query behind."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    # Every name asked for is a concrete field, which has a column.
    assert isinstance(field, Field) and field.column is not None
    return connection.ops.quote_name(field.column)


def columns(model: type[Model], alias: str = "") -> str:
    """Every concrete field's column, in the order `instance_from_row` reads them."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{column(model, field.name)}" for field in _fields(model))


def instance_from_row(model: type[M], row: Iterable[Any]) -> M:
    """`model`'s instance from a row of `columns(model)`, as the ORM reads it (its converters:
    SQLite's dates and booleans, JSON)."""
    values = [convert(value) for convert, value in zip(_converters(model), row, strict=True)]
    return model.from_db(connection.alias, _attnames(model), values)


def _fields(model: type[Model]) -> list[Field]:
    return list(model._meta.concrete_fields)


@cache
def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in _fields(model)]


@cache
def _converters(model: type[Model]) -> list[Callable[[Any], Any]]:
    def converter(field: Field) -> Callable[[Any], Any]:
        column = field.get_col(model._meta.db_table)
        steps = connection.ops.get_db_converters(column) + field.get_db_converters(connection)

        def convert(value: Any) -> Any:
            for step in steps:
                value = step(value, column, connection)
            return value

        return convert if steps else _same

    return [converter(field) for field in _fields(model)]


def _same(value: Any) -> Any:
    return value
