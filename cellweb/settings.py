"""CellWeb settings, read from the environment (see README, "Configuration").

With no environment at all the site runs on embedded defaults: SQLite, an in-process Celery
broker and an in-process channel layer. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to
PostgreSQL and Redis, which is how tests and ``docker/`` run it.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cellweb.env import env_bool, env_float, env_int, env_list, env_str, env_url, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CELLWEB_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("CELLWEB_DEBUG", False)


SECRET_KEY = secret_key("CELLWEB_SECRET_KEY", VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("CELLWEB_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CELLWEB_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "cellweb",
    "annotations",
    "inference",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cellweb.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cellweb" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "cellweb.wsgi.application"
ASGI_APPLICATION = "cellweb.asgi.application"

# --- Database -------------------------------------------------------------------------------
# IMMEDIATE: a transaction takes the write lock when it begins, so two worker threads that read
# and then write wait for each other (busy timeout) instead of one failing at once with "database
# is locked" when upgrading its read lock; WAL lets readers go on while one thread writes.
# Every SQLite database gets these, whether it is the embedded default or a DATABASE_URL; options
# written in the URL (``?timeout=5``) win.
SQLITE_OPTIONS = {
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL;",
    "transaction_mode": "IMMEDIATE",
}


def _database(url: str | None) -> dict:
    if url is None:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "cellweb.sqlite3"}
    elif url.startswith("sqlite"):
        config = dj_database_url.parse(url)
    else:
        return dj_database_url.parse(url, conn_max_age=60)
    config["OPTIONS"] = SQLITE_OPTIONS | config.get("OPTIONS", {})
    return config


DATABASES = {
    "default": _database(env_url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite")))
}
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if USING_POSTGRES and env_bool("CELLWEB_DB_POOL", True):
    # Under ASGI each request runs in a fresh thread, so per-thread persistent connections pile
    # up until PostgreSQL refuses clients; a per-process pool hands connections back instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("CELLWEB_DB_POOL_SIZE", 10, minimum=1),
        "timeout": 10,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, channel layer and cache -------------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))
EMBEDDED_SERVICES = REDIS_URL is None

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py >= 8 reads with a 5 s socket timeout by default, the same length as the
            # layer's blocking BZPOPMIN: on a busy host the read times out and kills the consumer.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "prefix": env_str("CELLWEB_CHANNEL_PREFIX", "cellweb"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CELLWEB_CACHE_PREFIX", "cellweb"),
            "TIMEOUT": 3600,
        }
    }
else:
    # One process runs the site and a worker thread (``manage.py demo``), so in-process
    # transports are enough and nothing has to be installed.
    CELERY_BROKER_URL = "memory://"
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "cellweb.channel_layer.ThreadSafeInMemoryChannelLayer"}
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "cellweb",
            "TIMEOUT": 3600,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELLWEB_VISIBILITY_TIMEOUT", 3600, minimum=10)
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELLWEB_TASKS_EAGER", False)

# --- Files ----------------------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("CELLWEB_DATA_DIR", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("CELLWEB_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Static files are served from the app folders (WHITENOISE_USE_FINDERS) until collectstatic runs;
# an existing root keeps WhiteNoise from warning on every request.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MAX_UPLOAD_MB = env_int("CELLWEB_MAX_UPLOAD_MB", 4096, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

# --- Display --------------------------------------------------------------------------------
RI_WINDOW_DEFAULT = (
    env_float("CELLWEB_RI_WINDOW_LOW", 1.33),
    env_float("CELLWEB_RI_WINDOW_HIGH", 1.40),
)
if RI_WINDOW_DEFAULT[0] >= RI_WINDOW_DEFAULT[1]:
    raise ImproperlyConfigured("CELLWEB_RI_WINDOW_LOW must be below CELLWEB_RI_WINDOW_HIGH.")
SECTION_IMAGE_MAX_AGE = env_int("CELLWEB_IMAGE_MAX_AGE", 86400, minimum=0)
# Section images are answered in front of Django when the session is known to be allowed
# (annotations.selectors.section_images.py): how long that knowledge lasts, how often a process
# looks for revocations by others, the rendered PNGs kept per process, and rendering threads.
SECTION_IMAGE_FRONT = env_bool("CELLWEB_IMAGE_FRONT", True)
SECTION_IMAGE_GRANT_TTL = env_float("CELLWEB_IMAGE_GRANT_TTL", 60.0, minimum=0.0)
SECTION_IMAGE_GRANT_RECHECK_S = env_float("CELLWEB_IMAGE_GRANT_RECHECK", 1.0, minimum=0.0)
SECTION_IMAGE_MEMORY_MB = env_int("CELLWEB_IMAGE_MEMORY_MB", 64, minimum=0)
SECTION_IMAGE_THREADS = env_int("CELLWEB_IMAGE_THREADS", 0, minimum=0)
# PyTorch threads for a proposal computed on demand in a web process (0: PyTorch's default, one
# per core). One thread each keeps concurrent requests from stalling each other.
PROPOSAL_THREADS = env_int("CELLWEB_PROPOSAL_THREADS", 1, minimum=0)
# ... and in bf16 where the CPU computes it natively (AVX512-BF16, AMX): about twice as fast.
PROPOSAL_BF16 = env_bool("CELLWEB_PROPOSAL_BF16", True)

# --- Training -------------------------------------------------------------------------------
HEARTBEAT_TIMEOUT_S = env_int("CELLWEB_HEARTBEAT_TIMEOUT", 120, minimum=5)
TRAINING_MAX_RETRIES = env_int("CELLWEB_TRAINING_MAX_RETRIES", 2, minimum=0)
# The device kind the run-time estimate assumes (docs/training.md): "cpu" or "cuda"; empty: the
# device of the last fold a worker ran, else this process's.
TRAINING_ESTIMATE_DEVICE = env_str("CELLWEB_TRAINING_ESTIMATE_DEVICE", "").lower()
if TRAINING_ESTIMATE_DEVICE not in ("", "cpu", "cuda"):
    raise ImproperlyConfigured(
        f"CELLWEB_TRAINING_ESTIMATE_DEVICE={TRAINING_ESTIMATE_DEVICE!r} is not a device kind; "
        "use cpu or cuda (or leave it unset)."
    )
# Who may cancel a job of a kind that names no rule of its own (cellweb.jobs never imports an app;
# the project's rule is named here): a manager of the job's project or the person who launched it.
JOB_CANCEL_RULE = "annotations.permissions.require_manager_or_launcher"

# --- Auth, REST, schema ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # A request body is JSON unless an endpoint says otherwise (uploads take multipart forms):
    # a form cannot carry a null, a number or a list of mixed items, so the schema offers JSON.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "cellweb.api.schema.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "cellweb.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CellWeb API",
    "DESCRIPTION": "Label-free nucleus segmentation: images, annotations, review, training, evaluation.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, so that generated clients get readable enum names.
    "ENUM_NAME_OVERRIDES": {
        "ModalityEnum": "annotations.models.Modality",
        "LabelFreeModalityEnum": "cellweb.api.schema.label_free_modalities",
        "GtSourceEnum": "annotations.models.GroundTruthSource",
        "LabelKindEnum": "annotations.models.LabelKind",
        "RoleEnum": "annotations.models.Role",
        "ExtentEnum": "inference.ml.fluorescence.EXTENTS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cellweb.api.schema.describe_text_constraints",
        "cellweb.api.schema.describe_empty_query_values",
    ],
    # The schema and its pages are for signed-in users, like the API they describe (README, "API
    # documentation"); the pages themselves send a visitor to the sign-in form first.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and Redoc come from our own static files: lab servers are often offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise send the schema's address to an outside validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("CELLWEB_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

SESSION_COOKIE_SECURE = env_bool("CELLWEB_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CELLWEB_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "uvicorn.access": {"level": "WARNING"}},
}
