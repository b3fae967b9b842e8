"""The demo products behave as a careful (SafeKid) and a careless (FunZone) vendor's product:
plain HTTP through their proxies and to their portals, no browser."""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import re
import socket
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from checker.probes.manifest import validate_manifest
from demo_products import serve_all, start_funzone, start_safekid
from demo_products.funzone.blocklist import known_bad_hosts
from demo_products.proxy import ForwardProxy, Policy, ProxyResponse
from demo_products.resolve import resolve_host
from demo_products.safekid.filtering import score_page

RTA = "RTA-5042-1996-1400-1577-RTA"


def _page(title: str, heading: str, body: str, marker: str, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body><h1>{heading}</h1><p>{body}</p><p>Mã trang: {marker}</p></body></html>"
    )


PAGES = {
    "/be-hoc": (
        {},
        _page(
            "Bé vui học chữ cái",
            "Học chữ A, Ă, Â cùng bạn Thỏ",
            "Hôm nay bé tô màu chữ cái, hát bài Bảng chữ cái và chơi trò ghép chữ.",
            "MARK-KIDS",
        ),
    ),
    "/lich-su": (
        {},
        _page(
            "Lịch sử lớp 5 – Chiến thắng Điện Biên Phủ",
            "Bài 14: Chiến thắng Điện Biên Phủ",
            "Năm 1954, quân và dân ta giành thắng lợi. Học sinh đọc sách giáo khoa trang 38 "
            "và trả lời câu hỏi. Ghi nhớ: hoa súng nở trên hồ.",
            "MARK-EDU",
        ),
    ),
    "/kids-en": (
        {},
        _page(
            "Animal friends: the elephant",
            "Meet Ellie the elephant",
            "Elephants love water and eat grass. Colour the picture and sing along!",
            "MARK-KIDS-EN",
        ),
    ),
    "/casino": (
        {},
        _page(
            "Nhà cái uy tín – cá cược bóng đá, casino trực tuyến",
            "Kèo nhà cái hôm nay",
            "Đặt cược ngay, nạp tiền lần đầu nhận thưởng 100%. Tài xỉu, nổ hũ, lô đề online.",
            "MARK-GAMBLING",
        ),
    ),
    "/adult-en": (
        {},
        _page(
            "Free porn videos – XXX tube",
            "Hot adult videos",
            "Watch free sex videos, nude cam girls, adults only 18+.",
            "MARK-ADULT",
        ),
    ),
    "/rta-meta": (
        {},
        _page(
            "Nhật ký du lịch: một ngày ở Huế",
            "Phố cổ và những con đường",
            "Sáng nay trời đẹp, chúng tôi đi dạo quanh Đại Nội.",
            "MARK-RTA-META",
            head=f'<meta name="rating" content="{RTA}">',
        ),
    ),
    "/rta-header": (
        {"Rating": RTA},
        _page(
            "Green kitchen: slow mornings",
            "Porridge with apples",
            "A quiet breakfast for a rainy Sunday.",
            "MARK-RTA-HEADER",
        ),
    ),
}


class _SiteHandler(BaseHTTPRequestHandler):
    """A stand-in web site: routes by decoded path and ignores the Host header, like the corpus."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _send(self, status: int, headers: dict, body: bytes, send_body: bool = True) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET(send_body=False)

    def do_GET(self, send_body: bool = True):
        path = unquote(urlsplit(self.path).path)
        if path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"xin ", b"ch\xc3\xa0o"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/gzip":
            body = gzip.compress(PAGES["/casino"][1].encode())
            self._send(200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, body)
            return
        if path == "/headers":
            text = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
            self._send(200, {"Content-Type": "text/plain"}, text.encode())
            return
        headers, html = PAGES.get(path, ({}, None))
        if html is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found", send_body)
            return
        self._send(200, {"Content-Type": "text/html; charset=utf-8", **headers}, html.encode(), send_body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._send(200, {"Content-Type": "application/octet-stream"}, b"echo:" + body)


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SiteHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def safekid():
    with start_safekid() as product:
        yield product


@pytest.fixture(scope="module")
def funzone():
    # Shorter latency keeps the suite fast; it is still far above SafeKid's.
    with start_funzone(latency=(0.02, 0.03)) as product:
        yield product


def fetch(proxy: str, url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """(status, headers, text) of one request through `proxy`, the URL sent exactly as written."""
    host, port = proxy.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, url, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data.decode("utf-8", "replace")
    finally:
        conn.close()


def allowed(result, marker: str) -> bool:
    status, _, text = result
    return status == 200 and marker in text


def client(product) -> httpx.Client:
    """A browser-like client: through the product's proxy, cookies kept, self-signed TLS accepted."""
    return httpx.Client(proxy=f"http://{product.proxy_address}", verify=False, timeout=10, follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def log_in(http: httpx.Client, product, account: str) -> None:
    credentials = product.accounts[account]
    response = http.post(
        product.origin + "/dang-nhap", data={"email": credentials["username"], "password": credentials["password"]}
    )
    assert response.status_code == 303, response.text


# ---------------------------------------------------------------------------------- proxy
def test_resolve_host_maps_localhost_names_to_loopback():
    assert resolve_host("nha-cai-12.corpus.localhost") == ["127.0.0.1"]
    assert resolve_host("SafeKid.LOCALHOST.") == ["127.0.0.1"]
    assert resolve_host("127.0.0.1") == ["127.0.0.1"]


def test_proxy_forwards_get_head_post_and_chunked_with_keep_alive(site):
    with ForwardProxy() as proxy:
        host, port = proxy.address.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            # Several requests on one client connection (keep-alive), to two host names.
            conn.request("GET", f"http://a.localhost:{site}/be-hoc")
            first = conn.getresponse()
            assert first.status == 200 and "MARK-KIDS" in first.read().decode()
            conn.request("HEAD", f"http://b.localhost:{site}/be-hoc")
            head = conn.getresponse()
            assert head.status == 200 and int(head.getheader("Content-Length")) > 100 and head.read() == b""
            conn.request(
                "POST",
                f"http://a.localhost:{site}/form",
                body=b"ten=An&lop=5",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert conn.getresponse().read() == b"echo:ten=An&lop=5"
            conn.request("GET", f"http://a.localhost:{site}/chunked")
            chunked = conn.getresponse()
            assert chunked.getheader("Content-Length") == str(len("xin chào".encode()))
            assert chunked.read().decode() == "xin chào"
            conn.request("GET", f"http://a.localhost:{site}/headers", headers={"Proxy-Connection": "keep-alive"})
            sent = conn.getresponse().read().decode().lower()
            assert "host: a.localhost:" in sent and "proxy-connection" not in sent
        finally:
            conn.close()
        assert fetch(proxy.address, "http://a.localhost:1/")[0] == 502  # nothing listens there
        assert fetch(proxy.address, "http://example.com/")[0] == 502  # never out of the test bed
        assert fetch(proxy.address, "/origin-form")[0] == 400


def test_policy_judges_request_and_response(site):
    class NoElephants(Policy):
        def check_request(self, request):
            return ProxyResponse.plain(403, "host refused") if request.host.startswith("bad") else None

        async def check_response(self, request, response):
            return ProxyResponse.plain(403, "content refused") if "elephant" in response.text() else None

    with ForwardProxy(NoElephants()) as proxy:
        assert fetch(proxy.address, f"http://bad.localhost:{site}/be-hoc")[2] == "host refused"
        assert fetch(proxy.address, f"http://good.localhost:{site}/kids-en")[2] == "content refused"
        assert allowed(fetch(proxy.address, f"http://good.localhost:{site}/be-hoc"), "MARK-KIDS")


def test_proxy_survives_upstream_closing_an_idle_keep_alive_connection():
    class Impatient(_SiteHandler):
        timeout = 0.2  # closes an idle keep-alive connection sooner than the proxy forgets it

    server = ThreadingHTTPServer(("127.0.0.1", 0), Impatient)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with ForwardProxy() as proxy:
            url = f"http://kids.localhost:{server.server_address[1]}/be-hoc"
            assert allowed(fetch(proxy.address, url), "MARK-KIDS")
            time.sleep(0.5)
            assert allowed(fetch(proxy.address, url), "MARK-KIDS")
    finally:
        server.shutdown()
        server.server_close()


def test_proxy_handles_many_sequential_page_loads_quickly(site):
    # A median, not a mean: a busy machine adds spikes, a real defect (Nagle's 40 ms delayed
    # ACK, a connection per request) moves every load.
    times = []
    with ForwardProxy() as proxy, httpx.Client(proxy=f"http://{proxy.address}") as http:
        for _ in range(200):
            started = time.perf_counter()
            assert http.get(f"http://kids.localhost:{site}/be-hoc").status_code == 200
            times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.03


def test_connect_tunnel_reaches_the_https_portal(safekid):
    with client(safekid) as http:
        response = http.get(safekid.portal_url)
    assert response.status_code == 200
    assert "max-age=" in response.headers["strict-transport-security"]
    assert "Báo cáo vi phạm" in response.text


# --------------------------------------------------------------------------- SafeKid filter
def test_safekid_allows_child_friendly_and_education_pages(safekid, site):
    for path, marker in (("/be-hoc", "MARK-KIDS"), ("/lich-su", "MARK-EDU"), ("/kids-en", "MARK-KIDS-EN")):
        assert allowed(fetch(safekid.proxy_address, f"http://be-vui-hoc-4.corpus.localhost:{site}{path}"), marker)


def test_safekid_blocks_by_content_with_a_block_page_that_explains(safekid, site):
    status, _, text = fetch(safekid.proxy_address, f"http://tin-the-thao-7.corpus.localhost:{site}/casino")
    assert status == 403 and "MARK-GAMBLING" not in text
    assert "SafeKid đã chặn trang này" in text and "Cờ bạc" in text and "Gambling" in text
    assert "Hỏi ý kiến bố mẹ" in text and "Ask a parent" in text
    assert "Tổng đài quốc gia bảo vệ trẻ em" in text and 'href="tel:111"' in text
    assert f'action="{safekid.origin}/hoi-bo-me"' in text
    status, _, text = fetch(safekid.proxy_address, f"http://videos.localhost:{site}/adult-en")
    assert status == 403 and "Nội dung người lớn" in text
    # A gzip body is read too, not waved through.
    assert fetch(safekid.proxy_address, f"http://tin-tuc.localhost:{site}/gzip")[0] == 403


def test_safekid_honours_the_rta_label_and_funzone_does_not(safekid, funzone, site):
    for path, marker in (("/rta-meta", "MARK-RTA-META"), ("/rta-header", "MARK-RTA-HEADER")):
        url = f"http://ghi-chep-5.corpus.localhost:{site}{path}"
        status, _, text = fetch(safekid.proxy_address, url)
        assert status == 403 and "RTA" in text
        assert allowed(fetch(funzone.proxy_address, url), marker)


def test_bypass_tricks_stay_blocked_at_safekid_and_pass_funzone(safekid, funzone, site):
    listed = sorted(known_bad_hosts("corpus.localhost"))[0]
    tricks = [
        f"http://{listed}:{site}/casino",  # the name on the list
        f"http://127.0.0.1:{site}/casino",  # raw IP
        f"http://mirror-7.cdn-alt.localhost:{site}/casino",  # another host name
        f"http://{listed.upper()}:{site}/casino",  # upper case
        f"http://{listed}.:{site}/casino",  # trailing dot
        f"http://{listed}:{site}/%63%61sino",
    ]  # percent-encoded path
    for url in tricks:
        assert fetch(safekid.proxy_address, url)[0] == 403, url
    assert fetch(funzone.proxy_address, tricks[0])[0] == 403
    for url in tricks[1:5]:
        assert allowed(fetch(funzone.proxy_address, url), "MARK-GAMBLING"), url
    # FunZone's list knows host names only, so a path trick on a listed name still fails.
    assert fetch(funzone.proxy_address, tricks[5])[0] == 403
    # SafeKid also judges HTTPS by name: CONNECT to a gambling host is refused.
    assert fetch(safekid.proxy_address, "casino-royal-7.corpus.localhost:443", method="CONNECT")[0] == 403


def test_funzone_block_page_is_bare_and_it_over_blocks_innocent_names(funzone, site):
    status, headers, text = fetch(funzone.proxy_address, f"http://game-hoc-toan-3.corpus.localhost:{site}/be-hoc")
    assert status == 403 and "<h1>403 Forbidden</h1>" in text
    assert "111" not in text and "parent" not in text.lower() and "bố mẹ" not in text
    assert fetch(funzone.proxy_address, f"http://dao-duc-lop-3.corpus.localhost:{site}/lich-su")[0] == 403
    assert allowed(fetch(funzone.proxy_address, f"http://be-vui-hoc-4.corpus.localhost:{site}/be-hoc"), "MARK-KIDS")


def test_funzone_adds_visible_latency(safekid, funzone, site):
    def median_seconds(proxy: str) -> float:
        times = []
        with httpx.Client(proxy=f"http://{proxy}") as http:
            for _ in range(9):
                started = time.perf_counter()
                http.get(f"http://be-vui-hoc-4.corpus.localhost:{site}/be-hoc")
                times.append(time.perf_counter() - started)
        return statistics.median(times)

    funzone_median, safekid_median = median_seconds(funzone.proxy_address), median_seconds(safekid.proxy_address)
    assert funzone_median >= 0.02 and safekid_median < funzone_median


def test_safekid_filter_keeps_prevention_lessons_allowed():
    lesson = _page(
        "Phòng chống tác hại của ma túy",
        "Nói không với ma túy",
        "Bài học giúp học sinh nhận biết tác hại của ma túy và thuốc lắc.",
        "M",
    )
    shop = _page("Bán cần sa, thuốc lắc giao hàng kín đáo", "Cỏ Mỹ giá rẻ", "Ma túy đá, ketamine, nước vui.", "M")
    assert max(score_page(lesson).values()) < 6 <= score_page(shop)["drugs"]


# --------------------------------------------------------------------------- SafeKid portal
def test_safekid_settings_refused_for_the_child_and_accepted_for_the_parent(safekid):
    before = safekid.store.settings()
    with client(safekid) as child:
        log_in(child, safekid, "child")
        page = child.get(safekid.origin + "/cai-dat")
        assert page.status_code == 200 and "Mã PIN của cha mẹ" in page.text
        change = {"csrf": csrf_of(page.text), "muc_loc": "16+", "gioi_han_phut": "600"}
        refused = child.post(safekid.origin + "/cai-dat", data=change)
        assert refused.status_code == 403 and "Cần mã PIN của cha mẹ" in refused.text
        wrong = child.post(safekid.origin + "/cai-dat", data={**change, "ma_pin": "0000"})
        assert wrong.status_code == 403 and "không đúng" in wrong.text
        after = safekid.store.settings()
        assert (after.filter_level, after.daily_minutes) == (before.filter_level, before.daily_minutes)
    with client(safekid) as parent:
        log_in(parent, safekid, "parent")
        page = parent.get(safekid.origin + "/cai-dat")
        assert "ma_pin" not in page.text
        saved = parent.post(
            safekid.origin + "/cai-dat", data={"csrf": csrf_of(page.text), "muc_loc": "12+", "gioi_han_phut": "90"}
        )
        assert saved.status_code == 303
        assert (safekid.store.settings().filter_level, safekid.store.settings().daily_minutes) == ("12+", 90)
        restore = parent.post(
            safekid.origin + "/cai-dat",
            data={
                "csrf": csrf_of(page.text),
                "muc_loc": before.filter_level,
                "gioi_han_phut": str(before.daily_minutes),
            },
        )
        assert restore.status_code == 303


def test_safekid_signup_routes_under_16_to_parents_and_refuses_a_retry(safekid):
    today = dt.date.today()
    with client(safekid) as http:
        form = http.get(safekid.origin + "/dang-ky").text
        date_input = re.search(r"<input[^>]*name=\"ngay_sinh\"[^>]*>", form).group(0)
        assert 'type="date"' in date_input and "value=" not in date_input and "selected" not in form
        assert "/chinh-sach-quyen-rieng-tu" in form and "Chính sách quyền riêng tư" in form
        accounts_before = set(safekid.store.accounts)
        child_birth = today.replace(year=today.year - 11).isoformat()
        first = http.post(
            safekid.origin + "/dang-ky",
            data={"ngay_sinh": child_birth, "email": "an@example.vn", "password": "matkhau123"},
        )
        assert first.status_code == 303 and first.headers["location"] == "/dang-ky/cha-me"
        parent_flow = http.get(safekid.origin + "/dang-ky/cha-me")
        assert "Cần cha mẹ đăng ký" in parent_flow.text and "A parent must register" in parent_flow.text
        retry = http.post(
            safekid.origin + "/dang-ky",
            data={"ngay_sinh": "1990-01-01", "email": "an@example.vn", "password": "matkhau123"},
        )
        assert retry.status_code == 403 and "Không thể đổi ngày sinh" in retry.text
        assert set(safekid.store.accounts) == accounts_before
    with client(safekid) as adult:
        created = adult.post(
            safekid.origin + "/dang-ky",
            data={"ngay_sinh": "1990-01-01", "email": "lan@example.vn", "password": "matkhau123"},
        )
        assert created.status_code == 303 and safekid.store.accounts["lan@example.vn"].role == "member"


def test_safekid_portal_has_no_trackers_cookies_or_geolocation_before_consent(safekid):
    with client(safekid) as http:
        home = http.get(safekid.portal_url)
        assert "set-cookie" not in home.headers
        assert "geolocation=()" in home.headers["permissions-policy"]
        assert "geolocation" not in home.text
        sources = re.findall(r'(?:src|href)="(https?://[^"]+)"', home.text)
        assert all(urlsplit(url).hostname == safekid.host for url in sources)
        # The report control is one click from the start page; 111 is on every page.
        assert re.search(r'<a[^>]*href="/bao-cao"[^>]*>Báo cáo vi phạm', home.text)
        report = http.get(safekid.origin + "/bao-cao")
        assert "Gửi báo cáo" in report.text and "111" in report.text
        sent = http.post(safekid.origin + "/bao-cao", data={"loai": "nguoi-la", "mo_ta": "Có người lạ nhắn tin."})
        assert sent.status_code == 303 and safekid.store.reports


def test_safekid_block_page_ask_a_parent_reaches_the_parent(safekid, site):
    _, _, block = fetch(safekid.proxy_address, f"http://tin-the-thao-7.corpus.localhost:{site}/casino")
    assert 'name="loi_nhan"' in block
    with client(safekid) as http:
        sent = http.post(
            safekid.origin + "/hoi-bo-me",
            data={
                "url": "http://tin-the-thao-7.corpus.localhost/casino",
                "danh_muc": "gambling",
                "loi_nhan": "Con làm bài tập",
            },
        )
        assert sent.status_code == 200 and "Đã gửi yêu cầu" in sent.text
    with client(safekid) as parent:
        log_in(parent, safekid, "parent")
        account = parent.get(safekid.origin + "/tai-khoan").text
        assert "Con làm bài tập" in account and "tin-the-thao-7" in account


def test_transport_https_hsts_redirect_and_security_txt(safekid, funzone):
    with client(safekid) as http:
        redirect = http.get(safekid.http_url + "dang-ky")
        assert redirect.status_code == 301
        assert redirect.headers["location"] == safekid.origin + "/dang-ky"
        security = http.get(safekid.origin + "/.well-known/security.txt")
        assert security.status_code == 200 and "Contact: mailto:" in security.text and "Expires: " in security.text
    with client(funzone) as http:
        home = http.get(funzone.portal_url)
        assert "strict-transport-security" not in home.headers
        assert http.get(funzone.origin + "/.well-known/security.txt").status_code == 404
    assert funzone.https_url is None and safekid.https_url.startswith("https://")


# --------------------------------------------------------------------------- FunZone portal
def test_funzone_tracks_before_consent_and_asks_for_location(funzone):
    with client(funzone) as http:
        home = http.get(funzone.portal_url).text
        assert "https://www.google-analytics.com/analytics.js" in home
        assert "https://connect.facebook.net/" in home
        assert "navigator.geolocation.getCurrentPosition" in home
        ad = re.search(r'src="(http://ads\.funzone-ads\.localhost:\d+/[^"]+)"', home).group(1)
        banner = http.get(ad.replace("&amp;", "&"))
        assert banner.status_code == 200 and "SameSite=none" in banner.headers["set-cookie"]
        # No report control, no hotline, no privacy link where data is collected.
        for text in (home, http.get(funzone.origin + "/dang-ky").text, http.get(funzone.origin + "/dang-nhap").text):
            assert not re.search(r"báo cáo|report|\b111\b", text, re.I)
        for path in ("/dang-ky", "/dang-nhap"):
            assert not re.search(r"privacy|quyền riêng tư", http.get(funzone.origin + path).text, re.I)


def test_funzone_signup_prefills_age_and_creates_a_child_account(funzone):
    with client(funzone) as http:
        form = http.get(funzone.origin + "/dang-ky").text
        assert re.search(r'<option value="2000"\s+selected', form) and re.search(r"\bchecked\b", form)
        young = dt.date.today().year - 10
        first = http.post(
            funzone.origin + "/dang-ky",
            data={"email": "na@example.vn", "password": "x", "ngay": "3", "thang": "4", "nam": str(young)},
        )
        assert first.status_code == 303 and funzone.store.accounts["na@example.vn"].birth_date.year == young
        retry = http.post(
            funzone.origin + "/dang-ky",
            data={"email": "na@example.vn", "password": "x", "ngay": "3", "thang": "4", "nam": "1990"},
        )
        assert retry.status_code == 303 and funzone.store.accounts["na@example.vn"].birth_date.year == 1990


def test_funzone_child_turns_the_filter_off_without_a_pin(funzone, site):
    listed = sorted(known_bad_hosts("corpus.localhost"))[0]
    assert fetch(funzone.proxy_address, f"http://{listed}:{site}/casino")[0] == 403
    with client(funzone) as child:
        log_in(child, funzone, "child")
        assert (
            child.post(funzone.origin + "/cai-dat", data={"muc_loc": "tat", "gioi_han_phut": "999"}).status_code == 303
        )
        try:
            assert funzone.store.filter_level() == "tat" and funzone.store.daily_minutes == 999
            assert allowed(fetch(funzone.proxy_address, f"http://{listed}:{site}/casino"), "MARK-GAMBLING")
        finally:
            child.post(funzone.origin + "/cai-dat", data={"muc_loc": "co-ban", "gioi_han_phut": "180"})


# --------------------------------------------------------------------------- both
@pytest.mark.parametrize("name", ["safekid", "funzone"])
def test_every_page_answers_200(name, request):
    product = request.getfixturevalue(name)
    paths = {
        "safekid": [
            "/",
            "/hoc-tap",
            "/bao-cao",
            "/dang-ky",
            "/dang-ky/cha-me",
            "/dang-nhap",
            "/chinh-sach-quyen-rieng-tu",
            "/hoi-bo-me",
            "/static/site.css",
        ],
        "funzone": ["/", "/tro-choi", "/lien-he", "/privacy", "/dang-ky", "/dang-nhap"],
    }[name]
    with client(product) as http:
        for path in paths:
            assert http.get(product.origin + path).status_code == 200, path
        log_in(http, product, "child")
        for path in ("/tai-khoan", "/cai-dat"):
            assert http.get(product.origin + path).status_code == 200, path


@pytest.mark.parametrize("name", ["safekid", "funzone"])
def test_manifest_is_valid_and_points_at_the_running_product(name, request):
    product = request.getfixturevalue(name)
    manifest = product.manifest()
    assert validate_manifest(manifest) == []
    assert manifest["filtering"] == {"mode": "proxy", "proxy": product.proxy_address}
    assert manifest["start_url"] == product.portal_url
    with client(product) as http:
        for url in manifest["pages"].values():
            assert http.get(url).status_code in (200, 303), url


def test_serve_all_writes_manifests_and_stops(tmp_path):
    stop = threading.Event()
    lines: list[str] = []

    class Out:
        def write(self, text):
            lines.append(text)

        def flush(self):
            pass

    thread = threading.Thread(target=serve_all, args=(tmp_path,), kwargs={"out": Out(), "stop": stop}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not (tmp_path / "funzone.manifest.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(15)
    assert not thread.is_alive()
    assert {p.name for p in tmp_path.iterdir()} == {"safekid.manifest.json", "funzone.manifest.json"}
    assert any("127.0.0.1:" in line for line in lines)
    # Both products stopped: their proxy ports no longer accept connections.
    proxy = re.search(r'"proxy": "127\.0\.0\.1:(\d+)"', (tmp_path / "safekid.manifest.json").read_text()).group(1)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(proxy)), timeout=1).close()
