"""FunZone's web filter: the careless kind, failing in the ways real filters have been seen to.

- It compares the host exactly as the browser wrote it with a fixed list: no lower-casing,
  no trailing-dot removal, no IDNA, no look at the page itself and no RTA label, so the
  same page by raw IP, another host name, "HOST.", "Host" or "host." gets through.
- It over-blocks: any host containing "game" or "chat", or the unaccented Vietnamese
  "dao" (dao găm, daggers) or "sung" (súng, guns), is refused, so "dao-duc" (đạo đức,
  ethics lessons) and learning-game sites are caught too.
- Every request first waits for FunZone's "cloud category service" (40–80 ms), so the
  filter's overhead is plain to see.
- Its block page is a bare "403 Forbidden": no reason, no way to ask a parent, no 111.
"""

from __future__ import annotations

import asyncio
import random

from demo_products.proxy import Headers, Policy, ProxyRequest, ProxyResponse

# The same page nginx shows for any 403, which is what FunZone's engineers copied.
FORBIDDEN_PAGE = (
    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

# Words that make the default level refuse a host outright (and catch innocent sites too).
HOST_WORDS = ("game", "chat", "dao", "sung")
# The strict level adds these.
STRICT_HOST_WORDS = ("video", "phim")

FILTER_LEVELS = {
    "tat": ("Tắt", "Off"),
    "co-ban": ("Cơ bản", "Basic"),
    "cao": ("Cao", "Strict"),
}


def forbidden() -> ProxyResponse:
    return ProxyResponse(
        403, Headers([("Content-Type", "text/html"), ("Server", "nginx")]), FORBIDDEN_PAGE.encode("ascii"), "Forbidden"
    )


class FunZonePolicy(Policy):
    """Exact host list plus substring over-blocking, after a slow remote look-up."""

    def __init__(
        self,
        blocked_hosts: set[str],
        filter_level,
        *,
        latency: tuple[float, float] = (0.04, 0.08),
        seed: int | None = None,
    ):
        self.blocked_hosts = set(blocked_hosts)
        self.filter_level = filter_level
        self.latency = latency
        self._random = random.Random(seed)

    async def check_request(self, request: ProxyRequest) -> ProxyResponse | None:
        await asyncio.sleep(self._random.uniform(*self.latency))  # the round trip to the category service
        level = self.filter_level()
        if level == "tat":
            return None
        host = request.host  # deliberately as sent: this is FunZone's bypass bug
        words = HOST_WORDS + (STRICT_HOST_WORDS if level == "cao" else ())
        if host in self.blocked_hosts or any(word in host for word in words):
            return forbidden()
        return None
