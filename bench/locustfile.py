"""The day plans are due, as locust plays it (driven by :mod:`bench.load`, never by hand
against another host: the runner only ever targets 127.0.0.1).

Municipal staff log in through the form (CSRF and all), then read TOP, their own plan, open
an entry's edit form, save it, search the FAQ and browse documents, thinking 1–5 s between
steps. Reviewers log in with their second factor and read the national pages. Accounts come
from the JSON file named by ``PMO_LOAD_ACCOUNTS`` (written by :mod:`bench.load`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import re
import struct
import time
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from itertools import count
from pathlib import Path

from locust import HttpUser, between, task

ACCOUNTS = json.loads(Path(os.environ["PMO_LOAD_ACCOUNTS"]).read_text(encoding="utf-8"))
_staff = count()
_reviewers = count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
EDIT_LINK = re.compile(r'hx-get="(/orgs/\d+/plan/entries/\d+/edit/)"')
FAQ_WORDS = ("年金", "中間サーバー", "個人番号", "住民票", "特定個人情報", "条例", "マイナンバー")


def totp(secret: str) -> str:
    """The current RFC 6238 code (SHA-1, 30 s, 6 digits) of a base32 secret, as an
    authenticator app computes it; the locust processes do not load Django."""
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# Production cookies are ``Secure``; the benchmark talks plain HTTP to 127.0.0.1 with
# ``X-Forwarded-Proto: https`` (as behind a TLS proxy), so this process sends them over HTTP
# too. requests copies every jar into a fresh one per request, so the policy class itself is
# patched (in the locust process only).
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


class FormFields(HTMLParser):
    """The name → value pairs a browser would submit from the first form of a fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("checkbox", "radio", "submit"):
            self.fields[name] = attrs.get("value") or ""
        elif tag == "input" and name and "checked" in attrs:
            self.fields[name] = attrs.get("value") or "on"
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


class Portal(HttpUser):
    abstract = True
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.client.headers["Accept-Language"] = "ja"
        self.login()

    def csrf(self, html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else ""

    def login(self) -> None:
        page = self.client.get("/accounts/login/", name="login form")
        form = {
            "csrfmiddlewaretoken": self.csrf(page.text or ""),
            "login": self.account["email"],
            "password": ACCOUNTS["password"],
        }
        headers = {"Referer": self.secure_url("/accounts/login/")}
        with self.client.post(
            "/accounts/login/", data=form, headers=headers, name="login", catch_response=True
        ) as response:
            if response.status_code == 429:  # counted by bench.load as a 429, not a refusal
                response.failure("429 Too Many Requests")
            elif "/accounts/2fa/authenticate/" in (response.url or ""):
                self.second_factor(response)
            elif (response.url or "").rstrip("/").endswith("/accounts/login"):
                response.failure("login refused")

    def second_factor(self, response, name: str = "login: code") -> None:
        form = {
            "csrfmiddlewaretoken": self.csrf(response.text or ""),
            "code": totp(self.account["totp"]),
        }
        url = "/accounts/2fa/authenticate/"
        headers = {"Referer": self.secure_url(url)}
        with self.client.post(
            url, data=form, headers=headers, name=name, catch_response=True
        ) as answer:
            refused = "/accounts/2fa/" in (answer.url or "")
            if refused:
                # A code typed in one 30 s window and checked in the next (the request queued
                # that long) is refused: counted, then typed again as a person would, so the
                # reviewer goes on to the pages measured rather than to the login form.
                answer.failure("second factor refused")
        if refused and name == "login: code":
            self.second_factor(answer, "login: code again")

    def secure_url(self, path: str) -> str:
        """What the browser behind the TLS proxy would send as its Referer."""
        return self.host.replace("http://", "https://", 1) + path

    def page(self, url: str, name: str, **kwargs):
        """GET a page that needs the login: a redirect to the login form is a failure (and
        the user logs in again, as a person would). A connection error has no ``url``; locust
        counts it as the failure it is."""
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            sent_away = "/accounts/login/" in (response.url or "")
            if sent_away:
                response.failure("sent to the login page")
        if sent_away:
            self.login()
        return response


class Staff(Portal):
    weight = 20

    def on_start(self) -> None:
        self.account = ACCOUNTS["staff"][next(_staff) % len(ACCOUNTS["staff"])]
        self.plan_url = f"/orgs/{self.account['code']}/plan/"
        self.edit_urls: list[str] = []
        super().on_start()

    @task(3)
    def top(self) -> None:
        self.page("/", "TOP")

    @task(3)
    def plan(self) -> None:
        page = self.page(self.plan_url, "plan")
        self.edit_urls = EDIT_LINK.findall(page.text or "") or self.edit_urls

    @task(2)
    def edit_and_save(self) -> None:
        if not self.edit_urls:
            return self.plan()
        url = random.choice(self.edit_urls)
        htmx = {"HX-Request": "true", "Referer": self.secure_url(self.plan_url)}
        form = self.page(url, "edit form", headers=htmx)
        parser = FormFields()
        parser.feed(form.text or "")
        fields = parser.fields
        fields["remarks"] = f"負荷試験 {random.randint(1, 10**6)}"
        fields["csrfmiddlewaretoken"] = fields.get(
            "csrfmiddlewaretoken"
        ) or self.client.cookies.get("csrftoken", "")
        with self.client.post(
            url, data=fields, headers=htmx, name="save", catch_response=True
        ) as response:
            if "<form" in (response.text or ""):  # the form came back: refused (or conflict)
                response.failure("save refused")

    @task(1)
    def faq(self) -> None:
        self.page("/faq/", "FAQ search", params={"q": random.choice(FAQ_WORDS)})

    @task(1)
    def documents(self) -> None:
        self.page("/documents/", "documents")


class Reviewer(Portal):
    fixed_count = 10

    def on_start(self) -> None:
        self.account = ACCOUNTS["reviewers"][next(_reviewers) % len(ACCOUNTS["reviewers"])]
        super().on_start()

    @task(3)
    def national(self) -> None:
        self.page("/review/", "review")

    @task(2)
    def late(self) -> None:
        self.page("/review/late/", "late list")

    @task(1)
    def late_by_org(self) -> None:
        self.page("/review/late/", "late list by org", params={"by": "org"})
