"""``/healthz``: is the database reachable, and the broker? 200 when both are, 503 otherwise."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "down" here; the reason is logged by the driver
        return False


def broker_ok() -> bool:
    """With no ``REDIS_URL`` jobs run in-process, so there is no broker to lose."""
    if not settings.REDIS_URL:
        return True
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        return bool(client.ping())
    except redis.RedisError:
        return False


@never_cache
@require_GET
def healthz(request):
    status = {
        "database": "ok" if database_ok() else "down",
        "broker": ("ok" if broker_ok() else "down") if settings.REDIS_URL else "in-process",
    }
    healthy = "down" not in status.values()
    return JsonResponse(
        {"status": "ok" if healthy else "down", **status}, status=200 if healthy else 503
    )
