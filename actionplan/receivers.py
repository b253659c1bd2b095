"""Receivers: organisations added to the register get their entries in published programmes."""

from __future__ import annotations

from actionplan import publishing


def organizations_added(sender, organization_ids, **kwargs) -> None:
    publishing.organizations_added(organization_ids)
