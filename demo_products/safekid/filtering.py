"""SafeKid's web filter: what a careful filtering product does with every page a child opens.

Three independent signals, any of which blocks:

1. the address: the host name is normalised (case, trailing dot, IDNA, diacritics) and
   checked against word patterns typical of each category's sites, and the decoded path
   against a few unmistakable words;
2. the content: the HTML's title, headings, meta description/keywords and body text are
   scored with weighted Vietnamese and English word lists per category; a page is blocked
   when one category's score reaches `BLOCK_SCORE`. Regions weigh differently (a word in
   the title says more than one in a footer), each word counts at most a few times, and
   pages that talk *about* a danger to children (prevention, lessons) score half for
   each distinct sign of it, down to an eighth;
3. the RTA label, in a `<meta name="rating">` tag or a `Rating` header.

Because (2) and (3) look at what comes back rather than at the name asked for, asking for
the same page by raw IP, another host name, upper case, a trailing dot or percent-encoded
path changes nothing. HTTPS tunnels are judged by host name alone (no interception).
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote

from demo_products.proxy import Policy, ProxyRequest, ProxyResponse

RTA_LABEL = "RTA-5042-1996-1400-1577-RTA"
BLOCK_SCORE = 6.0
REGION_WEIGHTS = {"title": 3.0, "headings": 2.0, "meta": 2.0, "body": 1.0}
MAX_COUNT_PER_TERM = 3  # a word repeated fifty times is still one signal
SAFE_CONTEXT_FACTOR = 0.5  # per distinct prevention/lesson phrase...
MAX_SAFE_CONTEXT_SIGNS = 3  # ...so a shop that says "stay safe" once is not let through
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Category:
    id: str
    vi: str
    en: str
    host_tokens: tuple[str, ...] = field(default=(), repr=False)  # whole labels or dash-separated parts
    host_substrings: tuple[str, ...] = field(default=(), repr=False)  # distinctive enough to match inside a label
    path_substrings: tuple[str, ...] = field(default=(), repr=False)
    terms: dict[str, float] = field(default_factory=dict, repr=False, compare=False)  # lower case, with diacritics
    domains: tuple[str, ...] = field(default=(), repr=False)  # registrable domains, for level-dependent categories


# Word lists: lower case, Vietnamese with diacritics (both old and new tone placement
# where they differ, e.g. "ma túy"/"ma tuý"), plus the unaccented spellings people type.
CATEGORIES: tuple[Category, ...] = (
    Category(
        "adult",
        "Nội dung người lớn",
        "Adult content",
        host_tokens=("sex", "xxx", "porn", "nsfw", "jav", "18plus", "phimsex", "sexviet", "phimheo", "camgirl", "nude"),
        host_substrings=("porn", "hentai", "xvideo", "xnxx", "phimsex", "sexhay", "phimnguoilon"),
        path_substrings=("porn", "hentai", "xvideo", "phimsex"),
        terms={
            "khiêu dâm": 3,
            "phim sex": 3,
            "phim người lớn": 3,
            "nội dung người lớn": 2,
            "phim cấp 3": 2,
            "clip nóng": 2,
            "ảnh nóng": 2,
            "khỏa thân": 2,
            "khoả thân": 2,
            "lộ hàng": 2,
            "gái gọi": 3,
            "mua dâm": 3,
            "bán dâm": 3,
            "làm tình": 3,
            "chat sex": 3,
            "clip sex": 3,
            "chỉ dành cho người lớn": 2,
            "trên 18 tuổi": 1,
            "18+": 1,
            "khieu dam": 3,
            "phim nguoi lon": 3,
            "porn": 3,
            "porno": 3,
            "pornography": 3,
            "pornographic": 3,
            "xxx": 3,
            "sex video": 3,
            "sex videos": 3,
            "free sex": 3,
            "nude": 2,
            "nudes": 2,
            "naked": 2,
            "nsfw": 2,
            "hentai": 3,
            "erotic": 2,
            "explicit": 1,
            "adult videos": 3,
            "adult video": 3,
            "adult content": 2,
            "adults only": 2,
            "cam girls": 3,
            "camgirls": 3,
            "escort": 2,
            "escorts": 2,
            "milf": 3,
            "hardcore": 2,
            "sex": 1.5,
            "sexy": 1,
        },
    ),
    Category(
        "gambling",
        "Cờ bạc, cá cược",
        "Gambling",
        host_tokens=(
            "bet",
            "bets",
            "casino",
            "poker",
            "slots",
            "cado",
            "lode",
            "nhacai",
            "taixiu",
            "nohu",
            "gamble",
            "gambling",
            "jackpot",
            "baccarat",
            "roulette",
            "cacuoc",
            "w88",
            "fb88",
            "188bet",
        ),
        host_substrings=("casino", "betting", "gambl", "sportsbook", "cacuoc", "cobac", "taixiu", "baccarat"),
        path_substrings=("casino", "sportsbook"),
        terms={
            "cờ bạc": 2,
            "đánh bạc": 2,
            "cá cược": 3,
            "cá độ": 3,
            "nhà cái": 3,
            "sòng bạc": 3,
            "casino": 3,
            "lô đề": 3,
            "đánh đề": 3,
            "soi cầu": 2,
            "tài xỉu": 3,
            "nổ hũ": 3,
            "bắn cá đổi thưởng": 3,
            "game bài đổi thưởng": 3,
            "đổi thưởng": 2,
            "nạp tiền": 1,
            "kèo nhà cái": 3,
            "tỷ lệ kèo": 3,
            "tỉ lệ kèo": 3,
            "xóc đĩa": 3,
            "khuyến mãi nạp đầu": 2,
            "tiền thưởng": 1,
            "ca cuoc": 3,
            "nha cai": 3,
            "tai xiu": 3,
            "no hu": 2,
            "lo de": 2,
            "ca do": 1,
            "online casino": 3,
            "gambling": 3,
            "betting": 3,
            "bet": 1,
            "bets": 1,
            "sportsbook": 3,
            "poker": 2,
            "slots": 2,
            "slot machine": 2,
            "slot machines": 2,
            "jackpot": 2,
            "roulette": 2,
            "blackjack": 2,
            "baccarat": 3,
            "wager": 2,
            "wagers": 2,
            "odds": 1,
            "free spins": 3,
            "deposit bonus": 3,
            "place your bets": 3,
            "bookmaker": 3,
        },
    ),
    Category(
        "violence",
        "Bạo lực",
        "Violence",
        host_tokens=("gore", "bestgore", "goresite", "chemgiet"),
        host_substrings=("bestgore", "goreclip"),
        terms={
            "bạo lực": 2,
            "giết người": 3,
            "chém giết": 3,
            "chém người": 3,
            "máu me": 3,
            "đâm chém": 3,
            "tra tấn": 3,
            "thảm sát": 3,
            "hành quyết": 3,
            "chặt đầu": 3,
            "clip đánh nhau": 3,
            "đánh nhau": 1,
            "xác chết": 2,
            "đẫm máu": 2,
            "đánh hội đồng": 3,
            "bạo hành": 2,
            "kinh dị": 1,
            "violence": 1.5,
            "violent": 1.5,
            "gore": 3,
            "gory": 3,
            "brutal": 2,
            "murder": 2,
            "murdered": 2,
            "killing": 2,
            "kill": 1,
            "beheading": 3,
            "torture": 3,
            "massacre": 3,
            "execution video": 3,
            "bloody": 1.5,
            "fight videos": 3,
            "street fights": 3,
            "dead bodies": 3,
            "graphic violence": 3,
            "shocking videos": 2,
        },
    ),
    Category(
        "self_harm",
        "Tự hại, tự tử",
        "Self-harm and suicide",
        host_tokens=("suicide", "selfharm", "proana"),
        host_substrings=("suicide", "selfharm"),
        terms={
            "tự tử": 3,
            "tự sát": 3,
            "tự hại": 3,
            "tự làm hại bản thân": 3,
            "tự làm đau": 3,
            "cắt tay": 2,
            "rạch tay": 3,
            "kết liễu": 2,
            "cách chết": 3,
            "muốn chết": 2,
            "không muốn sống": 2,
            "thắt cổ": 3,
            "nhảy lầu": 2,
            "uống thuốc ngủ": 2,
            "tu tu": 1,
            "tu sat": 2,
            "suicide": 3,
            "suicidal": 3,
            "self-harm": 3,
            "self harm": 3,
            "cutting": 1.5,
            "kill yourself": 3,
            "kill myself": 3,
            "end your life": 3,
            "end my life": 3,
            "ways to die": 3,
            "painless death": 3,
            "how to die": 3,
            "pro-ana": 3,
            "thinspiration": 3,
            "overdose": 2,
            "hang myself": 3,
        },
    ),
    Category(
        "drugs",
        "Ma túy, chất cấm",
        "Drugs",
        host_tokens=(
            "weed",
            "drugs",
            "cannabis",
            "marijuana",
            "matuy",
            "cansa",
            "mdma",
            "cocaine",
            "heroin",
            "thuoclac",
            "kush",
        ),
        host_substrings=("cannabis", "marijuana", "cocaine", "thuoclac"),
        terms={
            "ma túy": 2,
            "ma tuý": 2,
            "cần sa": 3,
            "thuốc lắc": 3,
            "ma túy đá": 3,
            "ma tuý đá": 3,
            "heroin": 3,
            "cocaine": 3,
            "ketamine": 3,
            "cỏ mỹ": 3,
            "bóng cười": 2,
            "hàng đá": 2,
            "kẹo ke": 3,
            "nước vui": 3,
            "bay lắc": 3,
            "mua cần sa": 3,
            "chơi đá": 2,
            "can sa": 2,
            "thuoc lac": 3,
            "ma tuy": 2,
            "drugs": 1.5,
            "weed": 2,
            "marijuana": 2,
            "cannabis": 2,
            "meth": 3,
            "methamphetamine": 3,
            "mdma": 3,
            "ecstasy": 2,
            "lsd": 3,
            "buy drugs": 3,
            "magic mushrooms": 3,
            "get high": 3,
            "dealer": 1.5,
        },
    ),
    Category(
        "weapons",
        "Vũ khí",
        "Weapons",
        host_tokens=("guns", "gunshop", "firearms", "ammo", "vukhi", "sungngan", "sunghoi"),
        host_substrings=("firearm", "gunshop", "sunghoi", "sungngan"),
        terms={
            "vũ khí": 1.5,
            "súng": 1,
            "súng ngắn": 3,
            "súng trường": 3,
            "súng hơi": 3,
            "súng quân dụng": 3,
            "mua súng": 3,
            "bán súng": 3,
            "đạn dược": 2,
            "đạn thật": 2,
            "dao găm": 2,
            "mã tấu": 2,
            "lựu đạn": 3,
            "thuốc nổ": 3,
            "chế tạo bom": 3,
            "cách làm bom": 3,
            "tự chế súng": 3,
            "súng tự chế": 3,
            "công cụ hỗ trợ": 2,
            "dùi cui điện": 3,
            "roi điện": 3,
            "sung hoi": 3,
            "sung ngan": 3,
            "guns": 2,
            "gun": 1.5,
            "firearms": 3,
            "firearm": 3,
            "rifle": 2,
            "rifles": 2,
            "pistol": 2,
            "pistols": 2,
            "handgun": 3,
            "handguns": 3,
            "ammo": 3,
            "ammunition": 3,
            "assault rifle": 3,
            "explosives": 3,
            "bomb making": 3,
            "how to make a bomb": 3,
            "switchblade": 3,
            "weapon": 1.5,
            "weapons": 1.5,
            "silencer": 2,
            "knives": 1,
        },
    ),
    Category(
        "dating",
        "Hẹn hò, làm quen người lạ",
        "Dating and strangers",
        host_tokens=("dating", "hookup", "henho", "timbantinh", "singles", "sugardaddy", "chatroulette"),
        host_substrings=("henho", "timbantinh", "hookup", "sugardaddy", "chatroulette"),
        terms={
            "hẹn hò": 2,
            "tìm người yêu": 2,
            "tìm bạn tình": 3,
            "tình một đêm": 3,
            "kết bạn bốn phương": 2,
            "gái xinh": 1.5,
            "chat với người lạ": 3,
            "làm quen": 1.5,
            "hẹn gặp": 1.5,
            "tìm bạn gái": 2,
            "tìm bạn trai": 2,
            "ghép đôi": 2,
            "sugar daddy": 3,
            "sugar baby": 3,
            "hen ho": 2,
            "dating": 3,
            "singles": 2,
            "meet singles": 3,
            "hot singles": 3,
            "hookup": 3,
            "hook up": 2,
            "find love": 2,
            "one night stand": 3,
            "flirt": 2,
            "flirting": 2,
            "chat with strangers": 3,
            "find a partner": 2,
            "your match": 2,
        },
    ),
    Category(
        "proxy",
        "Vượt bộ lọc, proxy",
        "Proxies and filter bypass",
        host_tokens=(
            "proxy",
            "vpn",
            "unblock",
            "unblocked",
            "bypass",
            "anonymizer",
            "hidemyass",
            "vuotchan",
            "vuottuonglua",
        ),
        host_substrings=("proxy", "unblock", "bypass", "anonymizer", "vuottuonglua", "vuotchan"),
        terms={
            "vượt tường lửa": 3,
            "vượt chặn": 3,
            "bỏ chặn": 2,
            "truy cập web bị chặn": 3,
            "trang web bị chặn": 2,
            "web bị chặn": 2,
            "ẩn danh": 1.5,
            "đổi ip": 3,
            "ẩn ip": 3,
            "fake ip": 3,
            "proxy": 2,
            "vpn": 2,
            "vuot tuong lua": 3,
            "web proxy": 3,
            "free proxy": 3,
            "unblock": 3,
            "unblocked": 3,
            "bypass": 2,
            "bypass filters": 3,
            "blocked sites": 2,
            "anonymous browsing": 3,
            "hide your ip": 3,
            "change your ip": 3,
            "browse anonymously": 3,
            "school filter": 2,
            "firewall": 1,
        },
    ),
)

# Categories switched on or off by the parent's filter level. They are named services,
# so they are matched by registrable domain, never by words, and cannot catch a
# child-friendly page by accident.
LEVEL_CATEGORIES: tuple[Category, ...] = (
    Category(
        "social",
        "Mạng xã hội",
        "Social networks",
        domains=(
            "facebook.com",
            "instagram.com",
            "tiktok.com",
            "x.com",
            "twitter.com",
            "snapchat.com",
            "threads.net",
            "reddit.com",
            "discord.com",
        ),
    ),
    Category(
        "games",
        "Trò chơi trực tuyến",
        "Online games",
        domains=(
            "roblox.com",
            "garena.vn",
            "garena.com",
            "vnggames.com",
            "freefire.vn",
            "steampowered.com",
            "epicgames.com",
            "miniclip.com",
        ),
    ),
)

# What each level adds to the categories that are always blocked for a child.
FILTER_LEVELS: dict[str, dict] = {
    "00+": {"vi": "Trẻ nhỏ (00+)", "en": "Young children (00+)", "extra": ("social", "games")},
    "12+": {"vi": "Thiếu niên (12+)", "en": "Pre-teens (12+)", "extra": ("social",)},
    "16+": {"vi": "Thanh thiếu niên (16+)", "en": "Teenagers (16+)", "extra": ()},
}

# Pages about a danger, written for children and parents, score less (see _scores).
SAFE_CONTEXT_TERMS = (
    "phòng chống",
    "phòng ngừa",
    "tác hại",
    "nói không với",
    "tệ nạn",
    "tránh xa",
    "cảnh giác",
    "bài học",
    "sách giáo khoa",
    "đường dây nóng",
    "tìm kiếm sự giúp đỡ",
    "bạn không đơn độc",
    "tổng đài 111",
    "prevention",
    "say no to",
    "stay safe",
    "dangers of",
    "get help",
    "you are not alone",
    "helpline",
)

BY_ID = {c.id: c for c in (*CATEGORIES, *LEVEL_CATEGORIES)}


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics (đ -> d): how host names spell Vietnamese words."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def normalise_host(host: str) -> str:
    """Lower case, no brackets, no trailing dot(s), Unicode labels from IDNA (xn--...)."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if any(label.startswith("xn--") for label in name.split(".")):
        try:
            name = name.encode("ascii").decode("idna")
        except UnicodeError:
            pass
    elif not name.isascii():
        name = unicodedata.normalize("NFC", name)
    return name


def decode_path(target: str) -> str:
    """The path and query, percent-decoded until stable (double encoding included), lower case."""
    text = target
    for _ in range(3):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return unicodedata.normalize("NFC", text).lower()


def split_suffix(host: str, suffixes: tuple[str, ...] = ()) -> tuple[str, str]:
    """(site part, suffix): the public suffix ("com", "com.vn") or a test bed's domain acting as one.

    Words are looked for in the site part only, so the suffix a site lives under (in the
    test bed, the corpus domain) never makes every site look like one category.
    """
    for suffix in sorted(suffixes, key=len, reverse=True):
        if host.endswith("." + suffix):
            return host[: -len(suffix) - 1], suffix
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("com", "net", "org", "edu", "gov") and len(labels[-1]) == 2:
        return ".".join(labels[:-2]), ".".join(labels[-2:])
    if len(labels) >= 2:
        return ".".join(labels[:-1]), labels[-1]
    return host, ""


def registrable_domain(host: str, suffixes: tuple[str, ...] = ()) -> str:
    site, suffix = split_suffix(host, suffixes)
    last = site.rsplit(".", 1)[-1]
    return f"{last}.{suffix}" if suffix else last


@dataclass(frozen=True)
class Verdict:
    """Why a page is blocked."""

    category: Category
    how: str  # "host", "path", "content", "rta", "level"
    evidence: str  # the word, label or domain that decided
    score: float = 0.0


def judge_address(
    host: str, target: str, extra_categories: tuple[str, ...] = (), suffixes: tuple[str, ...] = ()
) -> Verdict | None:
    """Block by host name or decoded path, before anything is fetched."""
    name = normalise_host(host)
    folded = fold(split_suffix(name, suffixes)[0])
    tokens = set(re.split(r"[.\-_]+", folded))
    joined = re.sub(r"[\-_]+", "", folded)  # "phim-sex", "cá-cược" are spelled apart as often as together
    for category in CATEGORIES:
        for token in category.host_tokens:
            if token in tokens:
                return Verdict(category, "host", token)
        for part in category.host_substrings:
            if part in joined:
                return Verdict(category, "host", part)
    domain = registrable_domain(name, suffixes)
    for category_id in extra_categories:
        category = BY_ID[category_id]
        if domain in category.domains:
            return Verdict(category, "level", domain)
    path = fold(decode_path(target))
    for category in CATEGORIES:
        for part in category.path_substrings:
            if part in path:
                return Verdict(category, "path", part)
    return None


# Page regions by regular expressions rather than a full HTML parser: a filter reads every
# page a child opens, and this is several times faster while tolerating broken markup.
_INVISIBLE = re.compile(r"<(script|style|noscript|template|svg)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)
_HEADING = re.compile(r"<h([1-3])\b[^>]*>(.*?)</h\1\s*>", re.S | re.I)
_META = re.compile(r"<meta\b([^>]*)>", re.I)
_IMG_ALT = re.compile(r"<img\b[^>]*?\balt\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
_ATTR = re.compile(r"([\w:-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)")
_TAG = re.compile(r"<[^>]*>")
_HEAD = re.compile(r"<head\b.*?</head\s*>", re.S | re.I)
META_TEXT_NAMES = ("description", "keywords", "og:title", "og:description")


@dataclass
class PageText:
    """An HTML page split into the regions the scorer weighs differently, plus its rating labels."""

    regions: dict[str, str]
    ratings: list[str]


def _text(fragment: str) -> str:
    return html_lib.unescape(_TAG.sub(" ", fragment))


def _unquote_attr(value: str) -> str:
    return html_lib.unescape(value[1:-1] if value[:1] in "\"'" else value)


def parse_page(page: str) -> PageText:
    visible = _INVISIBLE.sub(" ", page)
    title = " ".join(_text(m.group(1)) for m in _TITLE.finditer(visible))
    headings = " ".join(_text(m.group(2)) for m in _HEADING.finditer(visible))
    meta_text, ratings = [], []
    for m in _META.finditer(page):
        attrs = {k.lower(): _unquote_attr(v) for k, v in _ATTR.findall(m.group(1))}
        name = (attrs.get("name") or attrs.get("http-equiv") or attrs.get("property") or "").lower()
        if name in ("rating", "pics-label"):
            ratings.append(attrs.get("content", ""))
        elif name in META_TEXT_NAMES:
            meta_text.append(attrs.get("content", ""))
    body = _HEADING.sub(" ", _HEAD.sub(" ", visible))
    alts = " ".join(_unquote_attr(m.group(1)) for m in _IMG_ALT.finditer(body))
    regions = {"title": title, "headings": headings, "meta": " ".join(meta_text), "body": _text(body) + " " + alts}
    return PageText({name: _prepare(text) for name, text in regions.items()}, ratings)


def _prepare(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).lower()


def _trie_pattern(words) -> str:
    """A regex matching any of `words`, as a character trie: shared prefixes are tried once.

    Python's re tries a plain alternation of hundreds of phrases one by one at every
    position; the trie form finds the same matches (longest first) about eight times faster.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # end of a word

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _compile(terms) -> re.Pattern:
    return re.compile(r"(?<!\w)" + _trie_pattern(terms) + r"(?!\w)")


# One pass over each region finds the words of every category at once.
_TERM_WEIGHTS: dict[str, list[tuple[str, float]]] = {}
for _category in CATEGORIES:
    for _term, _weight in _category.terms.items():
        _TERM_WEIGHTS.setdefault(_term, []).append((_category.id, _weight))
_ALL_TERMS = _compile(_TERM_WEIGHTS)
_SAFE_CONTEXT = _compile(SAFE_CONTEXT_TERMS)


def _scores(page: PageText) -> dict[str, float]:
    signs = {match.group(0) for text in page.regions.values() for match in _SAFE_CONTEXT.finditer(text)}
    factor = SAFE_CONTEXT_FACTOR ** min(len(signs), MAX_SAFE_CONTEXT_SIGNS)
    scores = {category.id: 0.0 for category in CATEGORIES}
    for region, text in page.regions.items():
        counts: dict[str, int] = {}
        for match in _ALL_TERMS.finditer(text):
            counts[match.group(0)] = counts.get(match.group(0), 0) + 1
        for term, count in counts.items():
            for category_id, weight in _TERM_WEIGHTS[term]:
                scores[category_id] += REGION_WEIGHTS[region] * weight * min(count, MAX_COUNT_PER_TERM)
    return {category_id: score * factor for category_id, score in scores.items()}


def score_page(page: str) -> dict[str, float]:
    """Each category's score for an HTML page (see the module docstring)."""
    return _scores(parse_page(page))


def judge_response(response: ProxyResponse) -> Verdict | None:
    """Block by RTA label (header or meta tag) or by content score."""
    if any(RTA_LABEL.lower() in value.lower() for value in response.headers.get_all("rating")):
        return Verdict(BY_ID["adult"], "rta", "Rating: " + RTA_LABEL)
    html_like = response.content_type in HTML_TYPES or (
        not response.content_type and b"<html" in response.body[:1024].lower()
    )
    if not html_like:
        return None
    page = parse_page(response.text())
    if any(RTA_LABEL.lower() in rating.lower() for rating in page.ratings):
        return Verdict(BY_ID["adult"], "rta", f'<meta name="rating" content="{RTA_LABEL}">')
    scores = _scores(page)
    best = max(scores, key=scores.__getitem__)
    if scores[best] >= BLOCK_SCORE:
        return Verdict(BY_ID[best], "content", f"{scores[best]:.1f}", scores[best])
    return None


class SafeKidPolicy(Policy):
    """The proxy policy: address first, then the page itself; its own portal is always allowed.

    `filter_level` is a callable returning the family's current level, read at every
    request so a parent's change applies at once; `block_page(request, verdict)` renders
    the product's block page; `on_block(request, verdict)` records the event for the
    parent's activity report. `suffixes` are domains that act as public suffixes (the
    test bed's corpus domain).
    """

    def __init__(self, *, own_hosts: set[str], filter_level, block_page, on_block=None, suffixes: tuple[str, ...] = ()):
        self.own_hosts = {normalise_host(h) for h in own_hosts}
        self.suffixes = tuple(normalise_host(s) for s in suffixes)
        self.filter_level = filter_level
        self.block_page = block_page
        self.on_block = on_block

    def _own(self, host: str) -> bool:
        name = normalise_host(host)
        return any(name == h or name.endswith("." + h) for h in self.own_hosts)

    def _block(self, request: ProxyRequest, verdict: Verdict) -> ProxyResponse:
        if self.on_block is not None:
            self.on_block(request, verdict)
        return self.block_page(request, verdict)

    def check_request(self, request: ProxyRequest) -> ProxyResponse | None:
        if self._own(request.host):
            return None
        level = FILTER_LEVELS.get(self.filter_level(), FILTER_LEVELS["00+"])
        verdict = judge_address(request.host, request.target, level["extra"], self.suffixes)
        return self._block(request, verdict) if verdict else None

    def check_response(self, request: ProxyRequest, response: ProxyResponse) -> ProxyResponse | None:
        if self._own(request.host):
            return None
        verdict = judge_response(response)
        return self._block(request, verdict) if verdict else None
