"""The JavaScript catalog: Django's JavaScriptCatalog for the djangojs strings of static/hitl.

Every agent page and the web chat load it before their modules (templates/base.html). Its
translations come from LOCALE_PATHS (locale/<lang>/LC_MESSAGES/djangojs.mo) and are fixed for
a running process, so a browser keeps its copy and revalidates it: the ETag names the active
language (the browser's, or the agent's profile) and the compiled catalogs' contents, so a 304
costs no catalog build, every process of a deployment answers the same ETag (a browser behind
a load balancer keeps its copy), and a deploy that changes the strings serves the new ones.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag
from django.views.i18n import JavaScriptCatalog

# The project's apps: their strings, and LOCALE_PATHS', but not the admin's own JS catalog.
PACKAGES = ["agents", "handoffs", "channels_adapters"]


@cache
def catalogs_digest() -> str:
    digest = hashlib.blake2b(digest_size=8)
    for root in settings.LOCALE_PATHS:
        for path in sorted(Path(root).glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(path.as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def catalog_etag(request: HttpRequest, **kwargs: Any) -> str:
    return f"{get_language()}-{catalogs_digest()}"


# private: the language may be the agent's profile's, which a shared cache cannot see.
javascript_catalog = cache_control(private=True, no_cache=True)(
    etag(catalog_etag)(JavaScriptCatalog.as_view(domain="djangojs", packages=PACKAGES))
)
