"""What every running demo product offers its caller: addresses, stop, and its probe manifest."""

from __future__ import annotations

# The corpus serves its pages under this domain unless told otherwise; one place decides it.
from checker.corpus import DEFAULT_DOMAIN as DEFAULT_CORPUS_DOMAIN
from demo_products.proxy import ForwardProxy


class DemoProduct:
    """A running product: a filtering proxy plus a web portal (a context manager).

    Subclasses start their servers in `start()` and fill in the attributes below.
    """

    name = ""  # shown to people and in the manifest
    host = ""  # the portal's host name
    accounts: dict[str, dict[str, str]] = {}  # role -> {username, password}, for the manifest
    block_page_markers: list[str] = []  # text that identifies the product's block page

    def __init__(self, *, corpus_domain: str = DEFAULT_CORPUS_DOMAIN):
        self.corpus_domain = corpus_domain.strip(".").lower()
        self.proxy: ForwardProxy | None = None
        self._servers: list = []
        self._portal_port = 0

    # ---- addresses -----------------------------------------------------------------------
    @property
    def proxy_address(self) -> str:
        """ "127.0.0.1:PORT" of the filtering proxy."""
        if self.proxy is None:
            raise RuntimeError("the product is not started")
        return self.proxy.address

    @property
    def portal_url(self) -> str:
        """The start page."""
        raise NotImplementedError

    @property
    def https_url(self) -> str | None:
        """The HTTPS start page, None when the product has no HTTPS."""
        return None

    @property
    def origin(self) -> str:
        return self.portal_url.rstrip("/")

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self):
        raise NotImplementedError

    def _started(self, *servers) -> None:
        self._servers.extend(servers)

    def stop(self) -> None:
        # Proxy first, so no new page load reaches a portal that is going away.
        for server in sorted(self._servers, key=lambda s: not isinstance(s, ForwardProxy)):
            server.stop()
        self._servers.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- the manifest a vendor would hand in ---------------------------------------------
    def allowed_hosts(self) -> list[str]:
        return [self.host]

    def manifest(self) -> dict:
        origin = self.origin
        return {
            "name": self.name,
            # A filtering proxy with its own kids' portal and browser-like use: of the
            # product types, the kid-safe browser is the one every probe's criteria apply to.
            "product_type": "kid_browser",
            "start_url": self.portal_url,
            "filtering": {"mode": "proxy", "proxy": self.proxy_address},
            "accounts": {role: dict(account) for role, account in self.accounts.items()},
            "login_steps": [
                {"action": "goto", "url": f"{origin}/dang-nhap"},
                {"action": "fill", "selector": "input[name=email]", "value": "{username}"},
                {"action": "fill", "selector": "input[name=password]", "value": "{password}"},
                {"action": "click", "selector": "form[action='/dang-nhap'] button[type=submit]"},
            ],
            "pages": {"settings": f"{origin}/cai-dat", "signup": f"{origin}/dang-ky", "login": f"{origin}/dang-nhap"},
            "block_page_markers": list(self.block_page_markers),
            "allowed_hosts": self.allowed_hosts(),
        }
