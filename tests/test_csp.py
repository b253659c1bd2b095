"""The Content-Security-Policy: the exact header on every main page, for the roles that use it,
and no template markup that the policy would refuse (inline style or script, htmx eval)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.csp import CSP_EXPECTED, parse_csp

BASE = Path(settings.BASE_DIR)


@pytest.fixture
def demo(db):
    """The organisations, demo accounts and demo content, as `make run` loads them."""
    from django.core.management import call_command

    from accounts.demo import load_demo_accounts
    from actionplan import demo as plan_demo
    from documents import demo as documents_demo
    from faq import demo as faq_demo
    from review import demo as review_demo

    call_command("load_reference_data", stdout=io.StringIO())
    users = {user.email: user for user in load_demo_accounts()}
    for app_demo in (plan_demo, documents_demo, faq_demo, review_demo):
        app_demo.load()
    return users


def _entry_pk() -> int:
    from actionplan.models import PlanEntry

    return PlanEntry.objects.filter(organization__code="011002").order_by("pk").first().pk


def _faq_number() -> str:
    from faq.models import FAQ

    return FAQ.objects.filter(is_published=True).order_by("number").first().number


# Who looks at which pages: every page must answer 200 with the policy.
PAGES = {
    "sapporo@demo.example": [  # municipal staff
        "/",
        "/orgs/011002/plan/",
        lambda: f"/orgs/011002/plan/entries/{_entry_pk()}/edit/",
        "/orgs/011002/plan/upload/",
        "/documents/",
        "/efforts/",
        "/announcements/",
        "/portal/",
        "/procedures/",
        "/faq/",
        lambda: f"/faq/{_faq_number()}/",
        "/inquiries/",
        "/inquiries/new/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/password/change/",
    ],
    "mhlw@demo.example": [  # ministry reviewer
        "/",
        "/review/",
        "/review/late/",
        "/review/prefectures/010006/",
        "/review/orgs/011002/",
        "/review/checks/",
        "/review/follow-ups/",
        "/orgs/011002/plan/",
    ],
    "hokkaido@demo.example": [  # prefecture admin: the manage pages
        "/manage/",
        "/manage/accounts/",
        "/manage/accounts/new/",
        "/manage/accounts/bulk/",
        "/manage/domains/",
        "/manage/audit/",
    ],
    "editor@demo.example": ["/documents/new/", "/faq/new/", "/faq/report/", "/portal/new/"],
    "admin@demo.example": [
        "/admin/",
        "/admin/actionplan/planentry/",
        lambda: f"/admin/actionplan/planentry/{_entry_pk()}/change/",
        "/admin/accounts/user/add/",
    ],
    None: [  # anonymous: allauth's pages
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
    ],
}


def _client(users, email) -> Client:
    client = Client()
    if email:
        client.force_login(users[email])  # the demo roles that need it are enrolled in TOTP
    if email == "sapporo@demo.example":
        # allauth's TOTP set-up page asks for the password again first.
        response = client.post("/accounts/reauthenticate/", {"password": "pmo-demo-2015"})
        assert response.status_code == 302
    return client


@pytest.mark.parametrize("email", list(PAGES), ids=lambda email: email or "anonymous")
def test_every_main_page_carries_the_exact_policy(demo, email):
    client = _client(demo, email)
    wrong = []
    for url in PAGES[email]:
        url = url() if callable(url) else url
        response = client.get(url)
        header = response.headers.get("Content-Security-Policy")
        if response.status_code != 200 or header is None or parse_csp(header) != CSP_EXPECTED:
            wrong.append((url, response.status_code, header))
    assert wrong == []


def test_the_second_factor_page_carries_the_policy(demo):
    """After the password, allauth's 2FA page (a half-logged-in state force_login cannot make)."""
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "mhlw@demo.example", "password": "pmo-demo-2015"}
    )
    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/authenticate/")
    page = client.get(response.url)
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()
    assert parse_csp(page.headers["Content-Security-Policy"]) == CSP_EXPECTED


def test_data_images_are_allowed_because_the_totp_qr_code_is_one(demo):
    """img-src allows data: only for allauth's QR code; if it stops being a data: URI, drop it."""
    response = _client(demo, "sapporo@demo.example").get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in response.content.decode()
    assert parse_csp(response.headers["Content-Security-Policy"])["img-src"] == ["'self'", "data:"]


def test_htmx_partials_and_redirects_carry_it_too(demo):
    client = _client(demo, "sapporo@demo.example")
    partial = client.get(f"/orgs/011002/plan/entries/{_entry_pk()}/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert parse_csp(partial.headers["Content-Security-Policy"]) == CSP_EXPECTED
    redirect = Client().get("/review/")
    assert redirect.status_code == 302
    assert parse_csp(redirect.headers["Content-Security-Policy"]) == CSP_EXPECTED


def test_production_settings_send_the_same_policy(tmp_path):
    """Not a development-only header: the production settings load the middleware and policy."""
    script = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "'csp.middleware.CSPMiddleware' in s.MIDDLEWARE, s.CONTENT_SECURITY_POLICY]))"
    )
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environ.update(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="pmo.example.jp",
        PMO_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=BASE,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded, policy = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded is True
    assert policy == {"DIRECTIVES": CSP_EXPECTED}


# --- markup the policy refuses -----------------------------------------------------------------
def _own_templates() -> list[Path]:
    skip = (BASE / ".venv", BASE / "var", BASE / "node_modules")
    return [
        path
        for path in BASE.rglob("*.html")
        if not any(path.is_relative_to(directory) for directory in skip)
    ]


REFUSED = {
    "inline style attribute": re.compile(r"""\sstyle\s*=\s*["']""", re.I),
    "inline <style>": re.compile(r"<style[\s>]", re.I),
    # json_script (type="application/json") is data, not script; every other <script> has src.
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "event handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    # htmx evaluates these as JavaScript: refused without 'unsafe-eval'.
    "htmx hx-on": re.compile(r"\s(?:data-)?hx-on", re.I),
    "htmx js: values": re.compile(r"""hx-(?:vals|vars)\s*=\s*["']\s*(?:js|javascript):""", re.I),
    "htmx trigger filter": re.compile(r"""hx-trigger\s*=\s*["'][^"']*\[""", re.I),
}


def test_templates_carry_nothing_the_policy_refuses():
    templates = _own_templates()
    assert len(templates) > 20  # the scan reaches the apps' templates
    found = [
        (str(path.relative_to(BASE)), what)
        for path in templates
        for what, pattern in REFUSED.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_refused_patterns_catch_what_they_name():
    samples = {
        "inline style attribute": '<span style="left: 3%">',
        "inline <style>": "<style>.x{}</style>",
        "inline <script>": "<script>alert(1)</script>",
        "event handler attribute": '<a onclick="go()">',
        "javascript: URL": '<a href="javascript:go()">',
        "htmx hx-on": '<a hx-on:click="go()">',
        "htmx js: values": """<a hx-vals='js:{a: go()}'>""",
        "htmx trigger filter": """<a hx-trigger="keyup[key=='Escape']">""",
    }
    caught = {what: bool(REFUSED[what].search(text)) for what, text in samples.items()}
    assert caught == dict.fromkeys(samples, True)
    harmless = '<script src="/static/x.js" defer></script><script id="d" type="application/json">'
    assert not REFUSED["inline <script>"].search(harmless)
