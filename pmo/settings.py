"""Settings for Digital PMO, read from the environment through :mod:`pmo.env`.

Nothing set gives the embedded default: a SQLite file under ``var/``, Celery jobs run
in-process and mail printed to the console. ``DATABASE_URL`` selects Postgres, ``REDIS_URL``
the Celery broker, result store and cache, ``DJANGO_ENV=production`` the secure settings.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from pmo.env import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("PMO_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DJANGO_ENV = env.choice("DJANGO_ENV", ("development", "test", "production"), default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        from pmo.env import EnvError

        raise EnvError("SECRET_KEY", "…", "at least 50 random characters in production")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", "insecure-development-key-do-not-use-in-production-0123456789"
    )

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Django's form templates, for FORM_RENDERER below.
    "django.forms",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "django_filters",
    "django_htmx",
    "simple_history",
    "pmo",  # template filters shared by every app (pmo/templatetags)
    "orgs",
    "accounts",
    "actionplan",
    "documents",
    "faq",
    "review",
    "surveys",
    "outbox",  # every mail goes through it (outbox/services.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # csp: the Content-Security-Policy header (see below)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pmo.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pmo.middleware.PrivateNoStoreMiddleware",  # identity: private, no-store when signed in
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionLimitMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

if PRODUCTION:  # the dev server serves static files itself
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "pmo.urls"
WSGI_APPLICATION = "pmo.wsgi.application"
ASGI_APPLICATION = "pmo.asgi.application"

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
                "pmo.navigation.nav_items",
            ],
        },
    }
]

# Widgets render through TEMPLATES, so templates/django/forms/ may override one (the date
# picker's 例: 2015/09/30 hint).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.database("DATABASE_URL", default_sqlite=VAR_DIR / "pmo.sqlite3")}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The planner's cost of a random read, for SSD storage (Postgres's default of 4 assumes
    # spinning disks and makes it scan whole tables where the search indexes would read a
    # few hundred rows). Per connection, so a managed database needs no server setting.
    page_cost = env.float("DB_RANDOM_PAGE_COST", default=1.1, minimum=0.1)
    options = DATABASES["default"]["OPTIONS"]  # from the URL's query (sslmode=…)
    options["options"] = f"{options.get('options', '')} -c random_page_cost={page_cost}".strip()
else:
    # WAL lets the dev server and in-process jobs read while another request writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery ---------------------------------------------------------------------
REDIS_URL = env.redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache whose login rate limits fail open while Redis is down.
            "BACKEND": "pmo.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pmo",
            # An unreachable Redis fails a call in a second rather than hanging the login.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 3},
        }
    }
else:
    # A file cache is shared by every process of the embedded default, so login rate limits
    # hold across the dev server's threads and restarts (a per-process cache would not).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sheets of up to this many rows are imported during the upload request; larger ones by a
# worker job with progress (0 sends every upload to the worker).
IMPORT_INLINE_MAX_ROWS = env.int("IMPORT_INLINE_MAX_ROWS", default=50, minimum=0)
# The late list's export (review.exports): up to this many flags it is written during the
# request; a larger one by a worker job with progress (0 sends every export to the worker).
LATE_EXPORT_INLINE_ROWS = env.int("LATE_EXPORT_INLINE_ROWS", default=5000, minimum=0)
# Days an export's file is kept for download (then the nightly purge deletes it).
LATE_EXPORT_KEEP_DAYS = env.int("LATE_EXPORT_KEEP_DAYS", default=7, minimum=1)
# Job leases (pmo.jobs): a running job that reports no progress for JOB_LEASE_SECONDS, or a
# queued one no worker took within JOB_QUEUE_SECONDS, ends failed and can be retried.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=120, minimum=1)
JOB_QUEUE_SECONDS = env.int("JOB_QUEUE_SECONDS", default=3600, minimum=1)

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Argon2id first (accounts.hashers: ~20 ms a login instead of PBKDF2's ~0.3 s); PBKDF2 kept to
# read hashes made before, which are upgraded at the next login.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "top"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Signup is closed: a reset asked for an unknown address sends nothing (the page reads the same).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# --- Client address and login rate limits (pmo.clientip, accounts.adapters) ------------------
# Reverse proxies in front of the portal, each appending to X-Forwarded-For; 0 = REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0, minimum=0)
# One LGWAN gateway may carry a prefecture: per-address limits are sized for the design load
# of 1,000 logins a minute from one address (each may fail once and be retried: 2,000 posts;
# 300 failures on real accounts: 30% of them mistyped), per-account ones protect an account.
# The 6th failed login within 5 minutes on one account is refused, whoever tries it; per
# address only failures on accounts that exist count, so made-up addresses never lock a
# gateway's real users out.
ACCOUNT_RATE_LIMITS = {
    "login": env.rate_limit("LOGIN_RATE_LIMIT", "2000/m/ip"),
    "login_failed": env.rate_limit("LOGIN_FAILED_RATE_LIMIT", "300/m/ip,5/5m/key"),
    "reset_password": env.rate_limit("PASSWORD_RESET_RATE_LIMIT", "200/m/ip,5/m/key"),
    "reset_password_from_key": env.rate_limit("PASSWORD_RESET_LINK_RATE_LIMIT", "200/m/ip"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# allauth refuses TOTP set-up while the account has an unverified allauth address row (which a
# password reset writes). Those rows play no part here: signup is closed, the login address is
# ``User.email`` alone, issued by an account manager and proven by the activation link.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = "Digital PMO"
# Administrators, issuers, reviewers, coordinators and editors must enrol TOTP (accounts.roles).
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=True)
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

SESSION_COOKIE_AGE = env.int("SESSION_MAX_AGE_SECONDS", default=12 * 60 * 60, minimum=60)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_SECONDS", default=30 * 60, minimum=60)

# --- Language, time, formats ------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["pmo.formats"]

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25, minimum=1)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Digital PMO <noreply@pmo.example>")
# Sent mails are kept this many days, then purged nightly (outbox.purge_sent); failed ones stay.
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=90, minimum=1)

# --- Security ---------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Content-Security-Policy (django-csp) ------------------------------------------------------
# Everything comes from our own origin (assets are vendored: no CDN). No inline script or style
# and no eval, so an injected <script>, on* handler or style="" does nothing; the timeline is
# SVG, htmx's indicator CSS is in pmo.css and its inline <style> is switched off (base.html).
# data: images only because allauth's TOTP set-up page shows its QR code as a data: SVG.
# Django's debug pages (DEBUG, 404/500) are exempt by django-csp: they carry inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
}
