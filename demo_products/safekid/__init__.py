"""SafeKid ("Bảo vệ trẻ em SafeKid"): the well-behaved demo product.

A filtering proxy that judges address, content and RTA label (see `filtering`), a block
page that explains, lets the child ask a parent and shows the 111 hotline, and a portal
served over HTTPS with HSTS (see `portal`).

    with SafeKid() as product:
        product.proxy_address   # "127.0.0.1:PORT"
        product.portal_url      # "https://safekid.localhost:PORT/"
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from demo_products.product import DEFAULT_CORPUS_DOMAIN, DemoProduct
from demo_products.proxy import ForwardProxy, ProxyRequest, ProxyResponse
from demo_products.safekid.filtering import SafeKidPolicy, Verdict
from demo_products.safekid.portal import TEMPLATES, create_app
from demo_products.safekid.store import (
    CHILD_EMAIL,
    CHILD_PASSWORD,
    PARENT_EMAIL,
    PARENT_PASSWORD,
    PARENT_PIN,
    SafeKidStore,
)
from demo_products.server import AppServer, DualSchemeFront
from demo_products.tls import CertificateFiles, make_self_signed

HOST = "safekid.localhost"

HOW_DETECTED = {
    "host": ("Tên trang web có dấu hiệu thuộc danh mục này.", "The site's name points to this category."),
    "path": ("Địa chỉ trang có dấu hiệu thuộc danh mục này.", "The page's address points to this category."),
    "content": (
        "SafeKid đã đọc nội dung trang và thấy nhiều từ ngữ thuộc danh mục này.",
        "SafeKid read the page and found many words of this category.",
    ),
    "rta": (
        "Trang tự gắn nhãn RTA «chỉ dành cho người lớn».",
        "The page labels itself adults-only with the RTA label.",
    ),
    "level": ("Mức lọc bố mẹ đã chọn chặn danh mục này.", "The filter level your parent chose blocks this category."),
}

__all__ = ["SafeKid", "PARENT_EMAIL", "PARENT_PASSWORD", "PARENT_PIN", "CHILD_EMAIL", "CHILD_PASSWORD"]


class SafeKid(DemoProduct):
    name = "Bảo vệ trẻ em SafeKid"
    host = HOST
    accounts = {
        "parent": {"username": PARENT_EMAIL, "password": PARENT_PASSWORD},
        "child": {"username": CHILD_EMAIL, "password": CHILD_PASSWORD},
    }
    block_page_markers = ["SafeKid đã chặn trang này", "SafeKid blocked this page"]

    def __init__(self, *, corpus_domain: str = DEFAULT_CORPUS_DOMAIN, port: int = 0, proxy_port: int = 0):
        super().__init__(corpus_domain=corpus_domain)
        self.store = SafeKidStore.with_demo_family()
        self._port, self._proxy_port = port, proxy_port
        self._tls_dir: Path | None = None
        self.certificate: CertificateFiles | None = None

    @property
    def portal_url(self) -> str:
        return f"https://{HOST}:{self._portal_port}/"

    @property
    def https_url(self) -> str:
        return self.portal_url

    @property
    def http_url(self) -> str:
        """The same port in plain HTTP: answers with a redirect to HTTPS."""
        return f"http://{HOST}:{self._portal_port}/"

    def start(self) -> SafeKid:
        try:
            self._tls_dir = Path(tempfile.mkdtemp(prefix="safekid-tls-"))
            self.certificate = make_self_signed(
                self._tls_dir, "SafeKid", [HOST, f"*.{HOST}", "localhost"], ["127.0.0.1"]
            )
            # The public port is bound first, because the portal must know its own address.
            front = DualSchemeFront("", port=self._port).start()
            self._started(front)
            self._portal_port = front.port
            app_server = AppServer(
                create_app(self.store, public_url=self.origin), certificate=self.certificate, name="safekid-portal"
            ).start()
            self._started(app_server)
            front.tls_address = app_server.address
            policy = SafeKidPolicy(
                own_hosts={HOST},
                filter_level=self.store.filter_level,
                block_page=self._block_page,
                on_block=self._record_block,
                suffixes=(self.corpus_domain,),
            )
            self.proxy = ForwardProxy(policy, port=self._proxy_port, name="safekid-proxy").start()
            self._started(self.proxy)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        super().stop()
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None

    def _block_page(self, request: ProxyRequest, verdict: Verdict) -> ProxyResponse:
        how_vi, how_en = HOW_DETECTED[verdict.how]
        html = TEMPLATES.get_template("block.html").render(
            category=verdict.category, how={"vi": how_vi, "en": how_en}, url=request.url, portal=self.origin
        )
        # The page is shown in the blocked site's place, so it loads nothing and may only post to SafeKid.
        csp = (
            f"default-src 'none'; style-src 'unsafe-inline'; form-action {self.origin}; "
            "base-uri 'none'; frame-ancestors 'none'"
        )
        return ProxyResponse.html(403, html, [("Content-Security-Policy", csp)])

    def _record_block(self, request: ProxyRequest, verdict: Verdict) -> None:
        self.store.record_block(request.url, verdict.category.vi, verdict.category.en, verdict.how)
