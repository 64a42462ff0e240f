"""Settings, all read from the environment through django-environ with safe development defaults."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from hitl_project.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]", "testserver"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    DATABASE_POOL=(bool, True),
    REDIS_URL=(str, ""),
    EMAIL_URL=(str, "consolemail://"),
    DEFAULT_FROM_EMAIL=(str, "hitl@localhost"),
    SECURE=(bool, False),
    LOG_LEVEL=(str, "INFO"),
)
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env("DEBUG")
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY")  # no default: production must set it
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "agents",
    "handoffs",
    "channels_adapters",
]

# Under ASGI the chain runs in sync mode, in the request's thread (hitl_project/asgi_handler.py).
MIDDLEWARE = [
    "hitl_project.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files stay cacheable.
    "hitl_project.no_store.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language from the browser's Accept-Language; the REST API's is English.
    "agents.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The agent's own language (profile) over the browser's; the REST API stays in English.
    "agents.middleware.AgentLanguageMiddleware",
    # request.user.is_verified(): whether this session passed the second step of sign-in.
    "django_otp.middleware.OTPMiddleware",
    # A session that still owes its second step (or must enrol first) gets nothing else.
    "agents.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Rate limits and bounded password hashing for the sign-in and password forms.
    "agents.sign_in_guard.SignInGuard",
    # Last, as django-axes asks: turns a locked-out sign-in into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed sign-ins and refuses a locked-out username or address before any hashing.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "hitl_project.urls"
ASGI_APPLICATION = "hitl_project.asgi.application"
WSGI_APPLICATION = "hitl_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agents.context_processors.color_scheme",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASE_POOL_CHECK_BYPASS = env.float("DATABASE_POOL_CHECK_BYPASS", default=0.5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every sync view runs in its own thread: persistent connections leak one per
    # thread and CONN_MAX_AGE=0 pays a connect per request, so a shared pool is the fix.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A pooled connection killed by a database restart is replaced at checkout, not used for a
    # request that would then fail; one back from a request less than
    # DATABASE_POOL_CHECK_BYPASS seconds ago goes out unchecked (hitl_project/postgresql).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env("DATABASE_POOL"):
        if DATABASE_POOL_CHECK_BYPASS > 0:
            DATABASES["default"]["ENGINE"] = "hitl_project.postgresql"
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=20),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
else:
    # The live-server and browser tests read the database from another thread or process.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env(
        "SQLITE_TEST_NAME", default=str(BASE_DIR / "test-db.sqlite3")
    )
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # A writer waits up to this many seconds for another's lock.
    options["timeout"] = 20
    if env.bool("SQLITE_TUNING", default=True):
        # A transaction takes the write lock when it begins: a deferred one that read first
        # and then wrote could not wait for the lock (SQLite refuses at once, to avoid a
        # deadlock) and failed with "database is locked" under a few dozen messages a second,
        # or when `manage.py deliver` wrote at the same time.
        # WAL lets the readers read while one writes; synchronous=NORMAL is WAL's safe setting.
        options["transaction_mode"] = "IMMEDIATE"
        options["init_command"] = "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
# Redis pub/sub channels ignore the db number: two deployments sharing a Redis must name their
# channels apart. Every key and channel hitl uses in Redis starts with this; by default it is
# the database's name, which two deployments do not share.
REDIS_PREFIX = env(
    "HITL_REDIS_PREFIX",
    default="hitl-" + "".join(c if c.isalnum() else "-" for c in str(DATABASES["default"]["NAME"])),
)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer had no drops where the list-based layer lost events near
            # 100 msg/s; socket_timeout sits above its 5 s blocking read so idle sockets live.
            # Ours keeps consumers' channels on one subscription per process.
            "BACKEND": (
                "hitl_project.channel_layer.ProcessChannelLayer"
                if env.bool("HITL_PROCESS_CHANNELS", default=True)
                else "channels_redis.pubsub.RedisPubSubChannelLayer"
            ),
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=15),
                        "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=2000),
                    }
                ],
                "prefix": REDIS_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The workspace's languages; an agent picks one on the profile page, else the browser's applies.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# Files agents send to users (handoffs/services/attachments.py): stored through Django's
# storage (STORAGES["default"]; S3-compatible with django-storages, see the README), at most
# this many bytes, of these types, each recognised by its content, not its name.
AGENT_UPLOAD_MAX_BYTES = env.int("AGENT_UPLOAD_MAX_BYTES", default=8 * 1024 * 1024)
AGENT_UPLOAD_TYPES = env.list(
    "AGENT_UPLOAD_TYPES",
    default=["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"],
)

# What a page may load and run (django-csp). Every script is a file of this site (no inline
# script, no eval); styles come from hitl.css; sockets and API calls go to this site ('self'
# covers its ws:// and wss:// in today's browsers). Images: this site (avatars under
# MEDIA_URL), data: URLs, and the pictures Messenger users send, which Facebook's CDN serves and
# the workspace shows. Pages are never framed, except the web chat's (channels_adapters/views.py)
# and the API docs allow inline styles (hitl_project/urls.py).
MESSENGER_IMAGE_SOURCES = ["https://*.fbcdn.net", "https://*.fbsbx.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *MESSENGER_IMAGE_SOURCES],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# Django's database sessions with their one read written out (agents/sessions.py).
SESSION_ENGINE = "agents.sessions"

# Two-factor sign-in (django-otp; agents/two_factor.py): the name authenticator apps show.
OTP_TOTP_ISSUER = env("HITL_TWO_FACTOR_ISSUER", default="hitl")
# After n wrong codes in a row, the next try waits factor * 2^(n-1) seconds (django-otp's
# per-device throttle; 0 turns it off), for app codes and recovery codes alike.
OTP_TOTP_THROTTLE_FACTOR = env.int("HITL_TWO_FACTOR_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
# Superusers reset a lost device in the admin (OTP > TOTP devices); its key is never shown.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")

if env("SECURE"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "handoffs.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Botpress clients speak camelCase: one renderer/parser pair converts every body.
    "DEFAULT_RENDERER_CLASSES": ["handoffs.api.renderers.ApiRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "handoffs.api.parsers.ApiJSONParser",
        "djangorestframework_camel_case.parser.CamelCaseFormParser",
        "djangorestframework_camel_case.parser.CamelCaseMultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "handoffs.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "hitl API",
    # One name for a message's direction, whichever representation shows it.
    "ENUM_NAME_OVERRIDES": {
        "MessageDirectionEnum": "handoffs.models.Message.Direction",
        # Two `status` fields: a handoff's and an agent's (online, busy, offline).
        "HandoffStatusEnum": "handoffs.models.Handoff.Status",
    },
    "DESCRIPTION": (
        "Human-in-the-loop handoffs for chatbots (Botpress HITL compatible). An API token "
        "(`Authorization: Bearer <token>`) acts as the bot; what a person does needs an agent's "
        "session (log in at `/api-auth/login/`). Every 4xx body is "
        "`{statusCode, code, message, errors?}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "CAMELIZE_NAMES": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files: the docs page works offline and calls no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from swagger.io's validator: it would send it the schema's address, and the
    # Content-Security-Policy refuses its image anyway.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
}

# HTTP requests running Django code at once per process, on as many threads
# (hitl_project/http_limit.py); keep it below DATABASE_POOL_MAX. 0: no limit. More threads than
# this only fight over the GIL and cost CPU (measured in bench/README.md).
HTTP_CONCURRENCY = env.int("HTTP_CONCURRENCY", default=4)
# WebSockets' database work (connect, presence, close) on this many threads, each socket on one
# (hitl_project/socket_threads.py); 0: asgiref's default, one thread for all of them.
SOCKET_THREADS = env.int("SOCKET_THREADS", default=4)
# Two overrides of the stack's defaults, each with its way back (README "Configuration"):
# Django's ASGI handler with the request's sync work in one thread hop
# (hitl_project/asgi_handler.py; off: Django's own), and the interpreter's GC and GIL switch
# tuned by the server entry point (hitl_project/serve.py; off: Python's defaults).
SYNC_CHAIN_HANDLER = env.bool("HITL_SYNC_CHAIN_HANDLER", default=True)
RUNTIME_TUNING = env.bool("HITL_RUNTIME_TUNING", default=True)
# On SIGTERM a web process stops accepting, closes its sockets (1012) and gives the requests in
# flight this long to finish (hitl_project/serve.py); workers finish their current pass.
SHUTDOWN_TIMEOUT = env.float("SHUTDOWN_TIMEOUT", default=30)

# `/metrics` (hitl_project/metrics.py) answers a caller with this bearer token, or from these
# networks; by default only this machine.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(network, strict=False)
    for network in env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
]

# Bots and API tokens are read on every API call: each process keeps them this many seconds
# (agents/config_cache.py); 0 turns the cache off.
CONFIG_CACHE_SECONDS = env.float("HITL_CONFIG_CACHE_SECONDS", default=5)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rate-limit counters: shared by every process through Redis when there is one.
    "limits": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"}
    ),
    "config": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "hitl-config",
        "TIMEOUT": CONFIG_CACHE_SECONDS,
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}

# Abuse limits (agents/limits.py, README "Security"): "<count>/<period>" per key, period s, m,
# h or d with an optional multiple ("30/10m"); empty: no limit.
RATE_LIMITS = {
    "login_ip": env("RATE_LIMIT_LOGIN_IP", default="20/m"),
    "password_reset_ip": env("RATE_LIMIT_PASSWORD_RESET_IP", default="5/h"),
    "password_reset_email": env("RATE_LIMIT_PASSWORD_RESET_EMAIL", default="3/h"),
    "webchat_visitor_ip": env("RATE_LIMIT_WEBCHAT_VISITOR_IP", default="30/h"),
    "webchat_message": env("RATE_LIMIT_WEBCHAT_MESSAGE", default="30/m"),
    "webchat_socket_ip": env("RATE_LIMIT_WEBCHAT_SOCKET_IP", default="120/m"),
    "token_message": env("RATE_LIMIT_TOKEN_MESSAGE", default="1200/m"),
    "handoff_user": env("RATE_LIMIT_HANDOFF_USER", default="10/h"),
    "transcript_email": env("RATE_LIMIT_TRANSCRIPT_EMAIL", default="5/h"),
}
RATELIMIT_ENABLE = env.bool("RATE_LIMITS_ENABLED", default=True)
# Open sockets of one web-chat visitor, and of one address, per process.
WEBCHAT_SOCKETS_PER_VISITOR = env.int("WEBCHAT_SOCKETS_PER_VISITOR", default=5)
WEBCHAT_SOCKETS_PER_IP = env.int("WEBCHAT_SOCKETS_PER_IP", default=200)
# Password hashing at once per process (sign-ins, password changes); a sign-in beyond it is
# answered 429 at once instead of taking a request thread from the agents' work.
PASSWORD_HASH_CONCURRENCY = env.int("PASSWORD_HASH_CONCURRENCY", default=1)
# Sign-in lockout (django-axes): this many failures for a username, or from an address, lock it
# for AXES_COOLOFF_MINUTES; `manage.py axes_reset_username <name>` unlocks one sooner.
AXES_ENABLED = RATELIMIT_ENABLE
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The peer's address: daphne puts the client's there behind a proxy (--proxy-headers), and a
# header the client sends itself is never trusted.
AXES_CLIENT_IP_CALLABLE = "agents.limits.client_ip"

HITL = {
    "MAX_TEXT_LENGTH": 10_000,
    # A message's payload and a user's variables, JSON-encoded (handoffs/services/content.py).
    "MAX_PAYLOAD_BYTES": env.int("MAX_PAYLOAD_BYTES", default=16 * 1024),
    "MAX_VARIABLES_BYTES": env.int("MAX_VARIABLES_BYTES", default=16 * 1024),
    # How often each process re-reads the outbox for events its sockets missed (a dropped
    # publish); handoffs/realtime/outbox_watcher.py.
    "STREAM_CATCHUP_SECONDS": env.float("HITL_STREAM_CATCHUP_SECONDS", default=10),
    # With the doubling delivery backoff (capped at an hour), 15 failures span about five hours.
    "WEBHOOK_MAX_FAILURES": env.int("WEBHOOK_MAX_FAILURES", default=15),
    "INVITATION_TTL": timedelta(days=7),
    # How often each process checks that its agent sockets' sessions still log them in.
    "SESSION_RECHECK_SECONDS": env.float("HITL_SESSION_RECHECK_SECONDS", default=60),
    # What `manage.py prune` (the worker runs it daily) keeps, in days: outbox events (never
    # fewer than the replay window, handoffs/realtime/replay.py), delivered webhooks and read
    # notifications. handoffs/services/retention.py.
    "RETENTION_EVENT_DAYS": env.int("RETENTION_EVENT_DAYS", default=30),
    "RETENTION_DELIVERY_DAYS": env.int("RETENTION_DELIVERY_DAYS", default=7),
    "RETENTION_NOTIFICATION_DAYS": env.int("RETENTION_NOTIFICATION_DAYS", default=30),
    # How many first places of each queue the sweep keeps told of their position
    # (handoffs/services/queue_position.py); users further back hear it when they ask.
    "QUEUE_POSITION_WINDOW": env.int("HITL_QUEUE_POSITION_WINDOW", default=100),
}

# Webhooks, bot webhooks and the Graph API never reach a non-public address (loopback, private,
# link-local, metadata...) except inside these networks (handoffs/outgoing.py): for development
# and tests, e.g. 127.0.0.1/32.
OUTGOING_ALLOWED_NETWORKS = [
    ipaddress.ip_network(network, strict=False)
    for network in env.list("OUTGOING_ALLOWED_NETWORKS", default=[])
]

# Channel adapters. The Graph API base URL is a setting so tests talk to a local fake Facebook.
MESSENGER_GRAPH_API_URL = env("MESSENGER_GRAPH_API_URL", default="https://graph.facebook.com/v19.0")
# The Telegram Bot API (https://core.telegram.org/bots/api); a setting for the same reason.
TELEGRAM_API_URL = env("TELEGRAM_API_URL", default="https://api.telegram.org")
WHATSAPP_GRAPH_API_URL = env("WHATSAPP_GRAPH_API_URL", default="https://graph.facebook.com/v23.0")
# Everything that leaves hitl (webhooks, the bot connector, Messenger, e-mail) is a delivery
# row sent by `manage.py deliver` (docs/delivery.md). Its threads: each serves one destination
# at a time, so a receiver that hangs holds one thread, never the others'.
DELIVERY_THREADS = env.int("DELIVERY_THREADS", default=4)
DELIVERY_CONNECT_TIMEOUT_SECONDS = env.float("DELIVERY_CONNECT_TIMEOUT_SECONDS", default=3)
DELIVERY_TIMEOUT_SECONDS = env.float("DELIVERY_TIMEOUT_SECONDS", default=10)
# Retries double from this, at most an hour apart; then the delivery is dead (the admin
# retries it). 15 attempts span about five hours.
DELIVERY_BACKOFF_BASE_SECONDS = env.float("DELIVERY_BACKOFF_BASE_SECONDS", default=2)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=15)
# After this many consecutive failures a destination alone pauses (its circuit breaker).
DELIVERY_BREAKER_FAILURES = env.int("DELIVERY_BREAKER_FAILURES", default=5)
# A worker's hold on a destination; renewed before each request, so well above the timeout.
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=60)

# One format everywhere (hitl_project/logs.py); `json`: a JSON object a line.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = logging_config(level=env("LOG_LEVEL"), json_lines=LOG_FORMAT == "json")

# Incoming keys inside these fields are the user's or the channel's own data: never renamed
# (`user` is the variables object of inbound messages). The renderer's list is in representations.
JSON_CAMEL_CASE = {
    "JSON_UNDERSCOREIZE": {"ignore_fields": ("attributes", "variables", "payload", "user")},
}
