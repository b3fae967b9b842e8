"""Two small local web products that stand in for vendors' products when the probes are
tested and demonstrated: SafeKid ("Bảo vệ trẻ em SafeKid"), which behaves well, and
FunZone, which fails many probes, each in its own way.

    from demo_products import start_safekid, start_funzone

    with start_safekid() as safekid:
        safekid.proxy_address     # "127.0.0.1:PORT", the filtering proxy
        safekid.portal_url        # "https://safekid.localhost:PORT/", the start page
        safekid.manifest()        # the probe manifest a vendor would hand in

Both run in background threads on free ports and resolve *.localhost to 127.0.0.1.
`serve_all(folder)` runs both until Ctrl-C and writes their manifests (for
`vcsc fixtures serve`, or `python -m demo_products FOLDER`).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from demo_products.funzone import FunZone
from demo_products.product import DEFAULT_CORPUS_DOMAIN, DemoProduct
from demo_products.safekid import SafeKid

__all__ = ["DemoProduct", "FunZone", "SafeKid", "serve_all", "start_funzone", "start_safekid"]


def start_safekid(*, corpus_domain: str = DEFAULT_CORPUS_DOMAIN, port: int = 0, proxy_port: int = 0) -> SafeKid:
    """SafeKid, running (stop it with `.stop()` or use it as a context manager).

    `port` is its one web port (HTTPS, and plain HTTP that redirects to HTTPS); 0 = free.
    `corpus_domain` is the test bed's stand-in for the Internet: SafeKid treats it as a
    public suffix, so its name never counts as a word of a site's name.
    """
    return SafeKid(corpus_domain=corpus_domain, port=port, proxy_port=proxy_port).start()


def start_funzone(
    *,
    corpus_domain: str = DEFAULT_CORPUS_DOMAIN,
    port: int = 0,
    proxy_port: int = 0,
    latency: tuple[float, float] = (0.04, 0.08),
) -> FunZone:
    """FunZone, running. Its host list is the corpus's adult, gambling and drug sites under
    `corpus_domain`; `latency` is the (min, max) seconds its filter adds to every request."""
    return FunZone(corpus_domain=corpus_domain, port=port, proxy_port=proxy_port, latency=latency).start()


def write_manifests(products: Sequence[DemoProduct], folder: Path) -> dict[str, Path]:
    """One `<product>.manifest.json` per product in `folder`; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for product in products:
        key = type(product).__name__.lower()
        path = folder / f"{key}.manifest.json"
        path.write_text(json.dumps(product.manifest(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        paths[key] = path
    return paths


def serve_all(
    folder: str | Path,
    *,
    corpus_domain: str = DEFAULT_CORPUS_DOMAIN,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run SafeKid and FunZone until Ctrl-C (or until `stop` is set), manifests in `folder`."""
    out = out or sys.stdout

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    stop = stop or threading.Event()
    with start_safekid(corpus_domain=corpus_domain) as safekid, start_funzone(corpus_domain=corpus_domain) as funzone:
        paths = write_manifests([safekid, funzone], Path(folder))
        for product in (safekid, funzone):
            say(f"{product.name}")
            say(f"  Trang chính / portal: {product.portal_url}")
            say(f"  Proxy lọc / filtering proxy: {product.proxy_address}")
            say(f"  Bản mô tả / manifest: {paths[type(product).__name__.lower()]}")
        say(
            "Trình duyệt cần chấp nhận chứng chỉ tự ký của SafeKid (VCSC_PROBE_IGNORE_TLS_ERRORS=1) "
            "/ browsers must accept SafeKid's self-signed certificate."
        )
        say("Ctrl-C để dừng / to stop")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        say("Đã dừng / stopped")
