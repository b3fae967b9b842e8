"""Addresses a probe must never reach: the IANA special-purpose address registries as data.

Sources (copied by hand; re-check when IANA updates them):
- IANA IPv4 Special-Purpose Address Registry
  https://www.iana.org/assignments/iana-ipv4-special-registry/ (RFC 6890, RFC 8190)
- IANA IPv6 Special-Purpose Address Registry
  https://www.iana.org/assignments/iana-ipv6-special-registry/ (RFC 6890, RFC 8190)
- IANA IPv4 Multicast Address Space Registry (RFC 5771) and IPv6 Multicast Address Space
  Registry (RFC 4291 §2.7), which the special-purpose registries do not repeat
- IANA IPv6 Address Space Registry: only 2000::/3 is allocated as global unicast
  (RFC 4291 §2.4, RFC 3513); everything else is reserved by the IETF, multicast, ULA or
  link-local, so it is refused unless a row below embeds an IPv4 address.

`globally_reachable` is the registry's own column (None where it says "N/A", e.g. 6to4).

How an address is judged (`refusal`):
1. An address inside an operator-allowed network (VCSC_PROBE_ALLOW_NETWORKS) is allowed.
2. Refused when ANY row that covers it and embeds nothing has globally_reachable=False.
   This is stricter than "the most specific row wins": the globally reachable anycast
   rows inside non-global blocks (192.0.0.9/32 PCP, 192.0.0.10/32 TURN, 2001:1::1/128 …)
   stay refused, because anycast reaches "the nearest instance", which can be inside the
   operator's own network; no product under test lives there.
3. A row with `embeds` (IPv4-mapped, NAT64, 6to4, Teredo) is judged by the IPv4 address(es)
   it carries, through the same rules (the connection ends up at that IPv4 address). Teredo
   sits inside 2001::/23, which is not globally reachable, so it is refused whatever it
   embeds; its embedded client and server addresses are still named in the reason.
4. An IPv6 address outside 2000::/3 that no `embeds` row covers is refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

IPV4_SPECIAL = "IANA IPv4 Special-Purpose Address Registry"
IPV6_SPECIAL = "IANA IPv6 Special-Purpose Address Registry"
IPV4_MULTICAST = "IANA IPv4 Multicast Address Space Registry"
IPV6_MULTICAST = "IANA IPv6 Multicast Address Space Registry"
IPV6_SPACE = "IANA IPv6 Address Space Registry"

GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class SpecialRange:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    name: str
    source: str
    registry: str
    globally_reachable: bool | None  # the registry's column; None = "N/A"
    embeds: str | None = None  # "ipv4-mapped", "nat64", "6to4", "teredo": judged by the IPv4 inside


def _row(
    network: str, name: str, source: str, registry: str, reachable: bool | None, embeds: str | None = None
) -> SpecialRange:
    return SpecialRange(ipaddress.ip_network(network), name, source, registry, reachable, embeds)


SPECIAL_RANGES: tuple[SpecialRange, ...] = (
    # --- IPv4 special-purpose registry --------------------------------------------------
    _row("0.0.0.0/8", '"This network"', "RFC 791 §3.2", IPV4_SPECIAL, False),
    _row("0.0.0.0/32", '"This host on this network"', "RFC 1122 §3.2.1.3", IPV4_SPECIAL, False),
    _row("10.0.0.0/8", "Private-Use", "RFC 1918", IPV4_SPECIAL, False),
    _row("100.64.0.0/10", "Shared Address Space", "RFC 6598", IPV4_SPECIAL, False),
    _row("127.0.0.0/8", "Loopback", "RFC 1122 §3.2.1.3", IPV4_SPECIAL, False),
    _row("169.254.0.0/16", "Link Local", "RFC 3927", IPV4_SPECIAL, False),
    _row("172.16.0.0/12", "Private-Use", "RFC 1918", IPV4_SPECIAL, False),
    _row("192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890 §2.1", IPV4_SPECIAL, False),
    _row("192.0.0.0/29", "IPv4 Service Continuity Prefix", "RFC 7335", IPV4_SPECIAL, False),
    _row("192.0.0.8/32", "IPv4 dummy address", "RFC 7600", IPV4_SPECIAL, False),
    _row("192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", IPV4_SPECIAL, True),
    _row("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", IPV4_SPECIAL, True),
    _row("192.0.0.170/32", "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050 §2.2", IPV4_SPECIAL, False),
    _row("192.0.0.171/32", "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050 §2.2", IPV4_SPECIAL, False),
    _row("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", IPV4_SPECIAL, False),
    _row("192.31.196.0/24", "AS112-v4", "RFC 7535", IPV4_SPECIAL, True),
    _row("192.52.193.0/24", "AMT", "RFC 7450", IPV4_SPECIAL, True),
    # Deprecated 6to4 relay anycast; the registry says N/A, we refuse it (nearest relay).
    _row("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", IPV4_SPECIAL, False),
    _row("192.88.99.2/32", "6a44-relay anycast address", "RFC 6751", IPV4_SPECIAL, False),
    _row("192.168.0.0/16", "Private-Use", "RFC 1918", IPV4_SPECIAL, False),
    _row("192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534", IPV4_SPECIAL, True),
    _row("198.18.0.0/15", "Benchmarking", "RFC 2544", IPV4_SPECIAL, False),
    _row("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", IPV4_SPECIAL, False),
    _row("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", IPV4_SPECIAL, False),
    _row("240.0.0.0/4", "Reserved", "RFC 1112 §4", IPV4_SPECIAL, False),
    _row("255.255.255.255/32", "Limited Broadcast", "RFC 8190, RFC 919 §7", IPV4_SPECIAL, False),
    _row("224.0.0.0/4", "Multicast", "RFC 5771", IPV4_MULTICAST, False),
    # --- IPv6 special-purpose registry --------------------------------------------------
    _row("::1/128", "Loopback Address", "RFC 4291", IPV6_SPECIAL, False),
    _row("::/128", "Unspecified Address", "RFC 4291", IPV6_SPECIAL, False),
    # The registry marks it not globally reachable as an IPv6 address; a connection to it is
    # a connection to the IPv4 address inside, so that is what is judged.
    _row("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291", IPV6_SPECIAL, False, "ipv4-mapped"),
    _row("64:ff9b::/96", "IPv4-IPv6 Translat.", "RFC 6052", IPV6_SPECIAL, True, "nat64"),
    _row("64:ff9b:1::/48", "IPv4-IPv6 Translat. (local use)", "RFC 8215", IPV6_SPECIAL, False),
    _row("100::/64", "Discard-Only Address Block", "RFC 6666", IPV6_SPECIAL, False),
    _row("100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780", IPV6_SPECIAL, False),
    _row("2001::/23", "IETF Protocol Assignments", "RFC 2928", IPV6_SPECIAL, False),
    _row("2001::/32", "TEREDO", "RFC 4380, RFC 8190", IPV6_SPECIAL, None, "teredo"),
    _row("2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", IPV6_SPECIAL, True),
    _row("2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", IPV6_SPECIAL, True),
    _row("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "RFC 9665", IPV6_SPECIAL, True),
    _row("2001:2::/48", "Benchmarking", "RFC 5180, RFC Errata 1752", IPV6_SPECIAL, False),
    _row("2001:3::/32", "AMT", "RFC 7450", IPV6_SPECIAL, True),
    _row("2001:4:112::/48", "AS112-v6", "RFC 7535", IPV6_SPECIAL, True),
    _row("2001:10::/28", "Deprecated (previously ORCHID)", "RFC 4843", IPV6_SPECIAL, False),
    _row("2001:20::/28", "ORCHIDv2", "RFC 7343", IPV6_SPECIAL, True),
    _row("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", IPV6_SPECIAL, True),
    _row("2001:db8::/32", "Documentation", "RFC 3849", IPV6_SPECIAL, False),
    _row("2002::/16", "6to4", "RFC 3056", IPV6_SPECIAL, None, "6to4"),
    _row("2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534", IPV6_SPECIAL, True),
    _row("3fff::/20", "Documentation", "RFC 9637", IPV6_SPECIAL, False),
    _row("5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", IPV6_SPECIAL, False),
    _row("fc00::/7", "Unique-Local", "RFC 4193, RFC 8190", IPV6_SPECIAL, False),
    _row("fe80::/10", "Link-Local Unicast", "RFC 4291", IPV6_SPECIAL, False),
    _row("fec0::/10", "Site-Local (deprecated)", "RFC 3879", IPV6_SPACE, False),
    _row("ff00::/8", "Multicast", "RFC 4291 §2.7", IPV6_MULTICAST, False),
)


def _embedded(row: SpecialRange, ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 address(es) an IPv6 address of `row` carries."""
    if row.embeds in ("ipv4-mapped", "nat64"):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]  # the last 32 bits (RFC 4291, RFC 6052 /96)
    if row.embeds == "6to4":
        return [ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)]  # bits 16..47 (RFC 3056 §2)
    if row.embeds == "teredo":
        teredo = ip.teredo  # (server: bits 32..63, client: last 32 bits, inverted) (RFC 4380 §4)
        return list(teredo) if teredo else []
    return []


def _parse(address: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return address
    text = str(address).strip().strip("[]")
    return ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone id does not change the address


def _allowed(ip: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def refusal(address: object, allowed_networks: Iterable[IPNetwork | str] = ()) -> SpecialRange | None:
    """The table row that forbids connecting to `address`, or None when it may be reached.

    `allowed_networks` (ip_network objects or strings) are operator exceptions (tests and the
    demo allow 127.0.0.0/8). An address that is not an IP address at all is refused.
    """
    networks = [n if not isinstance(n, str) else ipaddress.ip_network(n, strict=False) for n in allowed_networks]
    try:
        ip = _parse(address)
    except ValueError:
        return _NOT_AN_ADDRESS
    return _refusal(ip, networks)


def _refusal(ip: IPAddress, networks: Sequence[IPNetwork]) -> SpecialRange | None:
    if _allowed(ip, networks):
        return None
    covering = [row for row in SPECIAL_RANGES if row.network.version == ip.version and ip in row.network]
    covering.sort(key=lambda row: row.network.prefixlen)
    for row in covering:
        if row.embeds is None and row.globally_reachable is False:
            return row
    embedding = [row for row in covering if row.embeds]
    if isinstance(ip, ipaddress.IPv6Address):  # (the ranges that embed an IPv4 address are IPv6 ones)
        for row in embedding:
            for inner in _embedded(row, ip):
                if _refusal(inner, networks) is not None:
                    return row
    if ip.version == 6 and not embedding and ip not in GLOBAL_UNICAST_V6:
        return _OUTSIDE_GLOBAL_UNICAST
    return None


def describe(address: object) -> str:
    """The address with the IPv4 address(es) it embeds, for a refusal message."""
    try:
        ip = _parse(address)
    except ValueError:
        return str(address)
    inner = [
        str(v4)
        for row in SPECIAL_RANGES
        if row.embeds and ip.version == 6 and ip in row.network
        for v4 in _embedded(row, ip)
    ]
    return f"{ip} ({', '.join(inner)})" if inner else str(ip)


_OUTSIDE_GLOBAL_UNICAST = SpecialRange(
    ipaddress.ip_network("::/0"), "IPv6 outside global unicast 2000::/3", "RFC 4291 §2.4", IPV6_SPACE, False
)
_NOT_AN_ADDRESS = SpecialRange(ipaddress.ip_network("0.0.0.0/32"), "not an IP address", "-", "-", False)
