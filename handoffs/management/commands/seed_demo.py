from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agents.models import AgentProfile, Membership, Workspace
from handoffs import services
from handoffs.models import Bot, EndUser, Label, MessageTemplate

DEMO_USERS = [
    # (external id, variables, [(direction, text)], request a handoff)
    (
        "visitor-ada",
        {"fullName": "Ada Lovelace", "email": "ada@example.com", "language": "en"},
        [("incoming", "Hi! Where is my parcel?"), ("outgoing", "Let me check your order.")],
        True,
    ),
    (
        "visitor-jean",
        {"fullName": "Jean Dupont", "language": "fr"},
        [("incoming", "Bonjour"), ("outgoing", "Bonjour ! Comment puis-je vous aider ?")],
        False,
    ),
    (
        "visitor-sam",
        {"fullName": "Sam Lee"},
        [("incoming", "Is my blender under warranty?"), ("outgoing", "It is, for two years.")],
        False,
    ),
]


class Command(BaseCommand):
    help = "Load the demo workspace (idempotent): admin/admin, agent/agent, bot welcome-bot."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates default passwords; it runs only with DEBUG on.")
        with transaction.atomic():
            self._seed()
        self.stdout.write("Demo ready: admin/admin (admin), agent/agent (agent), bot welcome-bot.")

    def _seed(self) -> None:
        User = get_user_model()
        workspace, _ = Workspace.objects.get_or_create(slug="demo", defaults={"name": "Demo"})
        admin = self._user(User, "admin", "admin", superuser=True)
        agent = self._user(User, "agent", "agent", superuser=False)
        AgentProfile.objects.get_or_create(user=admin, defaults={"display_name": "Ada Admin"})
        AgentProfile.objects.get_or_create(user=agent, defaults={"display_name": "Alex Agent"})
        Membership.objects.get_or_create(
            workspace=workspace, user=admin, defaults={"role": Membership.Role.ADMIN}
        )
        Membership.objects.get_or_create(
            workspace=workspace, user=agent, defaults={"role": Membership.Role.AGENT}
        )
        bot, _ = Bot.objects.get_or_create(
            bot_id="welcome-bot",
            # Visitors of the demo's web chat show as "Calm Otter", not as a random id.
            defaults={"workspace": workspace, "name": "Welcome Bot", "default_username": True},
        )
        # The built-in demo bot answers /chat/welcome-bot/. Looked up by name: handoffs never
        # imports the adapters app (it sits above us), and still works without it installed.
        if django_apps.is_installed("channels_adapters"):
            connector = django_apps.get_model("channels_adapters", "ConnectorSettings")
            connector.objects.update_or_create(bot=bot, defaults={"demo_bot_enabled": True})
        for name in ("shipping", "warranty"):
            Label.objects.get_or_create(bot=bot, name=name)
        for name, text in (
            ("hi", "Hello! I'm here to help you. What can I do for you?"),
            ("bye", "Thanks for reaching out. Have a great day!"),
        ):
            MessageTemplate.objects.get_or_create(bot=bot, name=name, defaults={"text": text})
        for external_id, variables, lines, hand_off in DEMO_USERS:
            if EndUser.objects.filter(bot=bot, channel="web", external_id=external_id).exists():
                continue
            for direction, text in lines:
                received = services.message_ingest(
                    bot=bot,
                    channel="web",
                    user_id=external_id,
                    direction=direction,
                    text=text,
                    variables=variables,
                )
            if hand_off:
                services.handoff_request(conversation=received.message.conversation)

    def _user(self, User, username: str, password: str, *, superuser: bool):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": superuser, "is_superuser": superuser},
        )
        if created:
            user.set_password(password)
            user.save()
        return user
