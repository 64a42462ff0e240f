"""The handoff list in the order of an index: a stored queue rank, and each conversation's last
user message kept on the conversation (filled here for the conversations that exist)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_last_user_message(apps, schema_editor):
    Conversation = apps.get_model("handoffs", "Conversation")
    Message = apps.get_model("handoffs", "Message")
    last = (
        Message.objects.filter(conversation=OuterRef("pk"), direction="incoming")
        .order_by("-id")
        .values("id")[:1]
    )
    Conversation.objects.update(last_user_message=Subquery(last))


class Migration(migrations.Migration):
    dependencies = [
        ("handoffs", "0004_bot_email_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="handoff",
            name="queue_rank",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(status="pending", then=models.Value(0)),
                    models.When(status="assigned", then=models.Value(1)),
                    default=models.Value(2),
                ),
                output_field=models.SmallIntegerField(),
            ),
        ),
        migrations.AddIndex(
            model_name="handoff",
            index=models.Index(fields=["bot", "queue_rank", "id"], name="handoff_list_idx"),
        ),
        migrations.RemoveIndex(
            model_name="handoff",
            name="handoff_queue_idx",
        ),
        migrations.AddIndex(
            model_name="handoff",
            index=models.Index(
                condition=models.Q(status="pending"),
                fields=["bot", "created_at", "id"],
                name="handoff_queue_idx",
            ),
        ),
        migrations.AddField(
            model_name="conversation",
            name="last_user_message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="handoffs.message",
            ),
        ),
        migrations.RunPython(fill_last_user_message, migrations.RunPython.noop, elidable=True),
    ]
