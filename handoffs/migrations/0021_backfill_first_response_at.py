# Handoffs from before 0020's first_response_at: the reports' first-response time and the SLA
# sweep read the column, so it is filled from the messages once.

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery


def backfill(apps, schema_editor):
    """Their conversation's first agent message from the handoff's creation to its end (to now,
    for the open ones); a value already set stays."""
    Handoff = apps.get_model("handoffs", "Handoff")
    Message = apps.get_model("handoffs", "Message")

    def first(**until):
        return Subquery(
            Message.objects.filter(
                conversation=OuterRef("conversation_id"),
                direction="agent",
                created_at__gte=OuterRef("created_at"),
                **until,
            )
            .order_by()
            .values("conversation")
            .annotate(first=Min("created_at"))
            .values("first")[:1]
        )

    missing = Handoff.objects.filter(first_response_at__isnull=True)
    missing.filter(resolved_at__isnull=False).update(
        first_response_at=first(created_at__lte=OuterRef("resolved_at"))
    )
    missing.filter(resolved_at__isnull=True).update(first_response_at=first())


class Migration(migrations.Migration):
    dependencies = [
        ("handoffs", "0020_routing_hours_sla"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
