"""The client's address, believing X-Forwarded-For only from the site's own proxies.

Anyone can send an X-Forwarded-For header. Counting failed logins or throttling by it lets
a client pose as a new address on every try, so the header is read only when the request
comes from an address in `settings.TRUSTED_PROXIES` (addresses or networks). The client is
then the right-most address of the chain that is not itself a trusted proxy: each proxy
appends the address it received the request from, and only those entries are trustworthy.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: Any, networks: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request: Any) -> str:
    """Return the address of the client that sent `request` (Django's or DRF's request).

    REMOTE_ADDR, unless it is a trusted proxy: then the right-most untrusted address of
    X-Forwarded-For (or the left-most, if every entry is a trusted proxy).
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(_parse(remote), networks):
        return remote
    chain = [
        address
        for address in (
            _parse(part) for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        )
        if address is not None
    ]
    for address in reversed(chain):
        if not _trusted(address, networks):
            return str(address)
    return str(chain[0]) if chain else remote
