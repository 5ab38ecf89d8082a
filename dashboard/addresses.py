"""The client's address: one answer for sign-in throttling, the audit trail and the logs.

Each proxy in front of the dashboard appends the address it got the request from to
X-Forwarded-For, and the nearest one is REMOTE_ADDR. So behind N trusted proxies
(settings.TRUSTED_PROXY_COUNT) the last N hops of `X-Forwarded-For, REMOTE_ADDR` are ours,
the hop before them is the client as our outermost proxy saw it, and anything further
left is whatever the client chose to send: never used. A shorter chain (a request that
came in through fewer proxies) holds only hops our proxies wrote, and its first is the
client.
"""

import ipaddress
import logging
import re

from django.conf import settings
from django.http import HttpRequest

# An address with a port, as some load balancers write it: "[2001:db8::1]:443", "1.2.3.4:80".
_WITH_PORT = re.compile(r"\[(?P<bracketed>[^\]]+)\](?::\d+)?|(?P<ipv4>[\d.]+):\d+")


def _address(hop: str) -> str | None:
    hop = hop.strip()
    if match := _WITH_PORT.fullmatch(hop):
        hop = match["bracketed"] or match["ipv4"]
    try:
        address = ipaddress.ip_address(hop)
    except ValueError:
        return None
    # One client, one key: a dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the server was given none it can read.

    A hop our proxies wrote that is not an address falls back to REMOTE_ADDR: better the
    proxy's address than a string a client might have put there.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if proxies else ""
    hops = [*forwarded.split(","), remote] if forwarded.strip() else [remote]
    client = hops[max(len(hops) - 1 - proxies, 0)]
    return _address(client) or _address(remote)


class ClientAddressFilter(logging.Filter):
    """Gives a log record that carries its request, as Django's request and security
    records do, the `client_address` attribute; "-" for the others."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        address = client_address(request) if isinstance(request, HttpRequest) else None
        record.client_address = address or "-"
        return True
