"""The client's address, behind ``TRUSTED_PROXY_COUNT`` reverse proxies.

Municipal PCs reach the portal through LGWAN gateways and our own reverse proxy, so the
connecting address (``REMOTE_ADDR``) may be a proxy standing for a whole prefecture. Each
trusted proxy appends the address it saw to ``X-Forwarded-For``; the client is therefore the
address ``TRUSTED_PROXY_COUNT`` hops from the right of ``X-Forwarded-For`` + ``REMOTE_ADDR``.
Anything further left was written by the client and is never believed.

Login rate limits (``accounts.adapters``) and the audit trail (``accounts.audit``) both ask
here, so a limit and the audit row name the same address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def parse_ip(value: str) -> str | None:
    """``value`` as a normalised IP address, or None when it is not one.

    Accepts what proxies write: ``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:443``,
    ``::ffff:1.2.3.4`` (given as the IPv4 address). A zone (``fe80::1%eth0``) is dropped:
    Postgres's ``inet`` refuses it.
    """
    text = value.strip()
    if text.startswith("["):  # [IPv6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.partition(":")[0]
    text = text.partition("%")[0]
    if not text or len(text) > 45:  # the longest textual IPv6 address
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def client_ip(request, *, proxies: int | None = None) -> str | None:
    """The client's address for ``request`` (None without a request or a usable address).

    With ``proxies`` (default ``settings.TRUSTED_PROXY_COUNT``) = 0 it is ``REMOTE_ADDR`` and
    the header is ignored. A header shorter than the count (a request that came round the
    proxies) gives its leftmost address, which a trusted proxy wrote; a junk hop gives
    ``REMOTE_ADDR``, the one address nobody but the network chose. Never raises.
    """
    if request is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT if proxies is None else proxies
    meta = getattr(request, "META", {})
    remote = parse_ip(str(meta.get("REMOTE_ADDR") or ""))
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR") or "")
    if count <= 0 or not forwarded.strip():
        return remote
    # Only the rightmost ``count`` entries matter: a long or hostile header costs nothing.
    hops = [hop.strip() for hop in forwarded.rsplit(",", count)[-count:]]
    chosen = hops[0]
    return parse_ip(chosen) or remote
