"""WebhookDelivery becomes Delivery: one table for everything that leaves hitl (docs/delivery.md)."""

import django.db.models.deletion
from django.db import migrations, models


def destinations_for_webhooks(apps, schema_editor):
    Delivery = apps.get_model("handoffs", "Delivery")
    DeliveryDestination = apps.get_model("handoffs", "DeliveryDestination")
    WebhookEndpoint = apps.get_model("handoffs", "WebhookEndpoint")
    for endpoint in WebhookEndpoint.objects.filter(deliveries__isnull=False).distinct():
        destination, _ = DeliveryDestination.objects.get_or_create(
            key=f"webhook:{endpoint.pk}", defaults={"kind": "webhook"}
        )
        Delivery.objects.filter(endpoint=endpoint).update(
            destination=destination, workspace_id=endpoint.workspace_id
        )


def deliveries_for_pending_messages(apps, schema_editor):
    """Messenger messages the old thread pool had not sent yet become deliveries: the sweep no
    longer sends them again."""
    Delivery = apps.get_model("handoffs", "Delivery")
    DeliveryDestination = apps.get_model("handoffs", "DeliveryDestination")
    Message = apps.get_model("handoffs", "Message")
    pending = Message.objects.filter(
        delivery_status="pending", conversation__channel="messenger"
    ).values_list("pk", "conversation__bot_id", "conversation__bot__workspace_id")
    for message_id, bot_id, workspace_id in pending.order_by("pk").iterator():
        destination, _ = DeliveryDestination.objects.get_or_create(
            key=f"messenger:{bot_id}", defaults={"kind": "messenger"}
        )
        Delivery.objects.create(
            kind="messenger",
            destination=destination,
            workspace_id=workspace_id,
            payload={"messageId": message_id},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0001_initial"),
        ("handoffs", "0014_handoff_created"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeliveryDestination",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=100, unique=True)),
                ("kind", models.CharField(max_length=20)),
                ("consecutive_failures", models.PositiveIntegerField(default=0)),
                ("paused_until", models.DateTimeField(blank=True, null=True)),
                ("leased_until", models.DateTimeField(blank=True, null=True)),
                ("lease_token", models.CharField(blank=True, max_length=32)),
                ("last_error", models.CharField(blank=True, max_length=500)),
            ],
        ),
        migrations.RenameModel(old_name="WebhookDelivery", new_name="Delivery"),
        migrations.AlterModelOptions(name="delivery", options={"verbose_name_plural": "deliveries"}),
        migrations.RemoveIndex(model_name="delivery", name="delivery_queue_idx"),
        migrations.AddField(
            model_name="delivery",
            name="kind",
            field=models.CharField(
                choices=[
                    ("webhook", "Outgoing webhook"),
                    ("bot", "Bot connector"),
                    ("messenger", "Messenger send"),
                    ("email", "E-mail"),
                ],
                default="webhook",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="workspace",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="agents.workspace",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="destination",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="handoffs.deliverydestination",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="payload",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="endpoint",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="handoffs.webhookendpoint",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="handoffs.event",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[("pending", "Pending"), ("delivered", "Delivered"), ("dead", "Dead")],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.RunPython(destinations_for_webhooks, migrations.RunPython.noop),
        migrations.RunPython(deliveries_for_pending_messages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="delivery",
            name="destination",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="handoffs.deliverydestination",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["destination", "status", "id"], name="delivery_queue_idx"),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ),
    ]
