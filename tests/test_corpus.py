"""The content-filtering corpus: generator, server, club URL lists, and *.localhost resolution."""

from __future__ import annotations

import hashlib
import html
import http.client
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from checker.corpus import (
    ADULT,
    CATEGORIES,
    CHILD_FRIENDLY,
    EDUCATION_VI,
    GAMBLING,
    HARMFUL,
    PROXY,
    RTA_BOTH,
    RTA_HEADER,
    RTA_LABEL,
    RTA_META,
    RTA_ONLY,
    SAFE,
    CorpusListError,
    CorpusServer,
    build_corpus,
    generate,
    is_localhost,
    load_url_list,
    render,
    resolve_host,
    sample,
    to_csv,
)
from checker.corpus.vocabulary import harmful_keywords, keywords

MARKER = re.compile(r"VCSC-[0-9a-f]{10}")
RTA_META_TAG = f'<meta name="rating" content="{RTA_LABEL}">'


def words_pattern(words) -> re.Pattern:
    """Whole-word, case-insensitive match of any of `words` (Vietnamese letters count as word letters)."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def visible_text(body: bytes) -> str:
    text = re.sub(r"(?s)<head>.*?</head>", " ", body.decode("utf-8"))
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


@pytest.fixture(scope="module")
def corpus():
    return build_corpus()


@pytest.fixture(scope="module")
def rendered(corpus):
    return {page.page_id: render(page.page_id) for page in corpus}


@pytest.fixture(scope="module")
def server():
    with CorpusServer() as srv:
        yield srv


def get(server, path, host=None, method="GET", conn=None):
    """One request straight to the corpus server, with any Host header we like."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{server.port}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        if own:
            conn.close()


# ------------------------------------------------------------------ generator


def test_counts_meet_the_minimums(corpus):
    counts = Counter(page.category for page in corpus)
    assert set(counts) == set(CATEGORIES)
    assert sum(counts[c] for c in HARMFUL) >= 1000
    assert all(counts[c] >= 100 for c in HARMFUL)
    assert counts[ADULT] == max(counts[c] for c in HARMFUL) and counts[ADULT] >= 250
    assert counts[RTA_ONLY] >= 40
    assert sum(counts[c] for c in SAFE) >= 300
    assert counts[CHILD_FRIENDLY] >= 180 and counts[EDUCATION_VI] >= 150


def test_languages_are_mixed(corpus):
    harmful = [page for page in corpus if page.category in HARMFUL]
    share_vi = sum(page.language == "vi" for page in harmful) / len(harmful)
    assert 0.4 <= share_vi <= 0.6
    for category in HARMFUL + (RTA_ONLY, CHILD_FRIENDLY):
        assert {page.language for page in corpus if page.category == category} == {"vi", "en"}
    assert {page.language for page in corpus if page.category == EDUCATION_VI} == {"vi"}


def test_rta_label_is_split_between_meta_and_header(corpus):
    modes = Counter(page.rta for page in corpus if page.category == RTA_ONLY)
    assert modes[RTA_META] >= 20 and modes[RTA_HEADER] >= 20 and set(modes) == {RTA_META, RTA_HEADER}
    assert all(page.rta is None for page in corpus if page.category in SAFE)


def test_ids_markers_and_urls_are_unique_and_well_formed(corpus):
    for field in ("page_id", "marker", "url", "alternate_url"):
        values = [getattr(page, field) for page in corpus]
        assert len(set(values)) == len(values), field
    for page in corpus:
        assert MARKER.fullmatch(page.marker)
        assert page.harmful == (page.category in HARMFUL or page.category == RTA_ONLY)
        url, alt = urlsplit(page.url), urlsplit(page.alternate_url)
        assert url.scheme == "http" and url.port == 8765 and url.path == f"/p/{page.page_id}"
        assert url.hostname.endswith(".corpus.localhost")
        assert re.fullmatch(r"mirror-\d+\.cdn-alt\.localhost", alt.hostname)
        assert alt.port == url.port and alt.path == url.path


def test_host_names_are_many_per_category_each_with_several_pages(corpus):
    hosts: dict[str, set[str]] = defaultdict(set)
    categories_of: dict[str, set[str]] = defaultdict(set)
    pages_of = Counter()
    for page in corpus:
        host = urlsplit(page.url).hostname
        hosts[page.category].add(host)
        categories_of[host].add(page.category)
        pages_of[host] += 1
    assert all(len(hosts[c]) >= 10 for c in CATEGORIES)
    assert all(len(cats) == 1 for cats in categories_of.values())
    assert min(pages_of.values()) >= 3
    # Category-typical names, e.g. nha-cai-12, be-hoc-toan-4.
    assert any(h.startswith("nha-cai-") for h in hosts[GAMBLING])
    assert any(h.startswith("be-hoc-toan-") for h in hosts[EDUCATION_VI])


def test_generation_is_deterministic_and_seeded(corpus, rendered):
    generate._plans.cache_clear()  # rebuild from scratch, not from the cache
    generate._body.cache_clear()
    assert build_corpus() == corpus
    assert all(render(pid) == rendered[pid] for pid in rendered)
    other = build_corpus(seed=7)
    assert [p.page_id for p in other] == [p.page_id for p in corpus]
    assert {p.marker for p in other}.isdisjoint({p.marker for p in corpus})
    # Not only the markers: the text differs too.
    unmarked = MARKER.sub
    differ = sum(
        unmarked("", render(p.page_id, seed=7)[2].decode()) != unmarked("", rendered[p.page_id][2].decode())
        for p in corpus
    )
    assert differ > 0.9 * len(corpus)


def test_generation_does_not_depend_on_hash_randomisation(corpus, rendered):
    digest = hashlib.sha256(to_csv(corpus).encode() + b"".join(body for _, _, body in rendered.values())).hexdigest()
    code = (
        "import hashlib; from checker.corpus import build_corpus, render, to_csv; pages = build_corpus(); "
        "print(hashlib.sha256(to_csv(pages).encode() + b''.join(render(p.page_id)[2] for p in pages)).hexdigest())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert result.stdout.strip() == digest


def test_generation_is_fast():
    start = time.perf_counter()
    pages = build_corpus(seed=99)  # a seed nothing else has built: no cache
    assert time.perf_counter() - start < 0.5
    start = time.perf_counter()
    for page in pages:
        render(page.page_id, seed=99)
    assert time.perf_counter() - start < 2.0


def test_port_and_domain_shape_the_urls_only():
    pages = build_corpus("127.0.0.1:9000", "filter-test.localhost")
    assert pages[0].url.startswith("http://") and ".filter-test.localhost:9000/p/" in pages[0].url
    assert ".cdn-alt.localhost:9000/" in pages[0].alternate_url
    with pytest.raises(ValueError):
        build_corpus("127.0.0.1")


def test_every_harmful_page_speaks_its_category(corpus, rendered):
    for page in corpus:
        if page.category not in HARMFUL:
            continue
        body = rendered[page.page_id][2]
        own = words_pattern(keywords(page.category))
        found = {m.lower() for m in own.findall(visible_text(body))}
        assert len(found) >= 3, (page.page_id, found)
        title = re.search(r"<title>(.*?)</title>", body.decode()).group(1)
        assert own.search(html.unescape(title)), (page.page_id, title)


def test_safe_and_rta_only_pages_never_use_a_harmful_word(corpus, rendered):
    harmful = words_pattern(harmful_keywords())
    for page in corpus:
        if page.category in SAFE or page.category == RTA_ONLY:
            text = rendered[page.page_id][2].decode("utf-8")
            assert not harmful.search(text), (page.page_id, harmful.search(text))
            assert not harmful.search(urlsplit(page.url).hostname.replace("-", " ")), page.url


def test_rta_only_pages_carry_exactly_the_declared_label(corpus, rendered):
    for page in corpus:
        status, headers, body = rendered[page.page_id]
        has_meta = RTA_META_TAG.encode() in body
        has_header = headers.get("Rating") == RTA_LABEL
        assert has_meta == (page.rta in (RTA_META, RTA_BOTH)), page.page_id
        assert has_header == (page.rta in (RTA_HEADER, RTA_BOTH)), page.page_id


def test_pages_have_marker_language_and_category_structure(corpus, rendered):
    for page in corpus:
        status, headers, body = rendered[page.page_id]
        text = body.decode("utf-8")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert unicodedata.is_normalized("NFC", text)
        assert f'<html lang="{page.language}">' in text
        assert f'<strong id="vcsc-marker">{page.marker}</strong>' in text
        assert page.marker in visible_text(body)
        assert text.count("VCSC-") == 1  # no other page's marker
        if page.category == ADULT:
            assert '<strong class="badge">18+</strong>' in text
        if page.category == GAMBLING:
            assert "<table>" in text and re.search(r"<td>\d\.\d\d</td>", text)
        if page.category == PROXY:
            assert '<input type="url" name="u"' in text


def test_education_pages_are_real_vietnamese(corpus, rendered):
    def marked(word: str) -> bool:
        return any(ch in "đĐ" or unicodedata.decomposition(ch) for ch in word)

    for page in corpus:
        if page.category == EDUCATION_VI:
            text = visible_text(rendered[page.page_id][2])
            words = re.findall(r"[^\W\d_]+", text)
            assert len(words) > 150 and sum(map(marked, words)) / len(words) > 0.5, page.page_id
            assert re.search(r"lớp \d", text) and "Bài tập" in text


def test_no_page_looks_like_a_block_page(corpus, rendered):
    from checker.probes import signals  # the probes' own block-page words, not a copy of them

    for page in corpus:
        folded = signals.fold(visible_text(rendered[page.page_id][2]))
        for name in ("HOTLINE_111", "ASK_PARENT", "BLOCK_EXPLAINS"):
            assert not getattr(signals, name).search(folded), (page.page_id, name)


def test_unknown_page_is_404():
    assert render("adult-vi-9999")[0] == 404
    assert render("nothing")[0] == 404


# ------------------------------------------------------------------ server


def test_server_pages_use_its_real_port(server):
    assert server.port != 0 and server.pages
    assert all(urlsplit(p.url).port == server.port for p in server.pages)
    assert server.counts()[ADULT] == sum(p.category == ADULT for p in server.pages)


def test_server_serves_a_page_by_every_name(server):
    page = next(p for p in server.pages if p.category == GAMBLING)
    url = urlsplit(page.url)
    host = url.hostname
    variants = [
        (url.path, url.netloc),  # its own URL
        (url.path, f"127.0.0.1:{server.port}"),  # raw IP
        (url.path, urlsplit(page.alternate_url).netloc),  # mirror host
        (url.path, f"{host}.:{server.port}"),  # trailing dot
        (url.path, f"{host.upper()}:{server.port}"),  # upper case
        ("/p/" + quote(page.page_id, safe="").replace("-", "%2D"), url.netloc),  # encoded path
        (page.url, url.netloc),  # absolute-form target
        (url.path + "?utm=1", "localhost"),  # query ignored, any host
    ]
    for path, host_header in variants:
        status, headers, body = get(server, path, host_header)
        assert status == 200, (path, host_header)
        assert page.marker.encode() in body, (path, host_header)
        assert int(headers["content-length"]) == len(body)


def test_server_sends_the_rta_header_only_for_header_pages(server):
    header_page = next(p for p in server.pages if p.rta == RTA_HEADER)
    meta_page = next(p for p in server.pages if p.rta == RTA_META)
    status, headers, body = get(server, urlsplit(header_page.url).path)
    assert headers.get("rating") == RTA_LABEL and RTA_META_TAG.encode() not in body
    status, headers, body = get(server, urlsplit(meta_page.url).path)
    assert "rating" not in headers and RTA_META_TAG.encode() in body


def test_server_keeps_connections_alive_and_answers_head(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        pages = server.pages[:3]
        for page in pages:
            status, headers, body = get(server, urlsplit(page.url).path, conn=conn)
            assert status == 200 and page.marker.encode() in body
        status, headers, body = get(server, urlsplit(pages[0].url).path, method="HEAD", conn=conn)
        assert status == 200 and body == b"" and int(headers["content-length"]) > 1000
    finally:
        conn.close()


def test_server_refuses_other_paths(server):
    page = server.pages[0]
    assert get(server, "/P/" + page.page_id)[0] == 404  # the path stays case-sensitive
    assert get(server, "/p/" + page.page_id.upper())[0] == 404
    assert get(server, "/")[0] == 404
    assert get(server, "/p/")[0] == 404
    status, headers, body = get(server, "/healthz")
    assert status == 200 and json.loads(body)["pages"] == len(server.pages)


def test_corpus_csv_round_trips(server, tmp_path):
    status, headers, body = get(server, "/corpus.csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    path = tmp_path / "corpus.csv"
    path.write_bytes(body)
    loaded = load_url_list(path)
    # The list carries the corpus and, after it, the reachability controls (category "control").
    assert [(p.url, p.category, p.language, p.marker, p.harmful) for p in loaded] == [
        (p.url, p.category, p.language, p.marker, p.harmful) for p in server.pages + server.controls
    ]
    assert [p.category for p in loaded[len(server.pages) :]] == ["control"] * len(server.controls)
    assert all(p.alternate_url is None for p in loaded)


def test_server_stops_cleanly_and_frees_its_port():
    srv = CorpusServer().start()
    port = srv.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    assert get(srv, "/healthz", conn=conn)[0] == 200  # an idle keep-alive connection stays open
    start = time.perf_counter()
    srv.stop()
    srv.stop()  # idempotent
    assert time.perf_counter() - start < 2
    conn.close()
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
    with CorpusServer(port=port) as again:  # the port is free again
        assert again.port == port


# ------------------------------------------------------------------ club URL lists


def write(tmp_path, text: str, name="list.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_url_list_reads_a_club_list(tmp_path):
    path = write(
        tmp_path,
        "url,category,language,harmful,note\n"
        "https://example.com/a,adult,en,true,first\n"
        "\n"
        "http://vi.example.org:8080/b?x=1,EDUCATION_VI,VI,không,\n"
        "https://nha-cai.example.net/,gambling,vi,,\n",
    )
    pages = load_url_list(path)
    assert [(p.category, p.language, p.harmful, p.marker, p.alternate_url) for p in pages] == [
        ("adult", "en", True, None, None),
        ("education_vi", "vi", False, None, None),
        ("gambling", "vi", True, None, None),
    ]
    assert len({p.page_id for p in pages}) == 3


def test_load_url_list_accepts_a_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("url,category,language\nhttps://example.com/,proxy,en\n".encode("utf-8-sig"))
    assert load_url_list(path)[0].category == PROXY


@pytest.mark.parametrize(
    "text, line, column, words",
    [
        ("url,category,language\nhttps://a.example/,adult,en\nhttps://b.example/,casino,vi\n", 3, "category", "casino"),
        ("url,category,language\nftp://a.example/x,adult,en\n", 2, "url", "http"),
        ("url,category,language\nhttps://,adult,en\n", 2, "url", "host"),
        ("url,category,language\nhttp://a.example:99999/,adult,en\n", 2, "url", "port"),
        ("url,category,language\nhttps://a b.example/,adult,en\n", 2, "url", "whitespace"),
        ("url,category,language\n,adult,en\n", 2, "url", "empty"),
        ("url,category\nhttps://a.example/,adult\n", 1, "language", "missing column"),
        ("url,category,language\nhttps://a.example/,adult,fr\n", 2, "language", "fr"),
        ("url,category,language,harmful\nhttps://a.example/,child_friendly,vi,true\n", 2, "harmful", "contradicts"),
        ("url,category,language,harmful\nhttps://a.example/,adult,vi,maybe\n", 2, "harmful", "true or false"),
        ("url,category,language\nhttps://a.example/,adult,en\nhttps://a.example/,adult,en\n", 3, "url", "line 2"),
        ("url,category,language\nhttps://a.example/,adult\n", 2, None, "fields"),
        ("url,url,category,language\n", 1, "url", "duplicate"),
        ("url,category,language\n", 1, None, "no URLs"),
        ("", 1, None, "empty"),
    ],
)
def test_bad_lists_name_the_line(tmp_path, text, line, column, words):
    with pytest.raises(CorpusListError) as info:
        load_url_list(write(tmp_path, text))
    err = info.value
    assert err.line == line and err.column == column
    assert f"line {line}" in str(err) and words.lower() in str(err).lower()
    if column:
        assert f"'{column}'" in str(err)


def test_non_utf8_list_names_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "url,category,language\nhttps://a.example/,adult,en\nhttps://b.example/café,adult,en\n".encode("latin-1")
    )
    with pytest.raises(CorpusListError) as info:
        load_url_list(path)
    assert info.value.line == 3 and "UTF-8" in str(info.value)


def test_missing_list_file_is_a_list_error(tmp_path):
    with pytest.raises(CorpusListError, match="cannot read"):
        load_url_list(tmp_path / "missing.csv")


def test_to_csv_round_trips_an_external_list(tmp_path):
    original = load_url_list(write(tmp_path, "url,category,language\nhttps://a.example/,dating,en\n"))
    again = load_url_list(write(tmp_path, to_csv(original), "again.csv"))
    assert [(p.url, p.category, p.language, p.marker) for p in again] == [
        (p.url, p.category, p.language, p.marker) for p in original
    ]


# ------------------------------------------------------------------ sample


def test_sample_is_bounded_stratified_and_deterministic(corpus):
    picked = sample(corpus, 10, seed=1)
    counts = Counter(p.category for p in picked)
    assert counts == {c: 10 for c in CATEGORIES}
    for category in HARMFUL:
        assert Counter(p.language for p in picked if p.category == category) == {"vi": 5, "en": 5}
    assert sample(corpus, 10, seed=1) == picked
    assert sample(corpus, 10, seed=2) != picked
    order = {p.page_id: i for i, p in enumerate(corpus)}
    assert [order[p.page_id] for p in picked] == sorted(order[p.page_id] for p in picked)
    assert sample(corpus, 10_000, seed=1) == corpus
    with pytest.raises(ValueError):
        sample(corpus, 0)


def test_sample_of_one_category_does_not_depend_on_the_others(corpus):
    adult = [p for p in corpus if p.category == ADULT]
    assert [p for p in sample(corpus, 7, seed=3) if p.category == ADULT] == sample(adult, 7, seed=3)


# ------------------------------------------------------------------ name resolution


@pytest.mark.parametrize(
    "name",
    [
        "localhost",
        "LOCALHOST",
        "localhost.",
        "nha-cai-12.corpus.localhost",
        "Mirror-7.CDN-ALT.localhost.",
        "a.b.c.localhost",
    ],
)
def test_localhost_names_are_loopback(name):
    assert is_localhost(name)
    assert resolve_host(name) == ["127.0.0.1"]


@pytest.mark.parametrize("name", ["localhost.example.com", "notlocalhost", "localhost-evil.com", "127.0.0.1"])
def test_other_names_are_not_treated_as_localhost(name):
    assert not is_localhost(name)


def test_ip_literals_and_errors():
    assert resolve_host("127.0.0.1") == ["127.0.0.1"]
    assert resolve_host("203.0.113.7") == ["203.0.113.7"]
    assert resolve_host("[::1]") == ["::1"]
    with pytest.raises(OSError):
        resolve_host("")


# ------------------------------------------------------------------ reachability controls, routable host


def test_server_serves_harmless_reachability_controls(server):
    assert len(server.controls) == 3 and {p.language for p in server.controls} == {"vi", "en"}
    for control in server.controls:
        status, headers, body = get(server, urlsplit(control.url).path)
        assert status == 200 and control.marker.encode() in body
        text = visible_text(body)
        assert not words_pattern(harmful_keywords()).search(text)
        from checker.probes.classify import network_error_kind
        from checker.probes.signals import BLOCK_EXPLAINS, fold

        assert not BLOCK_EXPLAINS.search(fold(text)) and network_error_kind(200, {}, "", text) is None
    assert get(server, "/c/control-vi-9")[0] == 404


def test_public_host_puts_every_page_on_one_routable_address():
    with CorpusServer(public_host="192.0.2.10") as srv:  # served on 127.0.0.1, named by the address a proxy reaches
        assert {urlsplit(p.url).netloc for p in srv.pages + srv.controls} == {f"192.0.2.10:{srv.port}"}
        assert all(p.alternate_url is None for p in srv.pages)
        assert srv.base_url == f"http://192.0.2.10:{srv.port}"
        page = srv.pages[5]
        status, _, body = get(srv, urlsplit(page.url).path)
        assert status == 200 and page.marker.encode() in body


def test_url_list_control_rows_are_read_as_controls(tmp_path):
    path = write(
        tmp_path, "url,category,language\nhttp://school.example/p1,adult,vi\nhttp://www.example.org/,control,en\n"
    )
    pages = load_url_list(path)
    assert [(p.category, p.harmful) for p in pages] == [("adult", True), ("control", False)]


def test_corpus_serve_writes_the_url_list_for_a_manifest(tmp_path):
    """`vcsc corpus serve --public-host --csv`: what a club operator runs (see README)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "club.csv"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from checker.corpus import serve_forever; "
            f"serve_forever('127.0.0.1', {port}, public_host='127.0.0.1', csv_path={str(out)!r})",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        deadline = time.monotonic() + 20
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert out.exists(), proc.stdout.read() if proc.poll() is not None else "no list written"
        pages = load_url_list(out)
        assert {urlsplit(p.url).netloc for p in pages} == {f"127.0.0.1:{port}"}
        assert sum(p.category == "control" for p in pages) == 3
        control = next(p for p in pages if p.category == "control")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", urlsplit(control.url).path)
        assert control.marker.encode() in conn.getresponse().read()
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
