from __future__ import annotations

import pytest

from accounts.roles import Role
from faq import services
from tests.factories import MinistryFactory, MunicipalityFactory, UserFactory


@pytest.fixture(autouse=True)
def _no_mfa(settings, tmp_path):
    # Editors must enrol MFA in the portal; these tests are about the FAQ, not the login.
    settings.MFA_REQUIRED = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://pmo.example.jp"


@pytest.fixture
def hakodate(hokkaido):
    return MunicipalityFactory(code="012025", name="函館市", prefecture=hokkaido)


@pytest.fixture
def bob(sapporo):
    """Alice's colleague in 札幌市."""
    return UserFactory(
        email="bob@city.sapporo.lg.jp", display_name="札幌 ボブ", organization=sapporo
    )


@pytest.fixture
def charlie(hakodate):
    """An outsider: staff of another city."""
    return UserFactory(
        email="charlie@city.hakodate.lg.jp", display_name="函館 チャーリー", organization=hakodate
    )


@pytest.fixture
def editor(db):
    cas = MinistryFactory(code="cas", name="内閣官房")
    return UserFactory(
        email="editor@cas.go.jp", display_name="編集 三郎", organization=cas, role=Role.EDITOR
    )


@pytest.fixture
def editor2(db):
    """A second editor, in another ministry."""
    ministry = MinistryFactory(code="mhlw", name="厚生労働省")
    return UserFactory(
        email="editor2@mhlw.go.jp",
        display_name="編集 花子",
        organization=ministry,
        role=Role.EDITOR,
    )


@pytest.fixture
def make_faq(db):
    def make(question="質問", answer="<p>回答</p>", **fields):
        return services.create_faq(question=question, answer=answer, **fields)

    return make


@pytest.fixture
def client_for(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in
