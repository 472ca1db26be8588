"""Production profile: PostgreSQL, Redis, Celery worker and beat; passes `manage.py check --deploy`."""
import os

from .settings import *  # noqa: F401,F403
from .settings import env_list

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

# Every worker and replica shares rate limits and login throttling: without Redis each would count alone.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}}

# X-Forwarded-Proto says whether the browser used HTTPS; anyone can send it, so it is believed only when a
# TLS-terminating reverse proxy in front sets (overwrites) it: declare that with BEHIND_TLS_PROXY=1.
if os.environ.get("BEHIND_TLS_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Rate limits count per client address: the one the proxy appends to X-Forwarded-For, not the proxy's own.
    ALLAUTH_TRUSTED_PROXY_COUNT = 1
    REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": 1}  # noqa: F405  (the API's throttles likewise)
    # The proxy's addresses, in the variable gunicorn reads for the same purpose (--forwarded-allow-ips): from any
    # other peer the X-Forwarded-* headers are dropped, so reaching a replica directly fakes neither HTTPS nor an address.
    TRUSTED_PROXIES = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    MIDDLEWARE = ["accreditation.middleware.ForwardedHeadersFromProxyOnlyMiddleware", *MIDDLEWARE]  # noqa: F405

SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# A new dict: assigning into the imported one would change the settings every other profile shares.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
