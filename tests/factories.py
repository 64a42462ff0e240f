from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from agents.models import AgentProfile, Membership, Team, Workspace
from handoffs.models import Bot, Conversation, EndUser, Label, MessageTemplate


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"ws-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def profile(self, create, extracted, **kwargs):
        if create:
            self.save()
            AgentProfile.objects.get_or_create(
                user=self, defaults={"display_name": extracted or self.username.title()}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.AGENT
    online = True


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    workspace = factory.SubFactory(WorkspaceFactory)
    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda t: t.slug.title())


class BotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bot

    workspace = factory.SubFactory(WorkspaceFactory)
    bot_id = factory.Sequence(lambda n: f"bot-{n}")
    name = factory.LazyAttribute(lambda b: b.bot_id.title())


class EndUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EndUser

    bot = factory.SubFactory(BotFactory)
    channel = "web"
    external_id = factory.Sequence(lambda n: f"visitor-{n}")
    variables = factory.LazyFunction(dict)


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    end_user = factory.SubFactory(EndUserFactory)
    bot = factory.SelfAttribute("end_user.bot")
    channel = factory.SelfAttribute("end_user.channel")


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label

    bot = factory.SubFactory(BotFactory)
    name = factory.Sequence(lambda n: f"label-{n}")


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageTemplate

    bot = factory.SubFactory(BotFactory)
    name = factory.Sequence(lambda n: f"tpl{n}")
    text = "Hello there"
