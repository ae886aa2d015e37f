"""Settings for Newsroom.

One module for every environment: production differs only by environment variables.
Development defaults are deliberately insecure and are caught by `manage.py check --deploy`.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEWSROOM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-dev-only-do-not-use-in-production"
)
DEBUG = env_bool("DJANGO_DEBUG")
# One switch for a deployment (README "Deploying"): hashed static files, HTTPS-only cookies,
# HSTS and persistent database connections. Each can still be overridden by its own variable.
PRODUCTION = env_bool("DJANGO_PRODUCTION")
if PRODUCTION and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_PRODUCTION=1 needs DJANGO_SECRET_KEY: 50+ random characters."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "template_partials",
    "rest_framework",
    "django_filters",
    "rest_framework_api_key",  # before newsroom, whose admin replaces its stock key admin
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "newsroom",
    "claims",
    "explainers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "newsroom.middleware.AdminNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.ContentSecurityPolicyMiddleware",
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    # After DatabaseUnavailableMiddleware: a replica failing mid-request is retried on the primary.
    "newsroom.core.replicas.ReplicaMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

# SQLite in a file under the project when DATABASE_URL is unset, so a first run needs nothing.
if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        # Persistent connections in production; conn_health_checks replaces a connection the
        # database dropped (a restart, a failover) at the start of the next request.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters, so psycopg can prepare the statements a connection runs again and
    # again: PostgreSQL then plans a story page's queries once per connection, not per request.
    # Set DJANGO_DB_PREPARE_THRESHOLD=off behind a transaction-mode pooler (PgBouncer < 1.21).
    _prepare = os.environ.get("DJANGO_DB_PREPARE_THRESHOLD", "5").strip().lower()
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": None if _prepare in ("", "off", "none") else int(_prepare),
        }
    )
    # No JIT compilation: built for long analytic queries, it spent 0.7 s compiling a search
    # whose plan PostgreSQL merely estimated as costly (the search itself then took 30 ms).
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")

# Read replicas (README "Read replicas"): DATABASE_REPLICA_URLS, comma-separated, adds streaming
# replicas of the primary as `replica1`, `replica2`…, with the primary's options. The router
# (newsroom/core/replicas.py) sends the reads of public pages and of the partner API to a healthy
# one; writes, the admin, editors, previews, commands and migrations use `default`. With no
# replica set, everything reads and writes `default` exactly as before.
NEWSROOM_REPLICA_DATABASES = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _replica = dj_database_url.parse(
        _url,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
        test_options={"MIRROR": "default"},  # tests read the primary's test database
    )
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    if _replica["ENGINE"] == "django.db.backends.postgresql":
        # A replica that does not answer is skipped, not waited for (README "Read replicas").
        _replica["OPTIONS"].setdefault("connect_timeout", 2)
    DATABASES[f"replica{_number}"] = _replica
    NEWSROOM_REPLICA_DATABASES.append(f"replica{_number}")
DATABASE_ROUTERS = ["newsroom.core.replicas.ReplicaRouter"]
# A replica further behind the primary than this is skipped until it catches up.
NEWSROOM_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("NEWSROOM_REPLICA_MAX_LAG_SECONDS", "5"))
# How long a process keeps a replica's health before asking it again.
NEWSROOM_REPLICA_CHECK_SECONDS = float(os.environ.get("NEWSROOM_REPLICA_CHECK_SECONDS", "2"))
# After a write, that browser reads the primary for this long (read your writes).
NEWSROOM_REPLICA_STICKY_SECONDS = int(
    os.environ.get(
        "NEWSROOM_REPLICA_STICKY_SECONDS", str(int(10 * NEWSROOM_REPLICA_MAX_LAG_SECONDS))
    )
)
# Rows always read from the primary: a partner key read late (revoked a moment ago) would be
# cached for minutes (newsroom/api_auth.py).
NEWSROOM_REPLICA_PRIMARY_MODELS = ["newsroom.PartnerKey"]
# Paths read from the primary even without a session cookie: the admin (its login page) and
# previews (a shared preview link shows a draft the moment it is saved).
NEWSROOM_REPLICA_PRIMARY_PATHS = ["/admin/", "/preview/"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Shared by every app server behind the load balancer.
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "newsroom"),
        }
    }
    # Sessions are read from Redis and written through to the database, so every app server
    # sees them and none is lost when Redis is flushed or restarted.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Full-page cache of the public site (newsroom/core/pagecache.py): how long Django's cache keeps a
# page (0 turns it off; changes invalidate it at once), and how long a CDN or browser may.
NEWSROOM_PAGE_CACHE_SECONDS = int(os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", "600"))
# Stories rendered again at once after a change to something they show (a fact, person,
# source…); the rest are marked stale and rendered by the first request that meets them
# (explainers/renderings.py).
NEWSROOM_RENDER_AT_ONCE = int(os.environ.get("NEWSROOM_RENDER_AT_ONCE", "20"))
NEWSROOM_CDN_MAX_AGE = int(os.environ.get("NEWSROOM_CDN_MAX_AGE", "60"))
# A shared HTTP cache in front (README "A shared HTTP cache in front (Varnish)"): the Varnish
# servers that changes purge by surrogate key, comma-separated (http://10.0.0.7:6081,…); empty,
# none is in front and nothing is purged. With them, Varnish may keep a page NEWSROOM_VARNISH_TTL
# seconds (Surrogate-Control; without them, no longer than NEWSROOM_CDN_MAX_AGE); a purge gets
# NEWSROOM_VARNISH_TIMEOUT_SECONDS for each server's answer before it is retried.
NEWSROOM_VARNISH_URLS = env_list("NEWSROOM_VARNISH_URLS")
NEWSROOM_VARNISH_TTL = int(os.environ.get("NEWSROOM_VARNISH_TTL", "86400"))
NEWSROOM_VARNISH_TIMEOUT_SECONDS = float(os.environ.get("NEWSROOM_VARNISH_TIMEOUT_SECONDS", "2"))

# Background tasks (README "Background tasks"): django-tasks with its database backend, so tasks
# are rows in the database, enqueued in the transaction that asks for them and run by
# `manage.py db_worker` (several workers in production; `make run` starts one beside the server).
# NEWSROOM_TASKS=immediate runs each task at once in the process that enqueues it, with no worker
# (development only: a retry that must wait is then refused, see newsroom/webhooks.py).
NEWSROOM_TASKS = os.environ.get("NEWSROOM_TASKS", "database")
if NEWSROOM_TASKS not in ("database", "immediate"):
    raise ImproperlyConfigured("NEWSROOM_TASKS must be 'database' or 'immediate'.")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if NEWSROOM_TASKS == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default", "webhooks", "purges"],
    }
}

AUTHENTICATION_BACKENDS = [
    # Refuses logins for a username and address with too many failures (django-axes).
    "newsroom.auth.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login throttling. Only failed logins are recorded, so readers never touch it.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("DJANGO_LOGIN_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "newsroom/login_locked_out.html"
# Behind a load balancer the client address is the first of X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# A URL typed without a scheme ("news.sky.com/story") means https, as it will in Django 6.
FORMS_URLFIELD_ASSUME_HTTPS = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    # Any Django storage works for uploads, e.g. DJANGO_MEDIA_STORAGE=storages.backends.s3.S3Storage.
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"
        )
    },
    # Production: hashed, compressed names that can be cached forever (`collectstatic` first).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve static files straight from the apps until a deployment collects them.
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:  # a read-only deployment collects static files at build time
    pass
WHITENOISE_USE_FINDERS = env_bool("DJANGO_STATIC_FINDERS", default=not PRODUCTION)
WHITENOISE_AUTOREFRESH = DEBUG

# Section text is Markdown; fact blocks are placed with [[kind:slug]] tokens.
NEWSROOM_SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")
# The public site's address, for what is sent with no request to take it from (webhook payloads).
NEWSROOM_SITE_URL = os.environ.get("NEWSROOM_SITE_URL", "http://127.0.0.1:8000")

# Partners' webhooks (newsroom/webhooks.py, README "Webhooks for partners").
NEWSROOM_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("NEWSROOM_WEBHOOK_TIMEOUT_SECONDS", "10"))
NEWSROOM_WEBHOOK_MAX_RESPONSE_BYTES = int(
    os.environ.get("NEWSROOM_WEBHOOK_MAX_RESPONSE_BYTES", "65536")
)
# Retries: doubling from the first delay up to the longest, with jitter, for at least this long.
NEWSROOM_WEBHOOK_RETRY_HOURS = max(
    24.0, float(os.environ.get("NEWSROOM_WEBHOOK_RETRY_HOURS", "24"))
)
NEWSROOM_WEBHOOK_FIRST_RETRY_SECONDS = float(
    os.environ.get("NEWSROOM_WEBHOOK_FIRST_RETRY_SECONDS", "30")
)
NEWSROOM_WEBHOOK_MAX_RETRY_SECONDS = float(
    os.environ.get("NEWSROOM_WEBHOOK_MAX_RETRY_SECONDS", "7200")
)
# An endpoint failing this many attempts in a row, over at least this many hours, is disabled.
NEWSROOM_WEBHOOK_DISABLE_AFTER_FAILURES = int(
    os.environ.get("NEWSROOM_WEBHOOK_DISABLE_AFTER_FAILURES", "15")
)
NEWSROOM_WEBHOOK_DISABLE_AFTER_HOURS = float(
    os.environ.get("NEWSROOM_WEBHOOK_DISABLE_AFTER_HOURS", "12")
)
# After a rotation the previous secret signs too (beside the new one) for this long.
NEWSROOM_WEBHOOK_SECRET_OVERLAP_HOURS = float(
    os.environ.get("NEWSROOM_WEBHOOK_SECRET_OVERLAP_HOURS", "24")
)
# Loopback endpoints (and plain http to them): for tests and local development only; never in
# production, where `manage.py check --deploy` refuses it.
NEWSROOM_WEBHOOK_ALLOW_LOOPBACK = env_bool("NEWSROOM_WEBHOOK_ALLOW_LOOPBACK")
# How long a signed preview link sent to someone outside the admin keeps working.
NEWSROOM_PREVIEW_LINK_HOURS = int(os.environ.get("NEWSROOM_PREVIEW_LINK_HOURS", "72"))
LOGIN_URL = "admin:login"

# Partner API v1 (newsroom/api.py): read-only, published content only, one key per partner.
NEWSROOM_API_RATE_PER_MINUTE = int(os.environ.get("NEWSROOM_API_RATE_PER_MINUTE", "120"))
# Usage counters live in the cache and reach the database at most once per key per interval.
NEWSROOM_API_USAGE_FLUSH_SECONDS = int(os.environ.get("NEWSROOM_API_USAGE_FLUSH_SECONDS", "60"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["newsroom.api_auth.PartnerKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["newsroom.api_auth.HasPartnerKey"],
    "DEFAULT_THROTTLE_CLASSES": ["newsroom.api_auth.PartnerKeyThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "newsroom.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
_SYSTEM_FONTS = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
SPECTACULAR_SETTINGS = {
    "TITLE": f"{NEWSROOM_SITE_NAME} partner API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (BASE_DIR / "newsroom" / "api_description.md").read_text(encoding="utf-8"),
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SERVE_INCLUDE_SCHEMA": False,  # the schema documents the API, not itself
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl: Swagger UI would otherwise load a badge from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {
        "persistAuthorization": True,
        "displayOperationId": False,
        "validatorUrl": None,
    },
    # Redoc's default fonts (Montserrat, Roboto) are web fonts its stock page fetches from
    # Google; our page (templates/newsroom/api_docs_redoc.html) uses the reader's own fonts.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": _SYSTEM_FONTS,
                "headings": {"fontFamily": _SYSTEM_FONTS},
                "code": {"fontFamily": "ui-monospace, Menlo, Consolas, monospace"},
            },
        },
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "newsroom.core.api.require_query_values",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ExplainerKindEnum": "explainers.models.Explainer.Kind",
        "SourceKindEnum": "claims.models.Source.Kind",
        "RatingVerdictEnum": "claims.models.Rating.Verdict",
        "MediaKindEnum": "explainers.models.Media.Kind",
        "StatisticDisplayEnum": "claims.models.Statistic.Display",
    },
}

# --- Security headers and cookies ------------------------------------------------------------
# Production turns all of these on; behind a TLS-terminating proxy also set
# DJANGO_SECURE_PROXY_SSL_HEADER=1 so Django knows the request came over HTTPS.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # load balancers probe over plain HTTP
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION
)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", default=PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
# Pages may not be framed, except fact-card embeds under /embed/ (newsroom/middleware.py).
X_FRAME_OPTIONS = "DENY"
# No inline script or style on public pages; the admin gets inline styles only (middleware).
# Set DJANGO_CSP_IMG_SRC to add hosts when media live on another storage (e.g. a bucket).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *env_list("DJANGO_CSP_IMG_SRC")],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Browsers report violations to us (newsroom/csp_reports.py); the admin lists them.
        "report-uri": ["/csp-report/"],
        "report-to": "csp",
    },
}
# How many CSP violation reports one address may send a minute (more get 429).
NEWSROOM_CSP_REPORTS_PER_MINUTE = int(os.environ.get("NEWSROOM_CSP_REPORTS_PER_MINUTE", "60"))

# Uploaded images (explainers.validators): real raster images of bounded size, never SVG.
NEWSROOM_MAX_IMAGE_BYTES = int(os.environ.get("NEWSROOM_MAX_IMAGE_BYTES", str(10 * 1024 * 1024)))
NEWSROOM_MAX_IMAGE_PIXELS = int(os.environ.get("NEWSROOM_MAX_IMAGE_SIDE", "8000"))

# Floors for scripts/loadtest only: /_bench/ok/ and /_bench/static/. Never set in production.
NEWSROOM_BENCHMARK_VIEWS = env_bool("NEWSROOM_BENCHMARK_VIEWS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
