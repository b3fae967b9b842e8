"""The corpus vocabulary of record: categories, their titles, and one corpus page.

Every other corpus module and every probe names categories through these constants, so a
category is spelled in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass

ADULT = "adult"
GAMBLING = "gambling"
VIOLENCE = "violence"
SELF_HARM = "self_harm"
DRUGS = "drugs"
WEAPONS = "weapons"
DATING = "dating"
PROXY = "proxy"
# Neutral pages whose only adult signal is the RTA label: they test whether a filter
# honours the label itself, not whether it recognises adult words.
RTA_ONLY = "rta_only"
CHILD_FRIENDLY = "child_friendly"
EDUCATION_VI = "education_vi"
# Reachability controls: harmless pages every filter must let through. They are not measured;
# when one does not load through the product, the product cannot reach the corpus and no
# filter verdict can be trusted (so none is given).
CONTROL = "control"

# Order matters: the block-rate measurements in criteria/vocabulary.yaml follow it.
HARMFUL: tuple[str, ...] = (ADULT, GAMBLING, VIOLENCE, SELF_HARM, DRUGS, WEAPONS, DATING, PROXY)
SAFE: tuple[str, ...] = (CHILD_FRIENDLY, EDUCATION_VI)
CATEGORIES: tuple[str, ...] = HARMFUL + (RTA_ONLY,) + SAFE
# Pages a filter is expected to block.
EXPECTED_BLOCKED: frozenset[str] = frozenset(HARMFUL + (RTA_ONLY,))

LANGUAGES: tuple[str, ...] = ("vi", "en")

# The RTA ("Restricted To Adults") label, byte for byte as the ASACP publishes it.
RTA_LABEL = "RTA-5042-1996-1400-1577-RTA"
RTA_META = "meta"  # <meta name="rating" content="...">
RTA_HEADER = "header"  # HTTP response header  Rating: ...
RTA_BOTH = "both"
RTA_MODES: tuple[str, ...] = (RTA_META, RTA_HEADER, RTA_BOTH)

CATEGORY_TITLES: dict[str, dict[str, str]] = {
    ADULT: {"vi": "Nội dung người lớn", "en": "Adult content"},
    GAMBLING: {"vi": "Cờ bạc, cá cược", "en": "Gambling"},
    VIOLENCE: {"vi": "Bạo lực", "en": "Violence"},
    SELF_HARM: {"vi": "Tự hại, tự tử", "en": "Self-harm and suicide"},
    DRUGS: {"vi": "Ma túy, chất cấm", "en": "Drugs"},
    WEAPONS: {"vi": "Vũ khí", "en": "Weapons"},
    DATING: {"vi": "Hẹn hò", "en": "Dating"},
    PROXY: {"vi": "Proxy, vượt tường lửa", "en": "Proxies and filter bypass"},
    RTA_ONLY: {"vi": "Chỉ có nhãn RTA", "en": "RTA label only"},
    CHILD_FRIENDLY: {"vi": "Trang thân thiện với trẻ em", "en": "Child-friendly pages"},
    EDUCATION_VI: {"vi": "Trang giáo dục tiếng Việt", "en": "Vietnamese education pages"},
}


def is_harmful(category: str) -> bool:
    """True when a filter is expected to block pages of `category`."""
    return category in EXPECTED_BLOCKED


@dataclass(frozen=True)
class CorpusPage:
    """One page of the test corpus, built-in or from the club's own URL list.

    `marker` is a string only the page itself shows: a probe counts the page as allowed
    only when the marker reaches the rendered page. External lists have no marker.
    `rta` says how the page carries the RTA label (meta tag, response header, both) or None.
    """

    page_id: str
    category: str
    language: str
    url: str
    alternate_url: str | None
    marker: str | None
    harmful: bool
    rta: str | None = None

    @property
    def title(self) -> dict[str, str]:
        """The page's category title, {vi, en}."""
        return CATEGORY_TITLES[self.category]
