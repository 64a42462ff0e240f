"""Teams and priorities on handoffs.

queue_rank now orders pending handoffs by priority (urgent 0 .. low 3), then assigned (4), then
closed (5). A generated column cannot be altered in place (Django refuses), so it is dropped
with its indexes and added again with the new expression; the database recomputes every row.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0006_teams_capacity_busy'),
        ('handoffs', '0017_delivery_kind_telegram'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TeamRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tag', models.CharField(max_length=60)),
            ],
            options={
                'ordering': ['tag'],
            },
        ),
        migrations.RemoveIndex(
            model_name='handoff',
            name='handoff_queue_idx',
        ),
        migrations.AddField(
            model_name='handoff',
            name='priority',
            field=models.CharField(choices=[('urgent', 'Urgent'), ('high', 'High'), ('normal', 'Normal'), ('low', 'Low')], default='normal', max_length=10),
        ),
        migrations.AddField(
            model_name='handoff',
            name='team',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='handoffs', to='agents.team'),
        ),
        migrations.RemoveIndex(model_name='handoff', name='handoff_list_idx'),
        migrations.RemoveIndex(model_name='handoff', name='handoff_list_newest_idx'),
        migrations.RemoveField(model_name='handoff', name='queue_rank'),
        migrations.AddField(
            model_name='handoff',
            name='queue_rank',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(priority='urgent', status='pending', then=models.Value(0)), models.When(priority='high', status='pending', then=models.Value(1)), models.When(priority='normal', status='pending', then=models.Value(2)), models.When(priority='low', status='pending', then=models.Value(3)), models.When(status='assigned', then=models.Value(4)), default=models.Value(5)), output_field=models.SmallIntegerField()),
        ),
        migrations.AddIndex(
            model_name='handoff',
            index=models.Index(fields=['bot', 'queue_rank', 'id'], name='handoff_list_idx'),
        ),
        migrations.AddIndex(
            model_name='handoff',
            index=models.Index(fields=['bot', 'queue_rank', '-id'], name='handoff_list_newest_idx'),
        ),
        migrations.AddIndex(
            model_name='handoff',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['bot', 'queue_rank', 'created_at', 'id'], name='handoff_queue_priority_idx'),
        ),
        migrations.AddField(
            model_name='teamrule',
            name='bot',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='team_rules', to='handoffs.bot'),
        ),
        migrations.AddField(
            model_name='teamrule',
            name='team',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rules', to='agents.team'),
        ),
        migrations.AddConstraint(
            model_name='teamrule',
            constraint=models.UniqueConstraint(fields=('bot', 'tag'), name='one_team_rule_per_tag'),
        ),
    ]
