"""Settings for the reference upstream: a Django REST framework app shaped like Paradigm's rate endpoint.

Everything is configured by environment variables that test/reference-server/start.ts sets:
  PARADIGM_REF_DB              SQLite file (a temp dir per run); ":memory:" when unset (schema export needs no DB)
  PARADIGM_REF_MEDIA           where uploaded files go (next mode)
  PARADIGM_REF_KEYS            comma-separated API keys accepted as `Authorization: Bearer <key>`
  PARADIGM_REF_THROTTLE_EVERY  every Nth rate request is throttled (429 + Retry-After); 0 = never
  PARADIGM_REF_RETRY_AFTER     seconds DRF's throttle asks the client to wait (Retry-After), default 1
  PARADIGM_REF_DEVIANT         "1": the rate view answers 201 with a JSON body (breaks the published contract)
  PARADIGM_REF_NEXT            "1": also serve the next version's operations (feedbacks list/detail/delete,
                               feedback types, attachment upload)
"""
import os
import tempfile

NEXT = os.environ.get("PARADIGM_REF_NEXT") == "1"

SECRET_KEY = "reference-upstream-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "refserver.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "rest_framework",
    "drf_spectacular",
    "feedbacks.apps.FeedbacksConfig",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("PARADIGM_REF_DB", ":memory:")}}
MEDIA_ROOT = os.environ.get("PARADIGM_REF_MEDIA") or os.path.join(tempfile.gettempdir(), "paradigm-ref-media")
MEDIA_URL = "/media/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    # Request lines go to stderr only when asked (PARADIGM_REF_LOG=1); errors always do.
    "loggers": {
        "django.server": {"handlers": ["stderr"], "level": "INFO" if os.environ.get("PARADIGM_REF_LOG") == "1" else "ERROR"},
        "django.request": {"handlers": ["stderr"], "level": "ERROR"},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["feedbacks.auth.BearerKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Paradigm API",
    # drf-spectacular writes "<VERSION> (<api version>)"; the published "xenial-xerus (v2)" has that shape.
    "VERSION": "yakkety-yak (v2)" if NEXT else "xenial-xerus (v2)",
    "DESCRIPTION": "A versatile and adaptable tool designed to integrate Generative AI into your applications",
    "SERVERS": [{"url": "https://paradigm.lighton.ai"}],
    "TAGS": [
        {"name": "Models", "description": "Operations about AI models"},
        {"name": "Files Search", "description": "Operations about files search"},
        {"name": "Files", "description": "Operations about files"},
        {"name": "Upload Sessions", "description": "Operations about upload sessions"},
        {"name": "Workspaces", "description": "Operations about workspaces"},
        {"name": "Users", "description": "Operations about users"},
        {"name": "Companies", "description": "Operations about companies"},
        {"name": "SCIM", "description": "Operations about SCIM"},
        {"name": "Feedbacks", "description": "Operations about feedbacks"},
        {"name": "Reporting", "description": "Operations about reporting"},
        {"name": "Monitoring", "description": "Operations about monitoring"},
        {"name": "Platform Status", "description": "Operations about platform status"},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    # Keep "api_v2_" in operation ids (api_v2_rate_create) whatever the set of views: without this,
    # drf-spectacular strips the paths' common prefix once there is more than one view (next mode).
    "SCHEMA_PATH_PREFIX": "",
    # The published document has a root `security: []`, which no drf-spectacular setting emits
    # (SECURITY: [] is falsy and left out); a postprocessing hook adds it.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "feedbacks.schema.root_security_none",
    ],
}
