"""`vcsc serve --demo` lets the probes reach its own demo products, exactly their ports, and nothing else of the
machine's loopback; without it (the production default) loopback stays refused."""

from __future__ import annotations

import asyncio

import pytest

from api.cli.service import demo_product_endpoints, open_probes_to, start_demo_products
from api.core.settings import Settings
from checker.probes.egress import EgressPolicy, Refused, endpoint_key
from checker.probes.runner import ProbeSettings


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("VCSC_PROBE_ALLOW_ENDPOINTS", "VCSC_PROBE_ALLOW_NETWORKS", "VCSC_PROBE_IGNORE_TLS_ERRORS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _check(policy: EgressPolicy, host: str, port: int | None):
    return asyncio.run(policy.check(host, port))


def test_endpoint_key_normalises_and_refuses_garbage():
    assert endpoint_key("127.0.0.1:8441") == "127.0.0.1:8441"
    assert endpoint_key("[::1]:80") == endpoint_key("::1:80") == "::1:80"
    for bad in ("localhost:80", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:http"):
        with pytest.raises(ValueError):
            endpoint_key(bad)


def test_an_allowed_endpoint_opens_that_port_only():
    policy = EgressPolicy({"safekid.localhost"}, allowed_endpoints=("127.0.0.1:8441",))
    assert _check(policy, "safekid.localhost", 8441) == ["127.0.0.1"]
    for port in (8000, 8442, None):  # the checker's own server on 8000 stays out of reach
        with pytest.raises(Refused):
            _check(policy, "safekid.localhost", port)
    with pytest.raises(Refused):  # and a name outside the manifest's hosts is refused as before
        _check(policy, "other.localhost", 8441)


def test_production_default_refuses_loopback(clean_env):
    settings = ProbeSettings.from_env()
    assert settings.allowed_networks == () and settings.allowed_endpoints == () and not settings.ignore_tls_errors
    policy = EgressPolicy(
        {"safekid.localhost"}, allowed_networks=settings.allowed_networks, allowed_endpoints=settings.allowed_endpoints
    )
    with pytest.raises(Refused):
        _check(policy, "safekid.localhost", 8441)


def test_serve_demo_opens_exactly_the_demo_products_ports(clean_env, tmp_path):
    clean_env.setenv("VCSC_PROBE_ALLOW_ENDPOINTS", "10.0.0.5:3128")  # an operator's own setting is kept
    products = start_demo_products(tmp_path)
    try:
        endpoints = demo_product_endpoints(products)
        assert len(endpoints) == 4  # SafeKid and FunZone: a portal port and a proxy port each
        assert all(e.startswith("127.0.0.1:") for e in endpoints)
        settings = ProbeSettings.from_settings(open_probes_to(Settings(), endpoints))
        assert set(settings.allowed_endpoints) == {"10.0.0.5:3128", *endpoints}
        assert settings.allowed_networks == () and settings.ignore_tls_errors
        assert sorted(p.name for p in tmp_path.iterdir()) == ["funzone.manifest.json", "safekid.manifest.json"]
        safekid = products[0]
        policy = EgressPolicy(
            {"safekid.localhost"},
            allowed_networks=settings.allowed_networks,
            allowed_endpoints=settings.allowed_endpoints,
        )
        portal_port = int(safekid.portal_url.rsplit(":", 1)[1].strip("/"))
        assert _check(policy, "safekid.localhost", portal_port) == ["127.0.0.1"]
        with pytest.raises(Refused):
            _check(policy, "safekid.localhost", 8000)
    finally:
        for product in products:
            product.stop()


def test_open_probes_to_does_not_duplicate(clean_env):
    settings = open_probes_to(open_probes_to(Settings(), ["127.0.0.1:1", "127.0.0.1:2"]), ["127.0.0.1:2"])
    assert settings.probe_allow_endpoints == "127.0.0.1:1,127.0.0.1:2" and settings.probe_ignore_tls_errors


def test_open_probes_to_keeps_the_operators_tls_setting(clean_env):
    clean_env.setenv("VCSC_PROBE_IGNORE_TLS_ERRORS", "0")
    assert not open_probes_to(Settings(), ["127.0.0.1:1"]).probe_ignore_tls_errors


@pytest.mark.slow
def test_the_demo_products_pass_the_pre_flight_check_with_the_demo_settings(clean_env, tmp_path):
    import json

    from checker.probes.preflight import preflight

    products = start_demo_products(tmp_path)
    try:
        manifest = json.loads((tmp_path / "safekid.manifest.json").read_text(encoding="utf-8"))
        demo_settings = open_probes_to(Settings(), demo_product_endpoints(products))
        report = asyncio.run(preflight(manifest, settings=ProbeSettings.from_settings(demo_settings)))
        assert {s.id: s.status for s in report.steps}["start_url"] == "ok", report.to_dict()
        assert report.ok, report.to_dict()
    finally:
        for product in products:
            product.stop()
