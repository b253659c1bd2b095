"""The client's address behind trusted proxies: one answer for rate limits and the audit trail."""

from __future__ import annotations

import ipaddress

import pytest
from django.test import RequestFactory

from accounts.models import AuditEvent
from pmo.clientip import client_ip, parse_ip
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
PROXY = "10.0.0.5"  # our reverse proxy, as the portal sees it

JUNK = [
    "nonsense, 999.1.1.1",
    "999.1.1.1",
    "nonsense",
    "",
    " , , ",
    ",",
    "1.2.3.4, " * 5000,  # 45 kB
    "x" * 100_000,
    "2001:db8::1:zz",
    "1.2.3.4\x00",
    "<script>alert(1)</script>",
    "unknown, 203.0.113.7:abc",
    "1.2.3.4/24",
]


def request(forwarded: str | None = None, remote: str = PROXY):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("fe80::1%eth0", "fe80::1"),
        ("999.1.1.1", None),
        ("nonsense", None),
        ("", None),
        ("1" * 1000, None),
    ],
)
def test_parse_ip(value, expected):
    assert parse_ip(value) == expected


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("198.51.100.1")) == PROXY


def test_one_proxy_takes_the_hop_it_wrote(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "198.51.100.1" itself; our proxy appended what it saw.
    assert client_ip(request("198.51.100.1, 203.0.113.7")) == "203.0.113.7"


def test_two_proxies_take_the_second_hop_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2  # LGWAN gateway, then our proxy
    forwarded = "198.51.100.1, 203.0.113.7, 172.16.0.9"
    assert client_ip(request(forwarded)) == "203.0.113.7"


def test_a_short_header_gives_its_leftmost_address(settings):
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request("203.0.113.7, 172.16.0.9")) == "203.0.113.7"


def test_no_header_behind_proxies_gives_the_connecting_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request()) == PROXY


def test_no_request_no_address():
    assert client_ip(None) is None


@pytest.mark.parametrize("count", [0, 1, 2])
@pytest.mark.parametrize("forwarded", JUNK)
def test_junk_never_raises_and_gives_a_real_address(settings, forwarded, count):
    settings.TRUSTED_PROXY_COUNT = count
    address = client_ip(request(forwarded))
    assert address is not None
    ipaddress.ip_address(address)


def test_junk_remote_addr_gives_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(remote="")) is None
    assert client_ip(request(remote="not-an-address")) is None


def _post_login(client, email, password, forwarded):
    return client.post(
        LOGIN, {"login": email, "password": password}, HTTP_X_FORWARDED_FOR=forwarded
    )


@pytest.mark.django_db
def test_rate_limits_count_per_client_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    for _ in range(2):
        assert _post_login(client, "a@example.jp", "x", "203.0.113.7").status_code == 200
    assert _post_login(client, "a@example.jp", "x", "203.0.113.7").status_code == 429
    # Another municipality behind the same proxy is not held back by the first one...
    assert _post_login(client, "a@example.jp", "x", "203.0.113.8").status_code == 200
    # ...and a client cannot pick its own bucket by prepending an address.
    spoofed = "198.51.100.99, 203.0.113.7"
    assert _post_login(client, "a@example.jp", "x", spoofed).status_code == 429


@pytest.mark.django_db
def test_without_proxies_a_spoofed_header_does_not_escape_the_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    for n in range(2):
        _post_login(client, "a@example.jp", "x", f"198.51.100.{n}")
    assert _post_login(client, "a@example.jp", "x", "198.51.100.77").status_code == 429


@pytest.mark.parametrize("count", [0, 1])
@pytest.mark.parametrize(
    "forwarded", ["nonsense, 999.1.1.1", "1.2.3.4, " * 2000, "2001:db8::1", "", "x" * 5000]
)
def test_login_is_audited_whatever_the_header(client, alice, settings, forwarded, count):
    """A junk header once made the inet write fail on Postgres: 500 and no audit event."""
    settings.TRUSTED_PROXY_COUNT = count
    assert _post_login(client, alice.email, "wrong", forwarded).status_code == 200
    assert _post_login(client, alice.email, PASSWORD, forwarded).status_code == 302
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    succeeded = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_SUCCEEDED)
    expected = client_ip(request(forwarded, remote="127.0.0.1"), proxies=count)
    assert failed.ip_address == succeeded.ip_address == expected
    if count == 0 or forwarded != "2001:db8::1":
        assert expected == "127.0.0.1"
    else:
        assert expected == "2001:db8::1"
