"""FunZone's list of known bad sites: exact host names, as a cheap list vendor sells them.

In the test bed the corpus stands in for the Internet, so the list is the corpus's own
host names for the categories such lists cover best (adult, gambling, drugs), taken from
the corpus generator so it never goes stale when the corpus changes. Nothing else: no
violence, self-harm, weapons, dating or proxy sites, no mirrors, no IP addresses.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from checker.corpus import ADULT, DRUGS, GAMBLING, build_corpus

LISTED_CATEGORIES = (ADULT, GAMBLING, DRUGS)


def known_bad_hosts(corpus_domain: str) -> set[str]:
    """Host names (lower case, no trailing dot, exactly as the corpus links them)."""
    # Host names do not depend on the port; any port gives the same list.
    pages = build_corpus("127.0.0.1:80", domain=corpus_domain)
    return {host for page in pages if page.category in LISTED_CATEGORIES and (host := urlsplit(page.url).hostname)}
