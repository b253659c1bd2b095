"""The English UI shows no Japanese outside data: every main page each demo person may open,
in headless Chromium with English chosen (the language cookie the switch sets), read as the
person reads it (``innerText`` and the title).

What may stay Japanese is data: names of organisations and people, documents, FAQs, plans,
surveys and answers, as stored. The test gathers every stored text of the project's models
(fields without choices: a field with choices shows its translated label) and takes those
strings out of the page before it looks for Japanese. A few words are allowed (ALLOWED): the
language switch's 日本語 (a language is offered in its own name), and the names of sheets
and columns that an import reads back, quoted as the workbook shows them (the plan sheet's
完了時 columns, the ministry's 別表第1 and 別表第2). Each person is a test of their own, as in
the screens tour (the pages come from tour_pages.py).
"""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models

from tests.browser import tour_pages
from tests.browser.conftest import log_in

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]+")
PROJECT_APPS = ("accounts", "orgs", "actionplan", "documents", "faq", "surveys", "review")
ALLOWED = (
    "日本語",  # the language switch names each language in itself
    "完了時",  # the plan sheet's completion columns' title, data its import reads back, quoted
    "別表第",  # the ministry's workbook's sheets (別表第1, 別表第2), named as the import needs
)
TAGS = re.compile(r"<[^>]+>")


@pytest.fixture
def everything(transactional_db):
    """The organisations, the shipped content and the demo accounts and data, as `make run`."""
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())


def _strings(value) -> list[str]:
    if isinstance(value, str):
        text = TAGS.sub("\n", value)  # rich text (FAQ answers) reads as its text
        return [value, text, *(line.strip() for line in text.splitlines())]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def stored_texts() -> list[str]:
    """Every stored text of the project's models, longest first (so a name inside a longer
    text goes with it)."""
    found: set[str] = set()
    for config in (apps.get_app_config(label) for label in PROJECT_APPS):
        for model in config.get_models():
            fields = [
                field.name
                for field in model._meta.concrete_fields
                if isinstance(field, models.CharField | models.TextField | models.JSONField)
                and not field.choices
            ]
            for row in model._default_manager.values_list(*fields) if fields else []:
                for value in row:
                    found.update(s for s in _strings(value) if JAPANESE.search(s))
    return sorted(found, key=len, reverse=True)


def leftover_japanese(text: str, data: list[str]) -> list[str]:
    for stored in data:
        if stored in text:
            text = text.replace(stored, " ")
    for allowed in ALLOWED:
        text = text.replace(allowed, " ")
    return JAPANESE.findall(text)


def test_leftover_is_what_is_not_data():
    data = ["北海道 札幌市", "札幌市"]
    assert leftover_japanese("Plan of 北海道 札幌市 — 日本語 | English", data) == []
    assert leftover_japanese("計画 of 札幌市", data) == ["計画"]


def _demo_roles() -> list[str]:
    from accounts.demo import DEMO_ACCOUNTS

    return [account.email.split("@")[0] for account in DEMO_ACCOUNTS]


@pytest.mark.parametrize("role", _demo_roles())
def test_every_main_page_in_english_shows_japanese_only_as_data(
    browser, live_server, everything, role
):
    from accounts.demo import DEMO_ACCOUNTS
    from accounts.models import User

    email = next(a.email for a in DEMO_ACCOUNTS if a.email.split("@")[0] == role)
    user = User.objects.get(email=email)
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, email)  # the login page in Japanese (its labels are what log_in fills)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    data = stored_texts()
    problems, opened = [], 0
    for name, url in tour_pages.tour_for(user):
        response = page.goto(url)
        if response is None or response.status != 200:
            continue  # out of this person's reach (the screens tour checks the 404s)
        opened += 1
        if page.locator("html").get_attribute("lang") != "en":
            problems.append(f"{name}: <html lang={page.locator('html').get_attribute('lang')}>")
        text = page.title() + "\n" + page.evaluate("document.body.innerText")
        if left := leftover_japanese(text, data):
            problems.append(f"{name} ({url}): {' / '.join(dict.fromkeys(left))}")
    context.close()
    assert opened >= 5, f"{role} opened only {opened} pages"
    assert not problems, "\n".join(problems)
