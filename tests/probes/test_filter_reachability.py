"""Pure tests (no browser) of what the filter probes need on products nobody here wrote:
the comparison with a direct fetch, the product's own network-error pages, reachability
controls that withhold every verdict, the overhead's confidence interval, and a manifest's
URL list read relative to the manifest."""

from __future__ import annotations

import json

import pytest

from checker.corpus.model import CorpusPage
from checker.criteria import load_set
from checker.probes.base import CANT_TELL, FAILED, PASSED, Measurement, judge
from checker.probes.block_page.evaluate import evaluate as evaluate_block_page
from checker.probes.block_page.gather import candidate_groups
from checker.probes.classify import (
    ALLOWED,
    BLOCKED,
    UNREACHABLE,
    compare_with_direct,
    controls_failed_reason,
    html_title_and_text,
    network_error_kind,
    summarise,
)
from checker.probes.content_filtering.evaluate import evaluate as evaluate_content
from checker.probes.filter_bypass.evaluate import evaluate as evaluate_bypass
from checker.probes.filter_bypass.gather import candidates
from checker.probes.filter_overhead.evaluate import bootstrap_interval
from checker.probes.filter_overhead.evaluate import evaluate as evaluate_overhead
from checker.probes.filter_overhead.gather import pick_pages as overhead_pages
from checker.probes.rta_label.evaluate import evaluate as evaluate_rta

VERSION = "vcsc-2025.1"
ARTICLE = (
    "Bài học hôm nay: phép cộng phân số. Các em quy đồng mẫu số rồi cộng tử số. Ví dụ một phần hai cộng "
    "một phần ba bằng năm phần sáu. Bài tập về nhà: làm bài một đến bài năm trang mười hai."
)


def outcomes(measurement) -> dict[str, str]:
    return {f.criterion_id: f.outcome for f in judge(measurement, load_set(VERSION), "kid_browser")}


# ----------------------------------------------------------------- direct-fetch comparison


def direct(text=ARTICLE, title="Toán lớp 5 – Bài 12", status=200):
    return {"status": status, "title": title, "text": text}


def test_the_same_page_through_the_product_is_allowed():
    verdict, how, detail = compare_with_direct(direct(), direct())
    assert (verdict, how) == (ALLOWED, "similar_to_direct")
    assert detail["similarity"] == 1.0 and detail["title_same"]


def test_a_page_with_small_dynamic_changes_is_still_allowed():
    through = direct(text=ARTICLE.replace("mười hai", "mười ba") + " Cập nhật 10:42.")
    assert compare_with_direct(through, direct())[0] == ALLOWED


def test_a_block_page_answered_with_200_is_blocked():
    through = {"status": 200, "title": "Access denied", "text": "Access denied. Contact the network administrator."}
    verdict, how, detail = compare_with_direct(through, direct())
    assert (verdict, how) == (BLOCKED, "differs_from_direct")
    assert detail["similarity"] < 0.2 and not detail["title_same"]


def test_block_signals_only_through_the_product_say_block_page():
    through = {"status": 200, "title": "Trang bị chặn", "text": "Trang này đã bị chặn theo danh mục."}
    assert compare_with_direct(through, direct())[:2] == (BLOCKED, "block_page")


def test_declared_block_marker_blocks_even_a_similar_page():
    through = direct(text=ARTICLE + " SAFEFILTER-BLOCK")
    assert compare_with_direct(through, direct(), ["SAFEFILTER-BLOCK"])[:2] == (BLOCKED, "block_page")


def test_an_error_status_only_through_the_product_is_blocked():
    assert compare_with_direct(direct(status=403), direct())[:2] == (BLOCKED, "error_status")


def test_a_page_that_fails_directly_is_not_judged():
    assert compare_with_direct(direct(), {"status": None, "error": "net::ERR_CONNECTION_REFUSED"})[:2] == (
        UNREACHABLE,
        "direct_fetch_failed",
    )
    assert compare_with_direct(direct(), direct(status=404))[:2] == (UNREACHABLE, "direct_fetch_failed")


def test_a_truncated_page_is_not_the_page():
    assert compare_with_direct(direct(text=ARTICLE[:40]), direct())[0] == BLOCKED


def test_html_title_and_text_drop_scripts_and_styles():
    title, text = html_title_and_text(
        "<html><head><title>A &amp; B</title><style>p{}</style></head>"
        "<body><script>var x='hidden';</script><p>Xin  chào</p></body></html>"
    )
    assert (title, text) == ("A & B", "Xin chào")


# ----------------------------------------------------------------- the product's own network-error pages


@pytest.mark.parametrize(
    "status,headers,title,text,kind",
    [
        (
            503,
            {},
            "503 - Connect failed (Privoxy@localhost)",
            "Connect failed ... could not be established.",
            "gateway_503",
        ),
        (502, {}, "", "VCSC egress guard: cannot connect", "gateway_502"),
        (504, {}, "", "", "gateway_504"),
        (
            503,
            {"x-squid-error": "ERR_DNS_FAIL 0"},
            "ERROR",
            "Unable to determine IP address from host name",
            "squid_err_dns_fail",
        ),
        (200, {}, "Site not found", "The site you asked for was not found. Check the address.", None),
        (200, {}, "Không tìm thấy máy chủ", "Không tìm thấy máy chủ của trang web này.", None),
        (200, {}, "Oops", "We cannot connect to the server at nha-cai-12.corpus.localhost.", None),
    ],
)
def test_network_error_pages_are_recognised(status, headers, title, text, kind):
    found = network_error_kind(status, headers, title, text)
    assert found is not None
    if kind:
        assert found == kind


@pytest.mark.parametrize(
    "status,headers,title,text",
    [
        (403, {"x-squid-error": "ERR_ACCESS_DENIED 0"}, "ERROR", "Access Denied."),
        (200, {}, "Request blocked (Privoxy@localhost)", "Request blocked by Privoxy. Block reason: adult."),
        (200, {}, "Trang bị chặn", "Trang này thuộc danh mục Nội dung người lớn. Hãy hỏi bố mẹ. Gọi Tổng đài 111."),
        (200, {}, "Toán lớp 5", ARTICLE),
    ],
)
def test_block_pages_and_ordinary_pages_are_not_network_errors(status, headers, title, text):
    assert network_error_kind(status, headers, title, text) is None


def test_unreachable_pages_are_neither_blocked_nor_allowed():
    records = [
        {"category": "adult", "url": f"http://x/{i}", "verdict": v, "how": h, "status": s}
        for i, (v, h, s) in enumerate(
            [
                ("blocked", "block_page", 200),
                ("allowed", "similar_to_direct", 200),
                ("unreachable", "product_network_error", 502),
            ]
        )
    ]
    summary = summarise(records)
    assert summary["categories"]["adult"] == {
        "total": 3,
        "judged": 2,
        "blocked": 1,
        "allowed": 1,
        "unreachable": 1,
        "block_rate": 0.5,
    }
    assert summary["unreachable"][0]["url"] == "http://x/2"


def test_a_product_that_reaches_nothing_measures_nothing():
    pages = [
        {
            "category": c,
            "url": f"http://x/{c}",
            "verdict": "unreachable",
            "how": "product_network_error",
            "status": 200,
            "harmful": c != "child_friendly",
        }
        for c in ("adult", "gambling", "child_friendly")
    ]
    m = evaluate_content(
        {"applicable": True, "pages": pages, "controls": {"checked": 0, "reached": 0, "ok": None, "pages": []}}
    )
    assert all(v is None for v in m.measurements.values())
    assert "unreachable" in m.explanation["en"] and "không tới được" in m.explanation["vi"]
    assert set(outcomes(m).values()) == {CANT_TELL}


# ----------------------------------------------------------------- reachability controls

FAILED_CONTROLS = {
    "checked": 3,
    "reached": 0,
    "ok": False,
    "pages": [
        {
            "url": "http://trang-doi-chung.corpus.localhost:8765/c/control-vi-1",
            "verdict": "unreachable",
            "how": "product_network_error",
            "status": 200,
            "network_error": "error_text:site not found",
        }
    ]
    * 3,
}
PASSED_CONTROLS = {"checked": 3, "reached": 3, "ok": True, "pages": []}


def blocked_everything() -> list[dict]:
    """What the old rule measured on a proxy answering 'site not found' with 200 to everything."""
    return [
        {
            "category": c,
            "url": f"http://x/{c}/{i}",
            "verdict": "blocked",
            "how": "replaced_body",
            "status": 200,
            "harmful": c not in ("child_friendly", "education_vi"),
        }
        for c in ("adult", "gambling", "child_friendly", "education_vi")
        for i in range(5)
    ]


def test_failed_controls_withhold_every_content_filtering_verdict_with_the_reason():
    m = evaluate_content({"applicable": True, "pages": blocked_everything(), "controls": FAILED_CONTROLS})
    assert all(v is None for v in m.measurements.values())
    assert set(outcomes(m).values()) == {CANT_TELL}
    assert "0/3" not in m.explanation["en"] and "3/3" in m.explanation["en"]
    assert "control pages" in m.explanation["en"] and "trang đối chứng" in m.explanation["vi"]
    assert "vcsc corpus serve" in m.explanation["en"] and "vcsc corpus serve" in m.explanation["vi"]
    assert "network-error page" in m.explanation["en"]
    assert m.evidence["controls"]["ok"] is False


def test_without_the_controls_the_same_pages_would_read_as_blocked():
    m = evaluate_content({"applicable": True, "pages": blocked_everything(), "controls": PASSED_CONTROLS})
    assert m.measurements["block_rate_adult"] == 1.0
    # Category names in each language, never the ids ("adult", "self_harm") in the Vietnamese text.
    assert "Nội dung người lớn 100%" in m.explanation["vi"] and "adult" not in m.explanation["vi"]
    assert "Adult content 100%" in m.explanation["en"]


@pytest.mark.parametrize(
    "evaluate,artifact",
    [
        (evaluate_rta, {"pages": []}),
        (evaluate_block_page, {"pages": []}),
        (evaluate_bypass, {"normal": [], "attempts": [], "blocked_normally": []}),
    ],
)
def test_failed_controls_make_every_filter_probe_cant_tell(evaluate, artifact):
    m = evaluate({"applicable": True, "controls": FAILED_CONTROLS, "complete": True, **artifact})
    assert all(v is None for v in m.measurements.values())
    assert set(outcomes(m).values()) == {CANT_TELL}
    assert m.explanation["vi"] and m.explanation["en"] and "control" in m.explanation["en"]


def test_controls_reason_is_none_when_they_passed_or_are_absent():
    assert controls_failed_reason(PASSED_CONTROLS) is None
    assert controls_failed_reason({"checked": 0, "reached": 0, "ok": None, "pages": []}) is None
    assert controls_failed_reason(None) is None


# ----------------------------------------------------------------- targets measured blocked


def page(pid, category, language="vi", marker=None):
    return CorpusPage(pid, category, language, f"http://h/p/{pid}", None, marker, category != "child_friendly")


def test_bypass_candidates_come_from_pages_measured_blocked_and_skip_those_allowed():
    corpus = [page(f"a{i}", "adult") for i in range(30)] + [page("g1", "gambling")]
    measured = {"http://h/p/a25": BLOCKED, "http://h/p/a0": ALLOWED, "http://h/p/a1": ALLOWED}
    chosen = [p.page_id for p in candidates(corpus, measured.get)]
    assert chosen[0] == "a25" and "a0" not in chosen and "a1" not in chosen
    assert len(chosen) == 29  # more than 16: a filter that blocks only some pages still gets tried


def test_block_page_targets_unmarked_pages_measured_blocked():
    corpus = [page("a1", "adult"), page("a2", "adult"), page("e1", "adult", "en")]
    groups = candidate_groups(corpus, {"http://h/p/a2": BLOCKED, "http://h/p/e1": ALLOWED}.get)
    assert [[p.page_id for p in g] for g in groups] == [["a2", "a1"]]


def test_overhead_uses_unmarked_safe_pages_never_pages_measured_blocked():
    corpus = [page(f"c{i}", "child_friendly") for i in range(4)] + [page("e1", "education_vi")]
    chosen = [p.page_id for p in overhead_pages(corpus, {"http://h/p/c0": BLOCKED, "http://h/p/c3": ALLOWED}.get)]
    assert chosen[0] == "c3" and "c0" not in chosen and "e1" in chosen


# ----------------------------------------------------------------- overhead interval


def synthetic(direct_ms: list[float], filtered_ms: list[float]) -> dict:
    samples = []
    for i, (d, f) in enumerate(zip(direct_ms, filtered_ms, strict=True)):
        for path, ms in (("direct", d), ("filtered", f)):
            samples.append(
                {
                    "round": i // 10,
                    "page_id": f"p{i % 10}",
                    "url": f"http://k/p{i % 10}",
                    "path": path,
                    "ok": True,
                    "status": 200,
                    "load_ms": ms,
                    "wall_ms": ms + 5,
                    "timing": {"start": 0, "response_end": ms / 3, "load_end": ms},
                }
            )
    return {"applicable": True, "rounds": len(direct_ms) // 10, "samples": samples, "complete": True}


def noisy(ratio: float, n: int = 50, spread: float = 0.35, seed: int = 1) -> tuple[list[float], list[float]]:
    import random

    rng = random.Random(seed)
    direct = [rng.uniform(60, 200) for _ in range(n)]
    return direct, [d * ratio * rng.uniform(1 - spread, 1 + spread) for d in direct]


def test_bootstrap_interval_is_seeded_and_contains_the_ratio():
    d, f = noisy(1.1)
    first = bootstrap_interval(d, f)
    assert first == bootstrap_interval(d, f)
    low, high = first["median_load_ratio"]
    from checker.probes.filter_overhead.evaluate import paired_ratio

    assert low <= paired_ratio(d, f) <= high and 0 < high - low < 0.4
    assert bootstrap_interval(d, f, seed=5) != first  # the seed is what makes it repeatable


def test_a_ratio_near_the_limit_with_a_wide_interval_cannot_be_told():
    m = evaluate_overhead(synthetic(*noisy(1.15)))
    low, high = m.intervals["median_load_ratio"]
    assert low < 1.2 < high
    found = outcomes(m)
    assert found["PERF-02"] == CANT_TELL and found["PERF-01"] == PASSED
    assert f"{low:.2f}" in m.explanation["en"] and f"{high:.2f}".replace(".", ",") in m.explanation["vi"]
    assert f"{high:.2f}" not in m.explanation["vi"]  # Vietnamese writes decimals with a comma
    failure = next(f for f in judge(m, load_set(VERSION), "kid_browser") if f.criterion_id == "PERF-02").failures
    assert "straddles" in failure[0] and "chứa ngưỡng" in failure[0]


def test_clear_intervals_decide():
    assert outcomes(evaluate_overhead(synthetic(*noisy(1.0, spread=0.1)))) == {"PERF-01": PASSED, "PERF-02": PASSED}
    assert outcomes(evaluate_overhead(synthetic(*noisy(1.8, spread=0.1)))) == {"PERF-01": FAILED, "PERF-02": FAILED}


def test_four_runs_on_the_same_proxy_never_flip_between_passed_and_failed():
    """The issue's four runs gave 1.005, 1.167, 0.954 and 0.948 against 1.2: the same proxy,
    noisy timings. Whatever each run's point estimate, no two runs may disagree passed/failed."""
    decided = set()
    for seed in range(12):
        m = evaluate_overhead(synthetic(*noisy(1.05, spread=0.45, seed=seed)))
        outcome = outcomes(m)["PERF-02"]
        assert outcome in (PASSED, CANT_TELL), (seed, m.measurements, m.intervals)
        decided.add(outcome)
    assert CANT_TELL in decided or PASSED in decided


def test_interval_straddling_is_cant_tell_but_another_threshold_broken_still_fails():
    m = Measurement(
        "filter_overhead",
        True,
        {"median_load_ratio": 1.1, "median_load_ms_direct": 3000.0, "median_load_ms_filtered": 3500.0},
        {"vi": "x", "en": "y"},
        intervals={"median_load_ratio": [1.0, 1.3]},
    )
    assert outcomes(m)["PERF-02"] == FAILED  # 3500 ms breaks the 3000 ms limit, no interval needed


# ----------------------------------------------------------------- the manifest's URL list


def test_corpus_csv_is_read_relative_to_the_manifest(tmp_path, monkeypatch):
    from checker.probes.manifest import read_manifest

    folder = tmp_path / "club"
    (folder / "lists").mkdir(parents=True)
    (folder / "lists" / "urls.csv").write_text("url,category,language\nhttp://a.example/,adult,vi\n", encoding="utf-8")
    (folder / "m.json").write_text(
        json.dumps(
            {
                "product_type": "kid_browser",
                "filtering": {"mode": "proxy", "proxy": "127.0.0.1:3128"},
                "corpus": {"csv": "lists/urls.csv"},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # not the manifest's folder
    manifest = read_manifest(folder / "m.json")
    assert manifest.corpus_csv() == folder.resolve() / "lists" / "urls.csv"
    from checker.corpus import load_url_list

    assert load_url_list(manifest.corpus_csv())[0].url == "http://a.example/"


def test_rta_explanation_on_a_url_list_does_not_say_unknown():
    pages = [
        {"url": "http://r/1", "verdict": "allowed", "how": "similar_to_direct", "rta": None, "status": 200},
        {"url": "http://r/2", "verdict": "blocked", "how": "differs_from_direct", "rta": None, "status": 200},
    ]
    m = evaluate_rta({"applicable": True, "pages": pages, "complete": True})
    assert "unknown" not in m.explanation["en"] and "không rõ" not in m.explanation["vi"]
    assert "URL list" in m.explanation["en"] and "danh sách URL" in m.explanation["vi"]


# ----------------------------------------------------------------- in a real browser: a proxy's own "not found" page


class _HalfBlindProxy:
    """A forward proxy that cannot reach some of the corpus (its gambling pages): for those it
    answers its own "server not found" page with HTTP 200, as some proxies do; it blocks the
    English adult pages with a 200 block page; everything else is forwarded as it is."""

    def __init__(self):
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urlsplit(self.path)
                if "/gambling-" in parts.path:
                    status, body = (
                        200,
                        (
                            "<html><head><title>Server not found</title></head><body><h1>Không tìm thấy "
                            "máy chủ / Server not found</h1><p>We cannot connect to the server at "
                            f"{parts.hostname}.</p></body></html>"
                        ).encode(),
                    )
                elif "/adult-en-" in parts.path:
                    status, body = 200, b"<html><head><title>Filter</title></head><body>Access denied.</body></html>"
                else:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                    conn.request("GET", parts.path or "/")
                    answer = conn.getresponse()
                    status, body = answer.status, answer.read()
                    conn.close()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.slow
def test_a_proxys_own_not_found_page_with_200_is_unreachable_not_blocked(tmp_path, event_loop_runner, browser_host):
    import csv as csv_module

    from checker.corpus import CorpusServer, sample
    from checker.probes.manifest import read_manifest
    from checker.probes.runner import ProbeSettings, run_probes

    proxy = _HalfBlindProxy()
    try:
        with CorpusServer(public_host="127.0.0.1") as server:
            pages = [
                p for p in sample(server.pages, 6, seed=3) if p.category in ("adult", "gambling", "child_friendly")
            ]
            with open(tmp_path / "list.csv", "w", newline="", encoding="utf-8") as fh:
                writer = csv_module.writer(fh)
                writer.writerow(["url", "category", "language"])  # no markers: judged against the direct fetch
                for p in [*pages, *server.controls]:
                    writer.writerow([p.url, p.category, p.language])
            (tmp_path / "m.json").write_text(
                json.dumps(
                    {
                        "product_type": "kid_browser",
                        "corpus": {"csv": "list.csv"},
                        "filtering": {"mode": "proxy", "proxy": f"127.0.0.1:{proxy.port}"},
                    }
                )
            )
            settings = ProbeSettings.from_env(allowed_networks=("127.0.0.0/8",), corpus_per_category=None)
            result = event_loop_runner.run_until_complete(
                run_probes(
                    read_manifest(tmp_path / "m.json"),
                    criteria_version=VERSION,
                    only=["content_filtering"],
                    settings=settings,
                    browser_host=browser_host,
                    out_dir=tmp_path / "out",
                )
            )
    finally:
        proxy.stop()
    (outcome,) = result.outcomes
    by_category: dict[str, set] = {}
    for record in outcome.artifact["pages"]:
        by_category.setdefault(record["category"], set()).add((record["language"], record["verdict"], record["how"]))
    assert by_category["gambling"] == {(lang, UNREACHABLE, "product_network_error") for lang in ("vi", "en")}
    assert ("en", BLOCKED, "differs_from_direct") in by_category["adult"]
    assert ("vi", ALLOWED, "similar_to_direct") in by_category["adult"]
    assert by_category["child_friendly"] == {(lang, ALLOWED, "similar_to_direct") for lang in ("vi", "en")}
    m = outcome.measurement
    assert m.measurements["block_rate_gambling"] is None and m.measurements["block_rate_adult"] == 0.5
    assert m.measurements["over_block_rate"] == 0.0
    assert "unreachable" in m.explanation["en"]


def test_one_measurements_interval_is_judged_on_its_own_constraint_only():
    """A filtered median clearly under 3000 ms must not 'fail' because the ratio's point is over 1.2:
    the ratio's own interval straddles 1.2, so the criterion cannot be told (a real Privoxy run)."""
    m = Measurement(
        "filter_overhead",
        True,
        {"median_load_ratio": 1.208, "median_load_ms_direct": 116.2, "median_load_ms_filtered": 143.35},
        {"vi": "x", "en": "y"},
        intervals={"median_load_ratio": [1.086, 1.324], "median_load_ms_filtered": [134.5, 167.25]},
    )
    assert outcomes(m) == {"PERF-01": PASSED, "PERF-02": CANT_TELL}
