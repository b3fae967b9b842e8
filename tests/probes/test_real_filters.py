"""The filter probes against real filtering software written by others, not our demo proxy:
Privoxy (block action) and Squid with squidGuard (URL blacklist, block page rewritten in with
HTTP 200), started here on loopback ports with blacklists built from the corpus: half the
adult pages, English pages only elsewhere, no Vietnamese harmful page.

The corpus is served on a routable address (what `vcsc corpus serve --public-host` does) and
given to the probes as a club's URL list WITHOUT markers, so allowed/blocked can only be told
by comparing with a direct fetch. The ground truth is computed independently of the probes
with a plain HTTP client (direct fetch vs fetch through the proxy).

Nothing here is skipped: without the binaries the tests fail and say to run scripts/setup.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from checker.corpus import HARMFUL, RTA_META, RTA_ONLY, SAFE, CorpusServer, sample
from checker.criteria import load_set
from checker.probes.base import CANT_TELL, FAILED, judge
from checker.probes.manifest import read_manifest
from checker.probes.runner import ProbeSettings, run_probes
from tests.probes import realfilters as rf

pytestmark = pytest.mark.slow
VERSION = "vcsc-2025.1"
PER_CATEGORY = 14
FILTER_PROBES = ["content_filtering", "rta_label", "block_page", "filter_bypass"]


@pytest.fixture(scope="module")
def corpus_server():
    rf.binaries_or_fail()
    # A routable address (not *.localhost): the real proxies resolve names themselves.
    with CorpusServer(public_host="127.0.0.1") as server:
        yield server


@pytest.fixture(scope="module")
def pages(corpus_server):
    return sample(corpus_server.pages, PER_CATEGORY, seed=7)


def blacklist(pages) -> list[str]:
    """Half the adult pages, all English gambling pages, every third English page of the other
    harmful categories, the RTA pages labelled in the meta tag, two child-friendly pages;
    no Vietnamese harmful page."""
    blocked = []
    counters: dict[str, int] = {}
    for page in pages:
        n = counters[page.category] = counters.get(page.category, 0) + 1
        if page.category == "adult":
            if n % 2 == 0:
                blocked.append(page.url)
        elif page.category == "gambling" and page.language == "en":
            blocked.append(page.url)
        elif page.category in HARMFUL and page.language == "en" and n % 3 == 0:
            blocked.append(page.url)
        elif page.category == RTA_ONLY and page.rta == RTA_META:
            blocked.append(page.url)
        elif page.category == "child_friendly" and n in (3, 7):
            blocked.append(page.url)
    return blocked


def write_club_files(folder: Path, proxy: str, pages, controls, *, markers: bool) -> Path:
    """A club's URL list (no markers unless asked) with its reachability controls, and a manifest
    that names it by a path relative to the manifest's folder."""
    folder.mkdir(parents=True, exist_ok=True)
    lists = folder / "lists"
    lists.mkdir(exist_ok=True)
    with open(lists / "club.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["url", "category", "language"] + (["marker"] if markers else []))
        for page in [*pages, *controls]:
            writer.writerow([page.url, page.category, page.language] + ([page.marker] if markers else []))
    manifest = folder / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "product_type": "kid_browser",
                "filtering": {"mode": "proxy", "proxy": proxy},
                "corpus": {"csv": "lists/club.csv"},
            }
        ),
        encoding="utf-8",
    )
    return manifest


def settings() -> ProbeSettings:
    return ProbeSettings.from_env(
        allowed_networks=("127.0.0.0/8",), corpus_per_category=None, page_timeout_ms=10_000, run_timeout_s=400
    )


def run(event_loop_runner, browser_host, manifest_path: Path, only: list[str], out_dir: Path):
    manifest = read_manifest(manifest_path)
    return event_loop_runner.run_until_complete(
        run_probes(
            manifest,
            criteria_version=VERSION,
            only=only,
            settings=settings(),
            browser_host=browser_host,
            out_dir=out_dir,
        )
    )


def outcomes(measurement) -> dict[str, str]:
    return {f.criterion_id: f.outcome for f in judge(measurement, load_set(VERSION), "kid_browser")}


def truth_table(records, proxy: str) -> dict[str, dict]:
    """Per category: pages, truly blocked (plain client), measured blocked (probe)."""
    table: dict[str, dict] = {}
    for r in records:
        truth = rf.ground_truth_blocked(r["url"], proxy)
        row = table.setdefault(
            r["category"], {"pages": 0, "true_blocked": 0, "measured_blocked": 0, "judged": 0, "disagree": []}
        )
        row["pages"] += 1
        row["true_blocked"] += bool(truth)
        if r["verdict"] in ("allowed", "blocked"):
            row["judged"] += 1
            row["measured_blocked"] += r["verdict"] == "blocked"
            if (r["verdict"] == "blocked") != bool(truth):
                row["disagree"].append((r["url"], r["verdict"], r.get("how")))
    for row in table.values():
        row["true_rate"] = row["true_blocked"] / row["pages"]
        row["measured_rate"] = row["measured_blocked"] / row["judged"] if row["judged"] else None
    return table


def print_table(name: str, table: dict) -> None:
    print(f"\n{name}: category        pages  truth  measured")
    for category, row in table.items():
        measured = f"{row['measured_rate']:.1%}" if row["measured_rate"] is not None else "—"
        print(f"{name}: {category:<15} {row['pages']:>5}  {row['true_rate']:>5.1%}  {measured:>8}")


@pytest.fixture(scope="module", params=["privoxy", "squid"])
def real_proxy(request, corpus_server, pages, tmp_path_factory):
    blocked = blacklist(pages)
    folder = tmp_path_factory.mktemp(request.param)
    proxy = (
        rf.start_privoxy(folder / "privoxy", blocked) if request.param == "privoxy" else rf.start_squid(None, blocked)
    )
    yield proxy
    proxy.stop()


def test_filter_probes_agree_with_the_real_filter(
    real_proxy, corpus_server, pages, event_loop_runner, browser_host, tmp_path
):
    manifest = write_club_files(tmp_path / "club", real_proxy.address, pages, corpus_server.controls, markers=False)
    result = run(event_loop_runner, browser_host, manifest, FILTER_PROBES, tmp_path / "out")
    by_probe = {o.probe_id: o for o in result.outcomes}

    # Reachability controls loaded through the real proxy.
    cf = by_probe["content_filtering"]
    assert cf.artifact["controls"]["ok"] is True, cf.artifact["controls"]

    # Block rates per category against the ground truth: within 1 point.
    table = truth_table(cf.artifact["pages"], real_proxy.address)
    print_table(real_proxy.name, table)
    for category, row in table.items():
        assert row["judged"] == row["pages"], (category, row)
        assert abs(row["measured_rate"] - row["true_rate"]) <= 0.01, (real_proxy.name, category, row["disagree"])
    assert table["adult"]["true_rate"] == pytest.approx(0.5)
    measurement = cf.measurement
    assert measurement.measurements["block_rate_adult"] == pytest.approx(table["adult"]["true_rate"], abs=0.01)
    # Half the adult pages and no Vietnamese harmful page: CF-01 must not come out passed.
    assert outcomes(measurement)["CF-01"] == FAILED

    # RTA: neither proxy reads the label; what they block is the blacklist's doing.
    rta = by_probe["rta_label"]
    rta_table = truth_table(rta.artifact["pages"], real_proxy.address)
    print_table(real_proxy.name, rta_table)
    assert rta_table[RTA_ONLY]["judged"] == rta_table[RTA_ONLY]["pages"]
    rta_truth = rta_table[RTA_ONLY]["true_rate"]
    assert rta_truth == pytest.approx(0.5, abs=0.1)
    assert rta.measurement.measurements["rta_block_rate"] == pytest.approx(rta_truth, abs=0.01)
    assert "unknown" not in rta.measurement.explanation["en"] and "không rõ" not in rta.measurement.explanation["vi"]

    # Block page: what the child really sees (plain client): a reason? ask a parent? 111?
    bp = by_probe["block_page"]
    judged_pages = [r for r in bp.artifact["pages"] if r.get("verdict") == "blocked"]
    assert judged_pages, bp.artifact
    for record in judged_pages:
        assert rf.ground_truth_blocked(record["url"], real_proxy.address) is True
    status, body = rf.fetch(judged_pages[0]["url"], proxy=real_proxy.address)
    text = body.decode("utf-8", "replace")
    expected_status = 403 if real_proxy.name == "privoxy" else 200
    assert {r["status"] for r in judged_pages} == {expected_status} and status == expected_status
    truly_explains = rf.PRIVOXY_REASON in text  # Privoxy shows the block action's reason; the squidGuard page none
    # A hotline the child could call: 111 as a number of its own in what the page says, not inside an address
    # (the corpus server's random port may well contain "111", and the block page repeats the blocked URL).
    words = re.sub(r"https?://\S+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?", " ", text)
    truly_gives_111 = re.search(r"(?<![\w.,:/-])111(?![\w.,-])", words) is not None
    assert bp.measurement.measurements == {
        "explains_reason": truly_explains,
        "offers_ask_parent": False,
        "shows_hotline_111": truly_gives_111,
    }
    assert outcomes(bp.measurement) == {"CF-09": FAILED, "RP-03": FAILED}

    # Bypass: each counted attempt against a plain fetch of the same trick URL through the proxy.
    bypass = by_probe["filter_bypass"]
    counted = [
        a for a in bypass.artifact["attempts"] if a.get("distinct", True) and a["verdict"] in ("allowed", "blocked")
    ]
    assert len(bypass.artifact["blocked_normally"]) >= 4, bypass.artifact["normal"]
    assert counted
    wrong = []
    for attempt in counted:
        truth = rf.ground_truth_blocked(attempt["url"], real_proxy.address)
        if (attempt["verdict"] == "blocked") != bool(truth):
            wrong.append((attempt["trick"], attempt["url"], attempt["verdict"], truth))
    assert not wrong
    truly_bypassed = sum(rf.ground_truth_blocked(a["url"], real_proxy.address) is False for a in counted)
    assert bypass.measurement.measurements["bypass_success_count"] == truly_bypassed
    # Privoxy matches the raw path, so a percent-encoded path gets through; squidGuard decodes it.
    print(f"{real_proxy.name}: bypass {truly_bypassed}/{len(counted)} attempts succeeded; block page HTTP {status}")


@pytest.mark.parametrize("name", ["privoxy", "squid"])
def test_product_that_cannot_reach_the_corpus_gets_no_filter_verdict(
    name, corpus_server, pages, event_loop_runner, browser_host, tmp_path
):
    """Every request fails at the proxy (a dead parent): its own error pages (HTTP 502/503) are
    'unreachable', not 'blocked'; the controls fail and every filter verdict is cantTell with the reason."""
    dead = f"127.0.0.1:{rf.free_port()}"
    proxy = (
        rf.start_privoxy(tmp_path / "privoxy", [], forward_to=dead)
        if name == "privoxy"
        else rf.start_squid(None, [], parent=dead)
    )
    with proxy:
        manifest = write_club_files(tmp_path / "club", proxy.address, pages[:30], corpus_server.controls, markers=False)
        result = run(
            event_loop_runner,
            browser_host,
            manifest,
            ["content_filtering", "block_page", "filter_bypass"],
            tmp_path / "out",
        )
    for outcome in result.outcomes:
        controls = outcome.artifact["controls"]
        assert controls["ok"] is False and controls["reached"] == 0
        assert {p["verdict"] for p in controls["pages"]} == {"unreachable"}
        assert {f.outcome for f in outcome.findings} == {CANT_TELL}, outcome.probe_id
        assert (
            "control" in outcome.measurement.explanation["en"] and "đối chứng" in outcome.measurement.explanation["vi"]
        )


def test_marked_list_through_privoxy_agrees_with_the_truth(
    corpus_server, pages, event_loop_runner, browser_host, tmp_path
):
    """The same through a list WITH markers (the CSV `vcsc corpus serve --csv` writes)."""
    proxy = rf.start_privoxy(tmp_path / "privoxy", blacklist(pages))
    with proxy:
        manifest = write_club_files(tmp_path / "club", proxy.address, pages, corpus_server.controls, markers=True)
        result = run(event_loop_runner, browser_host, manifest, ["content_filtering"], tmp_path / "out")
        (outcome,) = result.outcomes
        table = truth_table(outcome.artifact["pages"], proxy.address)
    print_table("privoxy (marked list)", table)
    for category, row in table.items():
        assert abs(row["measured_rate"] - row["true_rate"]) <= 0.01, (category, row["disagree"])
    for category in SAFE:
        assert category in table


def test_overhead_through_privoxy_is_decided_only_by_a_clear_interval(
    corpus_server, pages, event_loop_runner, browser_host, tmp_path
):
    """Privoxy adds one C proxy hop: whatever the machine's load, its overhead must never come out
    'failed' against the 1.5 limit, and the finding gives the interval it was decided on."""
    proxy = rf.start_privoxy(tmp_path / "privoxy", [])
    with proxy:
        manifest = write_club_files(
            tmp_path / "club",
            proxy.address,
            [p for p in pages if p.category in SAFE],
            corpus_server.controls,
            markers=False,
        )
        result = run(event_loop_runner, browser_host, manifest, ["filter_overhead"], tmp_path / "out")
    (outcome,) = result.outcomes
    m = outcome.measurement
    low, high = m.intervals["median_load_ratio"]
    assert low <= m.measurements["median_load_ratio"] <= high
    assert f"{low:.2f}" in m.explanation["en"] and f"{high:.2f}".replace(".", ",") in m.explanation["vi"]
    found = outcomes(m)
    assert found["PERF-01"] != FAILED, (m.measurements, m.intervals)
    for criterion, limit in (("PERF-01", 1.5), ("PERF-02", 1.2)):
        if found[criterion] == "passed":
            assert high <= limit
        elif found[criterion] == CANT_TELL:
            assert low <= limit < high or m.measurements["median_load_ms_filtered"] is None
    print(f"privoxy overhead: ratio {m.measurements['median_load_ratio']} interval [{low}, {high}] -> {found}")
