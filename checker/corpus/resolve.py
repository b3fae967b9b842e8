"""Host-name resolution that treats *.localhost as loopback, as Chromium does.

RFC 6761 §6.3 reserves "localhost." and every name under it for the loopback address.
Chromium honours that itself, but glibc's resolver does not resolve
"nha-cai-12.corpus.localhost", so our own proxies (egress guard, demo filters) would fail
on the corpus names the browser reaches without trouble. Everything else goes to the
system resolver.
"""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def is_localhost(host: str) -> bool:
    """True for "localhost" and any name under it, in any case, with or without a trailing dot."""
    name = host.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    return name == "localhost" or name.endswith(".localhost")


def resolve_host(host: str) -> list[str]:
    """The addresses of `host`, first-seen order, no duplicates. Raises OSError when unresolvable."""
    if not host or not host.strip():
        raise socket.gaierror(socket.EAI_NONAME, "empty host name")
    if is_localhost(host):
        return [LOOPBACK]
    name = host.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]  # an IPv6 literal as it appears in a URL
    addresses: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(name, None, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses
