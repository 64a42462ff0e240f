"""The `api` channel: users of a bot on another platform, whose bot talks to us over the API.

Inbound is the REST endpoint `POST /api/v1/bots/<botId>/channels/api/messages` (handoffs.api).
"""

from __future__ import annotations

CHANNEL = "api"
# Nothing to push: the bot platform learns of agent and system messages from the signed
# webhooks of the event stream, or by polling the REST API, and relays them to its user.
send = None
on_dead = None
