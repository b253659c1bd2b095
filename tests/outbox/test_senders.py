"""Every sender writes to the outbox in its own transaction, and only to accounts that receive
mail (active and activated); links are on SITE_URL."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import invitations
from accounts import services as account_services
from accounts.models import Invitation, User
from accounts.roles import Role
from faq import inquiries as faq_inquiries
from outbox import sending
from outbox.models import Mail
from outbox.recipients import addresses, receives_mail
from tests.factories import MinistryFactory, UserFactory


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://pmo.example.jp"


@pytest.fixture
def world(db, sapporo, hokkaido):
    from tests.factories import MunicipalityFactory

    return {
        "pref_admin": UserFactory(organization=hokkaido, role=Role.PREFECTURE_ADMIN),
        "hakodate": MunicipalityFactory(code="012025", name="函館市", prefecture=hokkaido),
    }


@pytest.fixture
def editor(db):
    return UserFactory(organization=MinistryFactory(code="cas"), role=Role.EDITOR)


def kinds_to():
    return list(Mail.objects.order_by("pk").values_list("kind", "to"))


def test_who_receives_mail(alice):
    issued = UserFactory(organization=alice.organization, activated_at=None)
    stopped = UserFactory(organization=alice.organization, is_active=False)
    assert [receives_mail(user) for user in (alice, issued, stopped, None)] == [
        True,
        False,
        False,
        False,
    ]
    assert addresses(alice, issued, stopped, None) == [alice.email]


def test_an_inquiry_and_its_receipt_are_written_together(alice):
    inquiry = faq_inquiries.submit_inquiry(asker=alice, subject="件名", body="本文")
    [written] = Mail.objects.all()
    assert (written.kind, written.to, written.state) == ("faq.received", [alice.email], "queued")
    assert f"https://pmo.example.jp/inquiries/{inquiry.pk}/" in written.body
    assert "受け付けました" in written.subject
    # A refused attachment refuses the inquiry, and its receipt with it.
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ValidationError):
        faq_inquiries.submit_inquiry(asker=alice, subject="件名", body="本文", files=[bad])
    assert Mail.objects.count() == 1


def test_inquiry_steps_mail_only_accounts_that_receive_mail(alice, editor):
    inquiry = faq_inquiries.submit_inquiry(asker=alice, subject="件名", body="本文")
    never_activated = UserFactory(organization=editor.organization, role=Role.EDITOR)
    User.objects.filter(pk=never_activated.pk).update(activated_at=None)
    never_activated.refresh_from_db()
    faq_inquiries.assign(inquiry, assignee=never_activated)
    faq_inquiries.assign(inquiry, assignee=editor)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    inquiry.asker.refresh_from_db()
    faq_inquiries.answer(inquiry, text="回答です", by=editor)
    assert kinds_to() == [
        ("faq.received", [alice.email]),
        ("faq.assigned", [alice.email]),
        ("faq.assigned", [alice.email]),
        ("faq.assigned_to_you", [editor.email]),
    ]


def test_an_invitation_goes_to_the_account_that_was_never_activated(world):
    from accounts.services import NewAccount

    [user] = account_services.issue_accounts(
        world["pref_admin"],
        [NewAccount(world["hakodate"], "new@city.hakodate.lg.jp", "新人 一郎", Role.STAFF)],
    )
    assert user.activated_at is None
    [written] = Mail.objects.all()
    assert (written.kind, written.to) == ("accounts.invitation", ["new@city.hakodate.lg.jp"])
    assert "https://pmo.example.jp/accounts/activate/" in written.body
    # A stopped account gets no new link by mail.
    account_services.stop_account(world["pref_admin"], user)
    account_services.resend_invitation(world["pref_admin"], user)
    assert Mail.objects.count() == 1


def test_asking_again_mails_only_an_issuer_that_receives_mail(world):
    from accounts.services import NewAccount

    issuer = world["pref_admin"]
    [user] = account_services.issue_accounts(
        issuer, [NewAccount(world["hakodate"], "new@city.hakodate.lg.jp", "新人", Role.STAFF)]
    )
    invitation = Invitation.objects.get(user=user)
    invitations.ask_issuer_again(invitation)
    assert kinds_to()[-1] == ("accounts.ask_again", [issuer.email])
    asked = Mail.objects.order_by("pk").last()
    assert f"https://pmo.example.jp/manage/accounts/{user.pk}/" in asked.body
    User.objects.filter(pk=issuer.pk).update(is_active=False)
    invitation.user.issued_by.refresh_from_db()
    invitations.ask_issuer_again(invitation)
    assert [kind for kind, _to in kinds_to()].count("accounts.ask_again") == 1


def test_allauths_password_reset_mail_goes_through_the_outbox(client, alice):
    response = client.post("/accounts/password/reset/", {"email": alice.email})
    assert response.status_code == 302
    [written] = Mail.objects.all()
    assert (written.kind, written.to) == ("allauth.password_reset_key", [alice.email])
    assert "https://pmo.example.jp/accounts/password/reset/key/" in written.body
    assert "testserver" not in written.body + written.subject
    assert written.subject.startswith("[デジタルPMO] ")
    assert mail.outbox == []  # sent by the outbox, not by the request
    assert sending.send_due() == 1 and mail.outbox[0].to == [alice.email]


def test_a_password_reset_for_an_unknown_address_mails_no_one(client, alice):
    """Signup is closed, so a "you have no account" mail helps no one, and anyone could make
    the portal mail any address. The page answers exactly as for a real account."""
    known = client.post("/accounts/password/reset/", {"email": alice.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert [mail.to for mail in Mail.objects.all()] == [[alice.email]]
