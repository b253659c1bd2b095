"""How FAQs and inquiries are seen, registered with the one door (accounts.permissions).

- FAQ: published entries for everyone signed in; editors (EDIT_CONTENT) also see drafts.
- Inquiry: the asker's organisation sees its own (the role rules of ``register``, so a
  prefecture admin also sees its municipalities'); editors see and handle all of them.
"""

from __future__ import annotations

from django.db.models import Q

from accounts import permissions
from accounts.permissions import EDIT_CONTENT, VIEW, register_scope
from faq.models import FAQ, Inquiry, InquiryAttachment


def is_editor(user) -> bool:
    return permissions.can(user, EDIT_CONTENT)


@register_scope(FAQ)
def faq_scope(user, action: str) -> Q:
    if is_editor(user):
        return permissions.EVERYTHING  # not Q(), which OR-ed with x is just x
    return Q(is_published=True) if action == VIEW else permissions.NOTHING


@register_scope(Inquiry)
def inquiry_scope(user, action: str) -> Q:
    if is_editor(user) and action in (VIEW, EDIT_CONTENT):
        return permissions.EVERYTHING
    # The same rule ``permissions.register(Inquiry, organization="organization")`` gives.
    return Q(organization__in=permissions.organizations(user, action).values("pk"))


@register_scope(InquiryAttachment)
def attachment_scope(user, action: str) -> Q:
    return Q(inquiry__in=Inquiry.objects.filter(inquiry_scope(user, action)).values("pk"))
