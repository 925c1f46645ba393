"""Project wiring. Everything that differs between machines comes from the environment:

DATABASE_URL          default: SQLite file under the data directory
JIUZHU_DATA_DIR       uploads, snapshots, the SQLite file (default ./var)
JIUZHU_SECRET_KEY     required unless JIUZHU_DEBUG=1
JIUZHU_DEBUG          1 for development
JIUZHU_ALLOWED_HOSTS  comma-separated (default: localhost names)
JIUZHU_HTTPS          0 when served over plain HTTP without DEBUG (default 1: HTTPS only,
                      secure cookies, HSTS, redirect to HTTPS)
JIUZHU_BEHIND_PROXY   1 when a reverse proxy terminates TLS and sets X-Forwarded-Proto
JIUZHU_HSTS_SECONDS   Strict-Transport-Security max-age (default one year)
JIUZHU_TECHNICAL_ERRORS  1 for Django's debug pages instead of the Chinese ones (with DEBUG)
JIUZHU_HEARTBEAT_SECONDS, JIUZHU_WORKER_STALE_SECONDS, JIUZHU_TASK_MAX_ATTEMPTS
                      how often a worker beats (15), after how long without a beat the
                      supervisor (`jiuzhu supervise`) resumes its work (120), and how many
                      interruptions it resumes before failing the work (3)
JIUZHU_DATA_KEYS, JIUZHU_SEARCH_KEY  keys sealing ID and bank account numbers (core/crypto.py)
JIUZHU_FILE_RETENTION_DAYS  payment files are deleted this many days after they were made (30)
JIUZHU_TWO_FACTOR     "required" (default): county roles and money roles sign in with a code;
                      "optional": nobody is made to, anyone may enrol
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("JIUZHU_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)

DEBUG = env_flag("JIUZHU_DEBUG")

_DEV_SECRET = "jiuzhu-development-only-secret-key-never-use-in-production"
# A secret is refused unless it is long and varied enough to be random: 50 × "a" is 50
# characters long but guessable. (A random hex key of 64 characters has ~16 distinct ones.)
SECRET_MIN_LENGTH = 50
SECRET_MIN_DISTINCT = 12


def weak_secret_reason(secret: str) -> str:
    """Why `secret` is too weak for production (in Chinese), or "" when it will do."""
    if not secret:
        return "未设置"
    if secret == _DEV_SECRET or secret.startswith("django-insecure"):
        return "使用了开发用或示例密钥"
    if len(secret) < SECRET_MIN_LENGTH:
        return f"长度只有 {len(secret)} 个字符，至少需要 {SECRET_MIN_LENGTH} 个"
    distinct = len(set(secret))
    if distinct < SECRET_MIN_DISTINCT:
        return f"只含 {distinct} 种不同字符，至少需要 {SECRET_MIN_DISTINCT} 种（不像随机生成的）"
    return ""


SECRET_KEY = os.environ.get("JIUZHU_SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not DEBUG and (_weakness := weak_secret_reason(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"JIUZHU_SECRET_KEY 不安全：{_weakness}。生产环境请设置随机生成的密钥，例如 "
        '`python -c "import secrets; print(secrets.token_urlsafe(50))"` 的输出'
        "（开发环境可设置 JIUZHU_DEBUG=1）。"
    )

# Encryption at rest of ID numbers and bank account numbers (jiuzhu.core.crypto): data keys
# "id:base64key,..." (the first seals, all open) and the search digest key. Development
# (DEBUG) derives both from SECRET_KEY when they are not set.
DATA_KEYS = os.environ.get("JIUZHU_DATA_KEYS", "")
SEARCH_KEY = os.environ.get("JIUZHU_SEARCH_KEY", "")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("JIUZHU_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "jiuzhu.core",
    "jiuzhu.registry",
    "jiuzhu.verification",
    "jiuzhu.policy",
    "jiuzhu.cases",
    "jiuzhu.payments",
    "jiuzhu.funds",
    "jiuzhu.outreach",
    "jiuzhu.oversight",
    "jiuzhu.medical",
    "jiuzhu.cooperation",
    "jiuzhu.portal",
    "jiuzhu.publicity",
    "jiuzhu.api",
    "jiuzhu.dashboard",
    "jiuzhu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jiuzhu.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiuzhu.core.security.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jiuzhu.core.two_factor_gate.TwoFactorGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jiuzhu.core.security.ErrorPagesMiddleware",
]

ROOT_URLCONF = "jiuzhu.urls"
WSGI_APPLICATION = "jiuzhu.wsgi.application"

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
                "jiuzhu.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'jiuzhu.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets pages read while a batch job writes; IMMEDIATE avoids upgrade deadlocks;
        # a 64 MiB page cache (default 2 MiB) keeps a batch write's index pages in memory.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA cache_size=-65536;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No parallel workers for the pages' queries: starting one costs a page's query 5–25 ms
    # (the overdue list: 26 ms instead of 1.5), and under many users no core is idle for it.
    # Batch reads turn them back on (core.columnar.batch_session).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c max_parallel_workers_per_gather=0"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["jiuzhu.core.auth.StaffBackend"]
PASSWORD_HASHERS = [
    "jiuzhu.core.passwords.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "jiuzhu.core.passwords.MinimumLength"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed sign-ins slow the client, and the account on clients it never signed in from, with
# delays doubling from the base up to the cap (core/auth.py); never a lock the owner cannot pass.
JIUZHU_LOGIN_WINDOW_MINUTES = int(os.environ.get("JIUZHU_LOGIN_WINDOW_MINUTES", "60"))
JIUZHU_LOGIN_FREE_FAILURES_PER_ACCOUNT = int(
    os.environ.get("JIUZHU_LOGIN_FREE_FAILURES_PER_ACCOUNT", "5")
)
JIUZHU_LOGIN_FREE_FAILURES_PER_CLIENT = int(
    os.environ.get("JIUZHU_LOGIN_FREE_FAILURES_PER_CLIENT", "10")
)
JIUZHU_LOGIN_BASE_DELAY_SECONDS = int(os.environ.get("JIUZHU_LOGIN_BASE_DELAY_SECONDS", "2"))
JIUZHU_LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("JIUZHU_LOGIN_MAX_DELAY_SECONDS", "900"))
JIUZHU_LOGIN_TRUSTED_CLIENT_DAYS = int(os.environ.get("JIUZHU_LOGIN_TRUSTED_CLIENT_DAYS", "90"))
# One client failing on this many accounts within the window raises a security event.
JIUZHU_LOGIN_SPRAY_ACCOUNTS = int(os.environ.get("JIUZHU_LOGIN_SPRAY_ACCOUNTS", "10"))
JIUZHU_LOGIN_QUEUE_SECONDS = float(os.environ.get("JIUZHU_LOGIN_QUEUE_SECONDS", "5"))
# API tokens expire this many days after they are issued (core/tokens.py).
JIUZHU_API_TOKEN_DAYS = int(os.environ.get("JIUZHU_API_TOKEN_DAYS", "30"))
# PIPL art. 19: personal data kept no longer than needed. Closed applications (refused,
# rejected, withdrawn, ended) keep their free text, visits and documents this many years
# after the last act on them; then `jiuzhu purge_cases` anonymises them (counts stay).
JIUZHU_CASE_RETENTION_YEARS = int(os.environ.get("JIUZHU_CASE_RETENTION_YEARS", "5"))
# How long the access log and the audit trail stay in the database before `jiuzhu audit
# prune` moves them into sealed archive files (core/audit_chain.py explains the defaults).
JIUZHU_ACCESS_LOG_RETENTION_YEARS = int(os.environ.get("JIUZHU_ACCESS_LOG_RETENTION_YEARS", "3"))
JIUZHU_AUDIT_RETENTION_YEARS = int(os.environ.get("JIUZHU_AUDIT_RETENTION_YEARS", "30"))
# Idle sign-out: a session lasts this many minutes after the last request (renewed at most
# once a minute: core.security.SessionRenewalMiddleware) and ends when the browser closes.
JIUZHU_IDLE_MINUTES = int(os.environ.get("JIUZHU_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = JIUZHU_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Two-factor sign-in (core/two_factor.py): "required" makes the roles of roles.
# two_factor_required use it; "optional" lets everyone choose.
JIUZHU_TWO_FACTOR = os.environ.get("JIUZHU_TWO_FACTOR", "required").strip().lower()
if JIUZHU_TWO_FACTOR not in {"required", "optional"}:
    raise ImproperlyConfigured('JIUZHU_TWO_FACTOR 只能是 "required" 或 "optional"。')
OTP_TOTP_ISSUER = "救助平台"
# Wrong codes are counted by the sign-in throttle (core/auth.py) with the passwords; the
# devices' own per-device delays would let a password holder block the owner's codes.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the real client.
JIUZHU_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("JIUZHU_TRUSTED_PROXIES", "").split(",") if p.strip()
]

# Payment files (full ID numbers, bank accounts) are deleted this many days after they
# were made, by `jiuzhu supervise` (payments/files.py purge_expired).
JIUZHU_FILE_RETENTION_DAYS = int(os.environ.get("JIUZHU_FILE_RETENTION_DAYS", "30"))

# Background work's heartbeat and supervisor (core/tasks.py).
JIUZHU_HEARTBEAT_SECONDS = float(os.environ.get("JIUZHU_HEARTBEAT_SECONDS", "15"))
JIUZHU_WORKER_STALE_SECONDS = float(os.environ.get("JIUZHU_WORKER_STALE_SECONDS", "120"))
JIUZHU_TASK_MAX_ATTEMPTS = int(os.environ.get("JIUZHU_TASK_MAX_ATTEMPTS", "3"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "jiuzhu.core.security.csrf_failure"
# With DEBUG on, views' errors still show the Chinese pages unless this asks for Django's.
JIUZHU_TECHNICAL_ERRORS = env_flag("JIUZHU_TECHNICAL_ERRORS")
HTTPS_ONLY = not DEBUG and env_flag("JIUZHU_HTTPS", True)
if HTTPS_ONLY:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("JIUZHU_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_flag("JIUZHU_HSTS_PRELOAD", True)
if env_flag("JIUZHU_BEHIND_PROXY"):
    # Only behind a proxy that sets this header itself (and strips a client's own).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jiuzhu.core.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "jiuzhu.core.tokens.HasTokenScope",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "jiuzhu.core.rest.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiuzhu 救助 API",
    "DESCRIPTION": "社会救助平台接口：户籍档案、政策计算、案件、核对与发放。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_id_numbers": {"()": "jiuzhu.core.logging.RedactIdNumbers"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_id_numbers"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("JIUZHU_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # PDF font subsetting is chatty at INFO
        "py4j": {"level": "WARNING"},  # Spark's gateway logs at exit, after streams close
    },
}
