"""Demo content: a few inquiries in different states, so the desk and the report have rows."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from faq import inquiries
from faq.models import Inquiry, InquiryStatus


@transaction.atomic
def load() -> str:
    users = User.objects.in_bulk(
        ["sapporo@demo.example", "hakodate@demo.example", "editor@demo.example"],
        field_name="email",
    )
    if len(users) < 3:
        return "demo accounts missing; no inquiries"
    sapporo, hakodate, editor = (
        users["sapporo@demo.example"],
        users["hakodate@demo.example"],
        users["editor@demo.example"],
    )
    created = 0
    demo = (
        (
            sapporo,
            "C",
            "宛名システムのデータクレンジングの範囲",
            "業務宛名番号のクレンジングは、住民登録外の方も対象に含める必要がありますか。",
            "received",
        ),
        (
            hakodate,
            "G",
            "既存業務システム改修の対象システムの数え方",
            "同じパッケージを"
            "複数の業務で使っている場合、対象システムは1つとして入力してよいですか。",
            "assigned",
        ),
    )
    for asker, work_item, subject, body, state in demo:
        if Inquiry.objects.filter(subject=subject).exists():
            continue
        inquiry = inquiries.submit_inquiry(
            asker=asker, subject=subject, body=body, work_item=work_item
        )
        if state in (InquiryStatus.ASSIGNED,):
            inquiries.assign(inquiry, assignee=editor)
        created += 1
    return f"{created} demo inquiries"
