from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.services import worker_number

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


def worker_redis_url(url: str) -> str:
    """The REDIS_URL's database number plus this worker's: every test clears the cache
    (FLUSHDB), which would wipe the other worker's rate-limit counters in a shared db."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + worker_number()}"))


@pytest.fixture(autouse=True, scope="session")
def _own_cache_and_media(tmp_path_factory):
    """A cache and a MEDIA_ROOT of this process's own. The embedded default's file cache lives
    under var/, shared by every process: a second test run (or `make run`) clearing it would
    reset this run's rate-limit counters. With REDIS_URL, each xdist worker takes its own db."""
    from django.conf import settings
    from django.test import override_settings

    default = settings.CACHES["default"]
    if default["BACKEND"].endswith("FileBasedCache"):
        default = {**default, "LOCATION": str(tmp_path_factory.mktemp("cache"))}
    elif default["BACKEND"].endswith("RedisCache"):
        default = {**default, "LOCATION": worker_redis_url(default["LOCATION"])}
    with override_settings(
        CACHES={**settings.CACHES, "default": default},
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    ):
        yield


@pytest.fixture(autouse=True)
def _factory_sequences():
    """Every test numbers its factory-made rows from the same start, whatever ran before it in
    this process. Under xdist the tests before it differ from run to run, and a sequence that
    reached a code a fixture also uses (011002 札幌市, 010006 北海道) handed that organisation
    back (the factories get_or_create by code): a test that passed alone failed in a full run.
    The starts keep clear of the fixtures' codes (prefectures 1 and 2; municipalities 01100x
    and 01202x–01203x): prefectures from 03 (岩手), municipalities from 01403x (see
    MunicipalityFactory.code)."""
    from tests import factories

    factories.PrefectureFactory.reset_sequence(2)
    factories.MunicipalityFactory.reset_sequence(200)
    factories.MinistryFactory.reset_sequence(0)
    factories.UserFactory.reset_sequence(0)


@pytest.fixture(autouse=True)
def _japanese_after_each_test():
    """The portal's locale middleware activates the request's language for the thread and
    leaves it so (each request sets its own). A test whose client sent the English cookie
    left the next test of the process in English: a message built outside a request (an
    Excel import's row errors) came out English, in whichever test xdist ran next."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; every test starts from none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _celery_in_process():
    """Tests run jobs in-process whatever the broker: a test asserts what a job did, and CI's
    REDIS_URL would otherwise send them to a worker that is not running."""
    from pmo.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organizations(db):
    """The real organisation data: 14 ministry units and 1,788 local governments."""
    from orgs.loader import load_all

    load_all()
    from orgs.models import Organization

    return Organization.objects


@pytest.fixture
def hokkaido(db):
    from tests.factories import PrefectureFactory

    return PrefectureFactory(code="010006", name="北海道")


@pytest.fixture
def sapporo(hokkaido):
    from orgs.models import MunicipalityClass
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory(
        code="011002",
        name="札幌市",
        prefecture=hokkaido,
        municipality_class=MunicipalityClass.DESIGNATED,
    )


@pytest.fixture
def alice(sapporo):
    from tests.factories import UserFactory

    return UserFactory(
        email="alice@city.sapporo.lg.jp", display_name="札幌 アリス", organization=sapporo
    )
