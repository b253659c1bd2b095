from __future__ import annotations

import pytest

from accounts.models import Invitation, User


def make_accounts(organization, count: int) -> None:
    users = [
        User(
            email=f"bulk{organization.code}-{i}@example.jp",
            display_name=f"利用者{i}",
            organization=organization,
        )
        for i in range(count)
    ]
    User.objects.bulk_create(users)
    from django.utils import timezone

    Invitation.objects.bulk_create(
        [
            Invitation(user=u, token_hash=f"{u.pk:064d}", expires_at=timezone.now())
            for u in User.objects.filter(email__startswith=f"bulk{organization.code}-")
        ]
    )


@pytest.mark.parametrize("count", [10, 1000])
def test_account_list_query_count_does_not_grow(client, world, count, django_assert_num_queries):
    make_accounts(world["hakodate"], count)
    client.force_login(world["pref_admin"])
    client.get("/manage/accounts/")  # warm caches (content types, session)
    # session, user, MFA authenticator, count, page + invitations, unused list + invitations
    with django_assert_num_queries(7):
        response = client.get("/manage/accounts/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count + 4


def test_audit_list_query_count_does_not_grow(client, world, django_assert_num_queries):
    from accounts import audit
    from accounts.models import AuditEvent

    client.force_login(world["admin"])
    for _ in range(3):
        audit.record(
            AuditEvent.Kind.CHANGED,
            organization=world["hakodate"],
            target="x",
            actor=world["admin"],
            target_user=world["admin"],
        )
    client.get("/manage/audit/")
    # session, user, MFA, page (keyset: no count), the accounts the descriptions may link to
    with django_assert_num_queries(5) as small:
        client.get("/manage/audit/")
    for _ in range(60):
        audit.record(
            AuditEvent.Kind.CHANGED,
            organization=world["hakodate"],
            target="x",
            actor=world["admin"],
            target_user=world["admin"],
        )
    with django_assert_num_queries(len(small.captured_queries)):
        client.get("/manage/audit/")
