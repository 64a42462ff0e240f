"""The workspace's own filters over the API: views, labels, either order, cursors through the
whole list, and the views' counts, all computed by the database whatever the queue's length."""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Handoff, Label
from tests.factories import ConversationFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db

LIST = "mod/hitlnext/handoffs"


def new_handoff(bot) -> Handoff:
    return services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))[0]


def assign(handoff: Handoff, agent) -> Handoff:
    services.agent_set_online(membership=agent.memberships.get(), online=True)
    return services.handoff_assign(handoff=handoff, agent=agent)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [h["id"] for h in response.json()]


def walk(client, url: str) -> list[int]:
    """Every page, following the Link header."""
    seen = []
    while url:
        response = client.get(url)
        seen += ids(response)
        link = response.headers.get("Link")
        url = link.split(";")[0].strip("<>").replace("http://testserver", "") if link else None
    return seen


@pytest.fixture
def scene(bot, agent, other_agent):
    pending = [new_handoff(bot) for _ in range(3)]
    mine = assign(new_handoff(bot), agent)
    theirs = assign(new_handoff(bot), other_agent)
    closed = new_handoff(bot)
    services.handoff_reject(handoff=closed, actor=None)
    return {"pending": pending, "mine": mine, "theirs": theirs, "closed": closed}


def test_views_select_by_status_and_holder(agent_client, bot, scene):
    pending = [h.pk for h in scene["pending"]]

    assert ids(agent_client.get(api_url(bot, f"{LIST}?view=unassigned,mine"))) == [
        *pending,
        scene["mine"].pk,
    ]
    assert ids(agent_client.get(api_url(bot, f"{LIST}?view=others"))) == [scene["theirs"].pk]
    assert ids(agent_client.get(api_url(bot, f"{LIST}?view=rejected"))) == [scene["closed"].pk]


def test_newest_first_within_each_status_and_cursors_walk_it_all(agent_client, bot, scene):
    url = api_url(bot, f"{LIST}?view=unassigned,mine,others&order=newest&limit=2")

    walked = walk(agent_client, url)

    pending = [h.pk for h in reversed(scene["pending"])]
    assigned = sorted([scene["mine"].pk, scene["theirs"].pk], reverse=True)
    assert walked == [*pending, *assigned]


def test_oldest_first_cursors_walk_it_all(agent_client, bot, scene):
    walked = walk(agent_client, api_url(bot, f"{LIST}?view=unassigned,others&limit=2"))

    assert walked == [*(h.pk for h in scene["pending"]), scene["theirs"].pk]


def test_labels_select_any_of_them(agent_client, bot, scene):
    billing, vip = (
        Label.objects.create(bot=bot, name="billing"),
        Label.objects.create(bot=bot, name="vip"),
    )
    scene["pending"][0].labels.add(billing)
    scene["pending"][2].labels.add(vip, billing)

    selected = ids(agent_client.get(api_url(bot, f"{LIST}?view=unassigned&tags=billing,vip")))

    assert selected == [scene["pending"][0].pk, scene["pending"][2].pk]


def test_the_views_counts(agent_client, bot, scene):
    scene["pending"][1].labels.add(Label.objects.create(bot=bot, name="vip"))

    everything = agent_client.get(api_url(bot, f"{LIST}/counts"))
    vip = agent_client.get(api_url(bot, f"{LIST}/counts?tags=vip"))

    assert everything.json() == {"unassigned": 3, "mine": 1, "others": 1}
    assert vip.json() == {"unassigned": 1, "mine": 0, "others": 0}


def test_mine_is_a_persons_view(token_client, bot):
    assert token_client.get(api_url(bot, f"{LIST}?view=mine")).status_code == 403
    assert token_client.get(api_url(bot, f"{LIST}/counts")).status_code == 403
    assert token_client.get(api_url(bot, f"{LIST}?view=unassigned")).status_code == 200


def test_an_unknown_view_is_422(agent_client, bot):
    response = agent_client.get(api_url(bot, f"{LIST}?view=everything"))

    assert response.status_code == 422
    assert "view" in response.json()["errors"]
