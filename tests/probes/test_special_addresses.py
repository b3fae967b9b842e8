"""The egress guard refuses every address the IANA special-purpose registries do not mark
globally reachable, range by range: first and last address, and the IPv6 forms that carry an
IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from checker.probes import egress
from checker.probes.egress import EgressPolicy, Refused
from checker.probes.special_addresses import SPECIAL_RANGES, describe, refusal

V4_REFUSED = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "255.255.255.255/32",
]
V6_REFUSED = [
    "::/128",
    "::1/128",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/23",
    "2001::/32",
    "2001:2::/48",
    "2001:db8::/32",
    "3fff::/20",
    "5f00::/16",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
    "::/96",  # IPv4-compatible (deprecated): outside 2000::/3
    "4000::/3",
    "8000::/1",  # unallocated space outside global unicast
]
GLOBAL = [
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.0",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "192.31.196.1",
    "192.52.193.1",
    "192.175.48.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::1",
    "2620:4f:8000::1",
    "2001:4860:4860::8888",
]


def _ends(network: str):
    net = ipaddress.ip_network(network)
    return [net[0], net[-1]] + ([net[1], net[-2]] if net.num_addresses > 3 else [])


def _v6_forms(v4: ipaddress.IPv4Address) -> dict[str, str]:
    n = int(v4)
    teredo_client = ipaddress.IPv6Address(
        (0x20010000 << 96) | (int(ipaddress.IPv4Address("8.8.8.8")) << 64) | (n ^ 0xFFFFFFFF)
    )
    return {
        "ipv4-mapped": f"::ffff:{v4}",
        "nat64": f"64:ff9b::{v4}",
        "nat64-local": str(ipaddress.IPv6Address((0x0064FF9B0001 << 80) | n)),
        "6to4": str(ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | 1)),
        "teredo": str(teredo_client),
    }


@pytest.mark.parametrize("network", V4_REFUSED)
def test_ipv4_special_ranges_refused_first_to_last_and_embedded(network):
    for ip in _ends(network):
        assert refusal(ip) is not None, ip
        for form, v6 in _v6_forms(ip).items():
            assert refusal(v6) is not None, (form, v6, ip)


@pytest.mark.parametrize("network", V6_REFUSED)
def test_ipv6_special_ranges_refused_first_to_last(network):
    for ip in _ends(network):
        assert refusal(ip) is not None, ip
        assert refusal(f"[{ip}]") is not None


def test_the_reported_ssrf_address_is_refused():
    row = refusal("100.100.100.200")
    assert row is not None and row.name == "Shared Address Space" and row.source == "RFC 6598"
    assert refusal("::ffff:100.100.100.200") is not None
    assert refusal("64:ff9b::6464:64c8") is not None
    assert refusal("169.254.169.254") is not None and refusal("fd00:ec2::254") is not None


@pytest.mark.parametrize("address", GLOBAL)
def test_globally_reachable_addresses_pass(address):
    assert refusal(address) is None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1"])
def test_embeddings_of_a_global_ipv4_are_judged_by_it(address):
    forms = _v6_forms(ipaddress.IPv4Address(address))
    assert refusal(forms["ipv4-mapped"]) is None
    assert refusal(forms["nat64"]) is None
    assert refusal(forms["6to4"]) is None
    # Teredo and local-use NAT64 lie in blocks that are not globally reachable: refused always.
    assert refusal(forms["teredo"]) is not None
    assert refusal(forms["nat64-local"]) is not None


def test_anycast_inside_non_global_blocks_is_refused():
    """192.0.0.9 (PCP anycast) is globally reachable in the registry, but it reaches the
    nearest instance, which can be the operator's own gateway."""
    assert refusal("192.0.0.9") is not None and refusal("2001:1::1") is not None


def test_every_row_has_a_source_and_known_registry():
    for row in SPECIAL_RANGES:
        assert row.source.startswith("RFC") and row.registry.startswith("IANA")
        assert row.globally_reachable in (True, False, None)
        if row.globally_reachable is False and row.embeds is None:
            assert refusal(row.network[0]) is row or refusal(row.network[0]) is not None


def test_allowed_networks_open_only_what_they_list():
    allowed = ("127.0.0.0/8",)
    assert refusal("127.0.0.1", allowed) is None and refusal("127.255.255.254", allowed) is None
    assert refusal("::ffff:127.0.0.1", allowed) is None  # the same loopback address, IPv6-written
    assert refusal("10.0.0.1", allowed) is not None and refusal("100.64.0.1", allowed) is not None
    assert refusal("::1", allowed) is not None
    assert refusal("100.64.0.1", ("100.64.0.0/10",)) is None


def test_garbage_is_refused():
    assert refusal("not-an-ip") is not None
    assert describe("::ffff:10.0.0.1") == "::ffff:a00:1 (10.0.0.1)"


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


@pytest.mark.parametrize(
    "answer",
    [
        "100.100.100.200",
        "198.18.0.1",
        "::ffff:192.168.1.1",
        "64:ff9b::a9fe:a9fe",
        "2002:a00:1::1",
        "fd12::1",
        "203.0.113.9",
    ],
)
def test_a_dns_answer_in_any_special_range_is_refused_by_the_policy(monkeypatch, answer):
    monkeypatch.setattr(egress, "resolve_host", lambda host: [answer] if host == "cdn.vendor.test" else ["127.0.0.1"])
    policy = EgressPolicy({"cdn.vendor.test"}, allowed_networks=("127.0.0.0/8",))
    with pytest.raises(Refused) as err:
        run(policy.check("cdn.vendor.test"))
    assert ipaddress.ip_address(answer).compressed in err.value.reason["en"]


def test_one_special_address_among_several_answers_refuses_the_name(monkeypatch):
    monkeypatch.setattr(egress, "resolve_host", lambda host: ["8.8.8.8", "100.100.100.200"])
    with pytest.raises(Refused):
        run(EgressPolicy({"cdn.vendor.test"}).check("cdn.vendor.test"))


def test_a_manifest_pointing_at_the_metadata_address_is_refused_by_the_guard():
    """The reported case end to end: the start URL host is a raw shared-space IP."""
    from checker.probes.egress import EgressGuard
    from checker.probes.manifest import load_manifest

    manifest = load_manifest(
        {
            "product_type": "children_platform",
            "filtering": {"mode": "none"},
            "start_url": "http://100.100.100.200/latest/meta-data/",
        }
    )

    async def scenario():
        policy = EgressPolicy(manifest.hosts(), allowed_networks=("127.0.0.0/8",))
        async with EgressGuard(policy) as guard:
            host, port = guard.address.split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                b"GET http://100.100.100.200/latest/meta-data/ HTTP/1.1\r\nHost: 100.100.100.200\r\n"
                b"Connection: close\r\n\r\n"
            )
            await writer.drain()
            data = await asyncio.wait_for(reader.read(), 10)
            writer.close()
            return data, [r.host for r in guard.refusals]

    data, refusals = run(scenario())
    assert data.startswith(b"HTTP/1.1 403") and b"Shared Address Space" in data
    assert refusals == ["100.100.100.200"]
