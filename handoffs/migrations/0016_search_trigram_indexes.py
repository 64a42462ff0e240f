"""Trigram indexes for search (handoffs/search.py), on PostgreSQL only.

Each index is on the expression Django's `icontains` compares on PostgreSQL,
`UPPER(<column>::text) LIKE UPPER('%term%')`, so the planner uses it for any term of three
characters or more. SQLite has no trigram index: there the operations do nothing and search
scans. The model state is untouched (the indexes are not in any model's Meta), so
`makemigrations` sees nothing to add.

Built CONCURRENTLY, outside a transaction: on a deployed database with a million messages a
plain CREATE INDEX would block every write to the table (each user message) while it builds.
A concurrent build that failed half-way leaves an INVALID index that IF NOT EXISTS would keep:
such a leftover is dropped first.
"""

from __future__ import annotations

from django.db import migrations

INDEXES = {
    "message_text_trgm_idx": ("handoffs_message", "UPPER(text)"),
    "enduser_external_id_trgm_idx": ("handoffs_enduser", "UPPER(external_id::text)"),
    "enduser_full_name_trgm_idx": ("handoffs_enduser", "UPPER((variables ->> 'fullName'))"),
    "enduser_alias_trgm_idx": ("handoffs_enduser", "UPPER(alias::text)"),
}


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL and is a no-op on any other database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def drop_invalid_leftovers(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE NOT i.indisvalid AND c.relname = ANY(%s)",
            [list(INDEXES)],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("handoffs", "0015_delivery"),
    ]

    operations = [
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        PostgresOnlySQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunPython(drop_invalid_leftovers, migrations.RunPython.noop),
        *(
            PostgresOnlySQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                f"USING gin ({expression} gin_trgm_ops)",
                reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, (table, expression) in INDEXES.items()
        ),
    ]
