"""Friendly names for anonymous users (the bot's `default_username`), as Botpress HITL-next
shows them: the same user id always gives the same name."""

from __future__ import annotations

import hashlib

ADJECTIVES = [
    "Amber",
    "Brave",
    "Bright",
    "Calm",
    "Clever",
    "Cosmic",
    "Curious",
    "Daring",
    "Eager",
    "Gentle",
    "Golden",
    "Happy",
    "Honest",
    "Jolly",
    "Kind",
    "Lively",
    "Lucky",
    "Merry",
    "Mighty",
    "Nimble",
    "Noble",
    "Patient",
    "Polite",
    "Proud",
    "Quick",
    "Quiet",
    "Rapid",
    "Silver",
    "Sunny",
    "Swift",
    "Tidy",
    "Witty",
]
ANIMALS = [
    "Badger",
    "Beaver",
    "Bison",
    "Crane",
    "Dolphin",
    "Eagle",
    "Falcon",
    "Fox",
    "Gecko",
    "Heron",
    "Ibis",
    "Jaguar",
    "Koala",
    "Lemur",
    "Lynx",
    "Marten",
    "Moose",
    "Narwhal",
    "Ocelot",
    "Otter",
    "Owl",
    "Panda",
    "Puffin",
    "Quail",
    "Raven",
    "Seal",
    "Sparrow",
    "Tiger",
    "Toucan",
    "Walrus",
    "Whale",
    "Wolf",
]


def friendly_name(user_id: str) -> str:
    digest = hashlib.sha256(user_id.encode()).digest()
    adjective = ADJECTIVES[int.from_bytes(digest[:4], "big") % len(ADJECTIVES)]
    animal = ANIMALS[int.from_bytes(digest[4:8], "big") % len(ANIMALS)]
    return f"{adjective} {animal}"
