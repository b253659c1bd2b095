"""``field__any``: the rows of ``field__in``, sent as one array on Postgres."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import Organization
from tests.factories import MunicipalityFactory, PrefectureFactory, jis_code

pytestmark = pytest.mark.django_db


def test_any_finds_the_rows_in_finds_with_one_parameter():
    prefecture = PrefectureFactory()
    towns = [
        MunicipalityFactory(prefecture=prefecture, code=jis_code(1, 700 + n)) for n in range(5)
    ]
    wanted = [towns[0].pk, towns[3].pk, towns[4].pk, 10**9]  # one that does not exist
    with CaptureQueriesContext(connection) as queries:
        found = set(Organization.objects.filter(pk__any=wanted).values_list("pk", flat=True))
    assert found == set(Organization.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert found == {towns[0].pk, towns[3].pk, towns[4].pk}
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_any_of_nothing_is_nothing_and_a_subquery_is_in():
    prefecture = PrefectureFactory()
    town = MunicipalityFactory(prefecture=prefecture, code=jis_code(1, 720))
    assert not Organization.objects.filter(pk__any=[]).exists()
    inner = Organization.objects.filter(prefecture=prefecture).values("pk")
    assert list(Organization.objects.filter(pk__any=inner).values_list("pk", flat=True)) == [
        town.pk
    ]
    # A foreign key takes its target's ids (the column's type, bigint).
    assert list(Organization.objects.filter(prefecture_id__any=[prefecture.pk])) == [town]


def test_any_of_other_values_is_prepared_as_in_prepares_them():
    """Only ints for an integer column skip Django's preparation; ids as text, instances and
    codes (a text column) are prepared as ``__in`` prepares them."""
    prefecture = PrefectureFactory()
    town = MunicipalityFactory(prefecture=prefecture, code=jis_code(1, 730))
    by_text = Organization.objects.filter(pk__any=[str(town.pk)])
    assert list(by_text) == [town]
    assert list(Organization.objects.filter(prefecture__any=[prefecture])) == [town]
    assert list(Organization.objects.filter(code__any=[town.code, "999999"])) == [town]
    with CaptureQueriesContext(connection) as queries:
        assert list(Organization.objects.filter(prefecture_id__any=(prefecture.pk,))) == [town]
    if connection.vendor == "postgresql":  # the array as its text, one literal
        assert f"ANY('{{{prefecture.pk}}}'::bigint[])" in queries.captured_queries[0]["sql"]
