"""Host names for the demo products: localhost and *.localhost are loopback (RFC 6761 §6.3).

The test bed names every site `<something>.localhost`, which glibc's resolver does not
know. The rule lives in one place, `checker.corpus.resolve`, so the products, the corpus
and the probes' egress guard agree on every name; this module adds what a proxy needs
on top of it.
"""

from __future__ import annotations

import ipaddress

from checker.corpus.resolve import is_localhost, resolve_host

__all__ = ["resolve_host", "is_loopback_name", "ip_literal"]


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when `host` is an IP literal ("127.0.0.1", "[::1]"), else None."""
    try:
        return ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return None


def is_loopback_name(host: str) -> bool:
    """True for localhost, any *.localhost name (any case, trailing dot or not) and loopback IP literals."""
    address = ip_literal(host)
    return address.is_loopback if address is not None else is_localhost(host)
