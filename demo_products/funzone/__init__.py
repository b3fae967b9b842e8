"""FunZone: the careless demo product, failing many probes in different ways.

Its proxy blocks an exact host list slowly and over-blocks by substring (see
`filtering`), its block page is a bare 403, and its portal tracks children before any
consent, asks for their location, pre-fills ages, lets the child change the protection
settings and speaks plain HTTP only (see `portal`).

    with FunZone() as product:
        product.proxy_address   # "127.0.0.1:PORT"
        product.portal_url      # "http://funzone.localhost:PORT/"
"""

from __future__ import annotations

from demo_products.funzone.blocklist import known_bad_hosts
from demo_products.funzone.filtering import FunZonePolicy
from demo_products.funzone.portal import AD_HOST, CHILD, PARENT, FunZoneStore, create_app
from demo_products.product import DEFAULT_CORPUS_DOMAIN, DemoProduct
from demo_products.proxy import ForwardProxy
from demo_products.server import AppServer

HOST = "funzone.localhost"

__all__ = ["FunZone", "PARENT", "CHILD", "AD_HOST"]


class FunZone(DemoProduct):
    name = "FunZone"
    host = HOST
    accounts = {
        "parent": {"username": PARENT[0], "password": PARENT[1]},
        "child": {"username": CHILD[0], "password": CHILD[1]},
    }
    block_page_markers = ["403 Forbidden"]

    def __init__(
        self,
        *,
        corpus_domain: str = DEFAULT_CORPUS_DOMAIN,
        port: int = 0,
        proxy_port: int = 0,
        latency: tuple[float, float] = (0.04, 0.08),
    ):
        super().__init__(corpus_domain=corpus_domain)
        self.store = FunZoneStore.with_demo_family(PARENT, CHILD)
        self.latency = latency
        self._port, self._proxy_port = port, proxy_port

    @property
    def portal_url(self) -> str:
        return f"http://{HOST}:{self._portal_port}/"

    @property
    def ad_url(self) -> str:
        """The ad site FunZone runs on another registrable domain (a third party to the portal)."""
        return f"http://{AD_HOST}:{self._portal_port}/"

    def allowed_hosts(self) -> list[str]:
        return [HOST, AD_HOST]

    def start(self) -> FunZone:
        try:
            app_server = AppServer(create_app(self.store), port=self._port, name="funzone-portal").start()
            self._started(app_server)
            self._portal_port = app_server.port
            policy = FunZonePolicy(known_bad_hosts(self.corpus_domain), self.store.filter_level, latency=self.latency)
            self.proxy = ForwardProxy(policy, port=self._proxy_port, name="funzone-proxy").start()
            self._started(self.proxy)
        except BaseException:
            self.stop()
            raise
        return self
