"""Table and column names for the few queries written out as SQL (hot paths where the ORM
spent more CPU building a query than the database took to answer it): taken from the models,
quoted for the default database, so a renamed field or table cannot leave a query behind."""

from __future__ import annotations

from django.db import connection
from django.db.models import Field, Model


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    # Every name asked for is a concrete field, which has a column.
    assert isinstance(field, Field) and field.column is not None
    return connection.ops.quote_name(field.column)
