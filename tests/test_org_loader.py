from __future__ import annotations

import pytest

from orgs import loader
from orgs.models import MunicipalityClass, Organization, OrganizationKind


def count(**filters) -> int:
    return Organization.objects.filter(**filters).count()


@pytest.mark.django_db
def test_loads_every_local_government_with_its_prefecture_and_class():
    result = loader.load_all()
    assert count(kind=OrganizationKind.PREFECTURE) == 47
    assert count(kind=OrganizationKind.MUNICIPALITY) == 1741
    assert count(kind__in=[OrganizationKind.PREFECTURE, OrganizationKind.MUNICIPALITY]) == 1788
    assert count(municipality_class=MunicipalityClass.DESIGNATED) == 20
    assert count(municipality_class=MunicipalityClass.SPECIAL_WARD) == 23
    assert count(municipality_class=MunicipalityClass.CORE) == 62
    assert count(kind=OrganizationKind.MUNICIPALITY, prefecture__isnull=True) == 0
    assert result.created == Organization.objects.count()

    sapporo = Organization.objects.get(code="011002")
    assert (sapporo.name, sapporo.prefecture.name, sapporo.name_kana) == (
        "札幌市",
        "北海道",
        "サッポロシ",
    )
    assert sapporo.municipality_class == MunicipalityClass.DESIGNATED
    assert (
        Organization.objects.get(code="131016").municipality_class == MunicipalityClass.SPECIAL_WARD
    )
    assert Organization.objects.get(code="012025").municipality_class == MunicipalityClass.CORE
    # Every municipality sits in the prefecture named by its first two digits.
    for code, prefecture_code in Organization.objects.filter(
        kind=OrganizationKind.MUNICIPALITY
    ).values_list("code", "prefecture__code"):
        assert code[:2] == prefecture_code[:2]


@pytest.mark.django_db
def test_ministries_and_bureaus_are_loaded():
    loader.load_all()
    bureau = Organization.objects.get(code="mic-jumin")
    assert bureau.full_name == "総務省 住民制度課"
    names = set(
        Organization.objects.filter(kind=OrganizationKind.MINISTRY, parent=None).values_list(
            "name", flat=True
        )
    )
    assert {
        "内閣官房",
        "内閣府",
        "総務省",
        "法務省",
        "財務省",
        "文部科学省",
        "厚生労働省",
        "国土交通省",
    } <= names


@pytest.mark.django_db
def test_loading_twice_gives_the_same_rows():
    loader.load_all()
    before = list(Organization.objects.order_by("code").values())
    again = loader.load_all()
    assert again.created == again.updated == 0
    assert again.unchanged == len(before)
    assert list(Organization.objects.order_by("code").values()) == before


@pytest.fixture
def broken_csv(tmp_path):
    def write(line_number: int, replacement: str):
        path = tmp_path / "jis.csv"
        lines = loader.LOCAL_GOVERNMENTS_CSV.read_text(encoding="utf-8").splitlines()
        lines[line_number - 1] = replacement
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("011003,北海道,札幌市,ﾎｯｶｲﾄﾞｳ,ｻｯﾎﾟﾛｼ", "検査数字"),
        ("01100,北海道,札幌市,ﾎｯｶｲﾄﾞｳ,ｻｯﾎﾟﾛｼ", "6桁"),
        ("010006,北海道,,ﾎｯｶｲﾄﾞｳ,", "重複"),
    ],
)
def test_a_bad_row_stops_the_load_with_its_row_number_and_writes_nothing(
    broken_csv, replacement, message
):
    path = broken_csv(3, replacement)
    with pytest.raises(loader.LoadError, match=f"3行目: .*{message}") as error:
        loader.load_all(local_governments=path)
    assert error.value.row == 3
    assert Organization.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_row_leaves_previously_loaded_data_untouched(broken_csv):
    loader.load_all()
    before = Organization.objects.count()
    path = broken_csv(1789, "473820,沖縄県,与那国町,ｵｷﾅﾜｹﾝ,ﾖﾅｸﾞﾆﾁｮｳ")
    with pytest.raises(loader.LoadError, match="1789行目"):
        loader.load_all(local_governments=path)
    assert Organization.objects.count() == before


def test_class_from_name_and_list():
    listed = {"011002": MunicipalityClass.DESIGNATED}
    assert loader.municipality_class("011002", "札幌市", listed) == MunicipalityClass.DESIGNATED
    assert loader.municipality_class("131016", "千代田区", {}) == MunicipalityClass.SPECIAL_WARD
    assert loader.municipality_class("013030", "当別町", {}) == MunicipalityClass.TOWN
    assert loader.municipality_class("013048", "新篠津村", {}) == MunicipalityClass.VILLAGE
    with pytest.raises(ValueError):
        loader.municipality_class("011002", "札幌", {})
