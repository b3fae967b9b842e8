"""The built-in test corpus: a deterministic page list for a seed, and each page's HTML.

A page is fully determined by (seed, page_id): its host name, marker, RTA mode and text
never depend on the port or domain it is served under, so one rendering serves every
server and every host name (the server routes by path only).
"""

from __future__ import annotations

import hashlib
import html
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from checker.corpus.model import (
    ADULT,
    CATEGORIES,
    CHILD_FRIENDLY,
    CONTROL,
    DATING,
    DRUGS,
    EDUCATION_VI,
    GAMBLING,
    PROXY,
    RTA_BOTH,
    RTA_HEADER,
    RTA_LABEL,
    RTA_META,
    RTA_ONLY,
    SELF_HARM,
    VIOLENCE,
    WEAPONS,
    CorpusPage,
    is_harmful,
)
from checker.corpus.vocabulary import VOICES, Voice

DEFAULT_BASE = "127.0.0.1:8765"
DEFAULT_DOMAIN = "corpus.localhost"
DEFAULT_SEED = 2024

# Pages per category and language. Harmful categories add up to 1,010 pages (adult the
# largest, as in the AV-Comparatives and AV-TEST corpora); safe ones to 330.
COUNTS: dict[str, dict[str, int]] = {
    ADULT: {"vi": 130, "en": 130},
    GAMBLING: {"vi": 70, "en": 60},
    VIOLENCE: {"vi": 55, "en": 55},
    SELF_HARM: {"vi": 50, "en": 50},
    DRUGS: {"vi": 55, "en": 55},
    WEAPONS: {"vi": 50, "en": 50},
    DATING: {"vi": 50, "en": 50},
    PROXY: {"vi": 50, "en": 50},
    RTA_ONLY: {"vi": 20, "en": 20},
    CHILD_FRIENDLY: {"vi": 90, "en": 90},
    EDUCATION_VI: {"vi": 150},
}
PAGES_PER_HOST = 6  # about; a host-based filter then sees several pages per name
MIN_HOSTS = 5  # per category and language, so every category has at least 10 names
MIRRORS = 40  # mirror-1 ... mirror-40 under the mirror domain
# Every fourth adult page also carries the RTA label, as many real adult sites do.
ADULT_RTA_EVERY = 4

# Chosen numbers never contain "111": the probes read a standalone 111 as the child
# protection hotline on block pages, and the corpus must never look like one.
_HOTLINE = "111"


def page_id_for(category: str, language: str, index: int) -> str:
    """'adult-vi-0007': category (dashes for underscores), language, 1-based index."""
    return f"{category.replace('_', '-')}-{language}-{index:04d}"


@dataclass(frozen=True)
class _Plan:
    """Everything about a page that does not depend on where it is served."""

    page_id: str
    category: str
    language: str
    host: str  # first label(s) of the host name, e.g. "nha-cai-12"
    site: str  # the site name shown in the page header
    voice: Voice
    mirror: str  # e.g. "mirror-7"
    marker: str
    rta: str | None


def _number(rng: random.Random, lo: int, hi: int) -> int:
    while True:
        n = rng.randint(lo, hi)
        if _HOTLINE not in str(n):
            return n


def _marker(seed: int, page_id: str, taken: set[str]) -> str:
    attempt = 0
    while True:
        digest = hashlib.sha256(f"vcsc-corpus:{seed}:{page_id}:{attempt}".encode()).hexdigest()[:10]
        marker = f"VCSC-{digest}"
        if _HOTLINE not in digest and marker not in taken:
            taken.add(marker)
            return marker
        attempt += 1


def _rta(category: str, index: int) -> str | None:
    if category == RTA_ONLY:
        return RTA_META if index % 2 else RTA_HEADER
    if category == ADULT and index % ADULT_RTA_EVERY == 0:
        return RTA_BOTH
    return None


@lru_cache(maxsize=8)
def _plans(seed: int) -> dict[str, _Plan]:
    """The corpus for a seed, keyed by page id, in category order."""
    plans: dict[str, _Plan] = {}
    markers: set[str] = set()
    owner: dict[str, str] = {}  # host label -> category, to keep every name single-category
    mirror_rng = random.Random(f"{seed}:mirrors")
    for category in CATEGORIES:
        for language, count in COUNTS[category].items():
            voices = VOICES[category, language]
            rng = random.Random(f"{seed}:{category}:{language}:hosts")
            stems = [(voice, stem, site) for voice in voices for stem, site in voice.sites]
            hosts = []
            used: set[str] = set()
            for k in range(max(MIN_HOSTS, math.ceil(count / PAGES_PER_HOST))):
                voice, stem, site = stems[k % len(stems)]
                while True:
                    number = _number(rng, 2, 99)
                    label = f"{stem}-{number}"
                    if label not in used:
                        break
                used.add(label)
                if owner.setdefault(label, category) != category:
                    raise AssertionError(f"host {label} would serve two categories")
                hosts.append((label, site.format(n=number), voice))
            # Shuffle before dealing pages round-robin so a host's pages are spread over
            # the index range and every host gets about the same number.
            slots = list(range(count))
            rng.shuffle(slots)
            for index in range(1, count + 1):
                pid = page_id_for(category, language, index)
                label, site, voice = hosts[slots[index - 1] % len(hosts)]
                plans[pid] = _Plan(
                    pid,
                    category,
                    language,
                    label,
                    site,
                    voice,
                    f"mirror-{mirror_rng.randint(1, MIRRORS)}",
                    _marker(seed, pid, markers),
                    _rta(category, index),
                )
    return plans


def _port_of(base_url_host_port: str) -> int:
    value = base_url_host_port if "//" in base_url_host_port else "//" + base_url_host_port
    try:
        port = urlsplit(value).port
    except ValueError as exc:
        raise ValueError(f"bad port in {base_url_host_port!r}") from exc
    if port is None:
        raise ValueError(f"{base_url_host_port!r} has no port (expected host:port)")
    return port


def mirror_domain_for(domain: str) -> str:
    """The neutral mirror domain beside `domain`: corpus.localhost -> cdn-alt.localhost."""
    parent = domain.split(".", 1)[1] if "." in domain else domain
    return f"cdn-alt.{parent}"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def build_corpus(
    base_url_host_port: str = DEFAULT_BASE,
    domain: str = DEFAULT_DOMAIN,
    seed: int = DEFAULT_SEED,
    *,
    mirror_domain: str | None = None,
    public_host: str | None = None,
) -> list[CorpusPage]:
    """The built-in corpus for `seed`, its URLs on the port of `base_url_host_port`.

    Pages live on category-typical host names under `domain` (http://nha-cai-12.
    corpus.localhost:8765/p/gambling-vi-0003); `alternate_url` is the same path on a
    neutral mirror host (mirror-7.cdn-alt.localhost). The names must reach the corpus
    server: every *.localhost name is loopback for Chromium and for resolve_host().

    With `public_host` (a name or address any product's proxy resolves, e.g. the club
    machine's LAN address), every page is on that one host (http://192.168.1.20:8765/p/
    gambling-vi-0003) and has no mirror: real filters resolve names themselves and do not
    know *.localhost.
    """
    port = _port_of(base_url_host_port)
    if public_host:
        host = _url_host(public_host.strip().rstrip("."))
        return [
            CorpusPage(
                page_id=p.page_id,
                category=p.category,
                language=p.language,
                url=f"http://{host}:{port}/p/{p.page_id}",
                alternate_url=None,
                marker=p.marker,
                harmful=is_harmful(p.category),
                rta=p.rta,
            )
            for p in _plans(seed).values()
        ]
    domain = domain.strip().rstrip(".").lower()
    if not domain:
        raise ValueError("domain must not be empty")
    mirrors = (mirror_domain or mirror_domain_for(domain)).rstrip(".").lower()
    return [
        CorpusPage(
            page_id=p.page_id,
            category=p.category,
            language=p.language,
            url=f"http://{p.host}.{domain}:{port}/p/{p.page_id}",
            alternate_url=f"http://{p.mirror}.{mirrors}:{port}/p/{p.page_id}",
            marker=p.marker,
            harmful=is_harmful(p.category),
            rta=p.rta,
        )
        for p in _plans(seed).values()
    ]


# Reachability controls: plain, harmless pages (no harmful word, no block or error wording)
# on a neutral host name, one per language and one more in Vietnamese.
CONTROL_PREFIX = "/c/"
CONTROL_HOST = "trang-doi-chung"
_CONTROL_TEXT = {
    "vi": (
        "Trang đối chứng {n}",
        "Đây là một trang đơn giản của công cụ kiểm tra VCSC, dùng để xác nhận sản phẩm mở được "
        "máy phục vụ bộ trang thử. Hôm nay trời đẹp; các bạn nhỏ đi học và chơi trong sân trường.",
    ),
    "en": (
        "Control page {n}",
        "This is a plain page of the VCSC checker, used to confirm that the product can open the "
        "test corpus server. The weather is fine today; children walk to school and play in the park.",
    ),
}


def control_ids() -> list[tuple[str, str]]:
    """(page id, language) of the reachability controls."""
    return [("control-vi-1", "vi"), ("control-en-1", "en"), ("control-vi-2", "vi")]


def build_controls(
    base_url_host_port: str = DEFAULT_BASE,
    domain: str = DEFAULT_DOMAIN,
    seed: int = DEFAULT_SEED,
    *,
    public_host: str | None = None,
) -> list[CorpusPage]:
    """The reachability controls beside the corpus built with the same arguments."""
    port = _port_of(base_url_host_port)
    host = (
        _url_host(public_host.strip().rstrip("."))
        if public_host
        else f"{CONTROL_HOST}.{domain.strip().rstrip('.').lower()}"
    )
    return [
        CorpusPage(
            page_id=pid,
            category=CONTROL,
            language=lang,
            url=f"http://{host}:{port}{CONTROL_PREFIX}{pid}",
            alternate_url=None,
            marker=_control_marker(seed, pid),
            harmful=False,
        )
        for pid, lang in control_ids()
    ]


def _control_marker(seed: int, page_id: str) -> str:
    digest = hashlib.sha256(f"vcsc-control:{seed}:{page_id}".encode()).hexdigest()
    digest = digest.replace(_HOTLINE, "")[:10]
    return f"VCSC-{digest}"


def render_control(page_id: str, seed: int = DEFAULT_SEED) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a reachability control; 404 for an unknown id."""
    languages = dict(control_ids())
    if page_id not in languages:
        return 404, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}, b"not found\n"
    lang = languages[page_id]
    title, body = _CONTROL_TEXT[lang]
    title = title.format(n=page_id.rsplit("-", 1)[1])
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n'
        f"</head>\n<body>\n<main>\n<h1>{_e(title)}</h1>\n<p>{_e(body)}</p>\n"
        f'<p id="vcsc-marker">{_control_marker(seed, page_id)}</p>\n</main>\n</body>\n</html>\n'
    )
    return 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}, page.encode("utf-8")


def render(page_id: str, seed: int = DEFAULT_SEED) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a corpus page; 404 for an id not in the corpus of `seed`."""
    plan = _plans(seed).get(page_id)
    if plan is None:
        return 404, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}, b"not found\n"
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        # Every load must reach the filter: no caches between runs or probes.
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex, nofollow",
    }
    if plan.rta in (RTA_HEADER, RTA_BOTH):
        headers["Rating"] = RTA_LABEL
    return 200, headers, _body(page_id, seed)


# ---------------------------------------------------------------------------- HTML

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}"
    "header.top,footer{background:#333;color:#eee;padding:.6em 1em}header.top a{color:#fff;margin-right:1em}"
    "main{max-width:60em;margin:1em auto;padding:0 1em}.notice{background:#b00;color:#fff;padding:1em;text-align:center}"
    ".notice .badge{font-size:2em;display:block}.page-code{font-family:monospace;color:#555}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em}"
    ".cards{display:flex;flex-wrap:wrap;gap:1em;list-style:none;padding:0}.cards li{border:1px solid #ccc;padding:.6em;width:12em}"
    ".urlbox input{width:28em;padding:.4em}.button,button{background:#0a6;color:#fff;padding:.3em .8em;border:0}"
    ".box{border-left:4px solid #0a6;background:#eef;padding:.6em 1em}"
)

_LABELS = {
    "vi": {
        "code": "Mã trang",
        "nav": ("Trang chủ", "Mới nhất", "Phổ biến", "Liên hệ"),
        "footer": "Giới thiệu · Liên hệ · Điều khoản sử dụng",
        "rights": "Mọi quyền được bảo lưu.",
    },
    "en": {
        "code": "Page code",
        "nav": ("Home", "Latest", "Popular", "Contact"),
        "footer": "About · Contact · Terms of use",
        "rights": "All rights reserved.",
    },
}
_CITIES = {
    "vi": ("Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Nha Trang", "Huế", "Vũng Tàu"),
    "en": ("London", "Sydney", "Toronto", "Singapore", "Manila", "Austin", "Dublin", "Auckland"),
}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _fmt(n: int | float, language: str, decimals: int = 0) -> str:
    """12345 -> '12.345' (vi) or '12,345' (en)."""
    text = f"{n:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if language == "vi" else text


def _pick(rng: random.Random, items: Sequence[Any], k: int) -> list[Any]:
    """k items in their original order: sentences keep their logic."""
    return [items[i] for i in sorted(rng.sample(range(len(items)), min(k, len(items))))]


def _fill(template: str, rng: random.Random, site: str) -> str:
    """A body sentence; its {n} is a count ("more than 240 players")."""
    return template.format(site=site, n=_number(rng, 20, 990), grade=rng.randint(1, 9))


def _list(items: list[str], tag: str = "ul", cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<{tag}{attr}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    return (
        "<table><thead><tr>"
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
        + "</tbody></table>"
    )


def _notice(badge: str, text: str, buttons: tuple[str, ...] = ()) -> str:
    return (
        f'<div class="notice" role="dialog"><strong class="badge">{_e(badge)}</strong><p>{_e(text)}</p>'
        + " ".join(f'<button type="button">{_e(b)}</button>' for b in buttons)
        + "</div>"
    )


def _banner(category: str, lang: str) -> str:
    """What a visitor meets before the content: the age gate, a content warning."""
    vi = lang == "vi"
    if category == ADULT:
        return _notice(
            "18+",
            "Trang web có nội dung người lớn. Bạn phải đủ 18 tuổi để tiếp tục."
            if vi
            else "This website contains adult content. You must be 18 or older to enter.",
            ("Tôi đã đủ 18 tuổi – Vào xem", "Thoát") if vi else ("I am 18 or older – Enter", "Leave"),
        )
    if category == VIOLENCE:
        return _notice(
            "!",
            "Cảnh báo: video có hình ảnh bạo lực, máu me."
            if vi
            else "Warning: the videos show graphic violence and gore.",
            ("Tiếp tục xem",) if vi else ("Continue",),
        )
    if category == GAMBLING:
        return _notice(
            "+100%",
            "Nạp lần đầu tặng 100%, quay hũ miễn phí mỗi ngày."
            if vi
            else "100% deposit bonus and daily free spins for new players.",
            ("Đăng ký ngay",) if vi else ("Join now",),
        )
    return ""


def _block(category: str, rng: random.Random, voice: Voice, lang: str, section_text: list[str]) -> str:
    """The structure typical of the category: odds table, URL box, profile cards..."""
    vi = lang == "vi"
    items = voice.items
    if category == ADULT:
        cards = [
            f'<a href="#">{_e(t)}</a><br><span>{rng.randint(4, 59)}:{rng.randint(0, 59):02d} · '
            f'{_fmt(_number(rng, 1200, 980000), lang)} {"lượt xem" if vi else "views"}</span>'
            for t in rng.sample(items, 6)
        ]
        return f"<section><h2>{'Clip nóng đề xuất' if vi else 'Recommended hot clips'}</h2>{_list(cards, cls='cards')}</section>"
    if category == GAMBLING:
        rows = []
        for _ in range(4):
            home, away = rng.sample(items, 2)
            odds = [_fmt(rng.randint(120, 650) / 100, "en", 2) for _ in range(3)]
            rows.append(
                (_e(f"{home} – {away}"), *odds, f'<a class="button" href="#">{"Đặt cược" if vi else "Bet now"}</a>')
            )
        head: tuple[str, ...] = (
            ("Trận đấu", "Chủ nhà", "Hòa", "Khách", "") if vi else ("Match", "Home", "Draw", "Away", "")
        )
        return f"<section><h2>{'Tỷ lệ kèo hôm nay' if vi else 'Today’s odds'}</h2>{_table(head, rows)}</section>"
    if category == VIOLENCE:
        videos = [
            f'<a href="#">{_e(t)}</a> · {_fmt(_number(rng, 2000, 900000), lang)} {"lượt xem" if vi else "views"}'
            for t in rng.sample(items, 5)
        ]
        return f"<section><h2>{'Video nổi bật' if vi else 'Top videos'}</h2>{_list(videos)}</section>"
    if category == SELF_HARM:
        rows = [
            (
                f'<a href="#">{_e(t)}</a>',
                str(_number(rng, 2, 240)),
                f"{rng.randint(1, 23)} {'giờ trước' if vi else 'hours ago'}",
            )
            for t in rng.sample(items, 5)
        ]
        head = ("Chủ đề", "Trả lời", "Bài mới nhất") if vi else ("Thread", "Replies", "Last post")
        return f"<section><h2>{'Chủ đề đang thảo luận' if vi else 'Active threads'}</h2>{_table(head, rows)}</section>"
    if category in (DRUGS, WEAPONS):
        note = {DRUGS: ("Giao hàng kín đáo", "Stealth shipping"), WEAPONS: ("Không cần giấy phép", "No license")}[
            category
        ]
        rows = []
        for t in rng.sample(items, 5):
            price = f"{_fmt(_number(rng, 15, 990) * 10000, lang)}đ" if vi else f"${_number(rng, 15, 990)}"
            rows.append(
                (
                    _e(t),
                    price,
                    _e(note[0] if vi else note[1]),
                    f'<a class="button" href="#">{"Đặt mua" if vi else "Order"}</a>',
                )
            )
        head = ("Sản phẩm", "Giá", "Ghi chú", "") if vi else ("Product", "Price", "Note", "")
        return f"<section><h2>{'Bảng giá' if vi else 'Price list'}</h2>{_table(head, rows)}</section>"
    if category == DATING:
        cards = [
            f"<strong>{_e(name)}, {rng.randint(19, 35)}</strong><br>{_e(rng.choice(_CITIES[lang]))}"
            f"<br>{'Đang online' if vi else 'Online now'}"
            for name in rng.sample(items, 6)
        ]
        form = (
            '<form action="#" method="get"><label>Email <input type="email" name="email"></label> '
            f'<button type="submit">{"Đăng ký miễn phí" if vi else "Join free"}</button></form>'
        )
        return f"<section><h2>{'Người độc thân đang online' if vi else 'Singles online now'}</h2>{_list(cards, cls='cards')}{form}</section>"
    if category == PROXY:
        form = (
            '<form class="urlbox" action="#" method="get">'
            f'<label>{"Nhập địa chỉ trang web muốn vào" if vi else "Enter a URL to unblock any site"}<br>'
            '<input type="url" name="u" placeholder="https://"></label> '
            f'<button type="submit">{"Vượt chặn ngay" if vi else "Unblock"}</button></form>'
        )
        rows = [(_e(loc), f"{_number(rng, 12, 380)} ms", "●") for loc in rng.sample(items, 4)]
        head = ("Máy chủ", "Độ trễ", "Trạng thái") if vi else ("Server", "Ping", "Status")
        return f"<section>{form}<h2>{'Máy chủ proxy' if vi else 'Proxy servers'}</h2>{_table(head, rows)}</section>"
    if category == RTA_ONLY:
        posts = [f'<a href="#">{_e(t)}</a>' for t in rng.sample(items, 4)]
        return f"<section><h2>{'Bài viết liên quan' if vi else 'Related posts'}</h2>{_list(posts)}</section>"
    if category == CHILD_FRIENDLY:
        acts = [_e(t) for t in rng.sample(items, 3)]
        return f"<section class=\"box\"><h2>{'Hoạt động hôm nay' if vi else 'Today’s activities'}</h2>{_list(acts, 'ol')}</section>"
    # EDUCATION_VI: exercises, then a "remember" box, as in Vietnamese textbooks.
    a = _number(rng, 12, 95)
    b = _number(rng, a + 5, a + 90)
    c = rng.randint(2, 7)
    top, factor = rng.randint(1, 5), rng.randint(2, 9)
    values = {
        "a": a,
        "b": b,
        "c": c,
        "d": c + rng.randint(1, 4),
        "fraction": f"{factor * top}/{factor * (top + rng.randint(1, 6))}",
    }  # reducible by `factor`
    exercises = [_e(t.format(**values)) for t in _pick(rng, items, 4)]
    remember = _e(rng.choice(section_text))
    return f"<section><h2>Bài tập</h2>{_list(exercises, 'ol')}</section><aside class=\"box\"><strong>Ghi nhớ:</strong> {remember}</aside>"


def _strip_site(template: str) -> str:
    for part in ("{site} – ", " – {site}", "{site}: "):
        template = template.replace(part, "")
    return template


@lru_cache(maxsize=4096)
def _body(page_id: str, seed: int) -> bytes:
    plan = _plans(seed)[page_id]
    voice, lang, site = plan.voice, plan.language, plan.site
    rng = random.Random(f"{seed}:{page_id}:text")
    labels = _LABELS[lang]
    template = rng.choice(voice.titles)
    # Title and heading share the numbers: "Toán lớp 5 – Bài 12" in both.
    values = {"site": site, "n": _number(rng, 2, 30), "grade": rng.randint(1, 9)}
    title, heading = template.format(**values), _strip_site(template).format(**values)
    intros = [_fill(t, rng, site) for t in _pick(rng, voice.intros, 2)]
    sections = [
        (h, [_fill(s, rng, site) for s in _pick(rng, sentences, 3)]) for h, sentences in _pick(rng, voice.sections, 3)
    ]
    keywords = rng.sample(voice.keywords, min(6, len(voice.keywords)))
    rta_meta = f'<meta name="rating" content="{RTA_LABEL}">' if plan.rta in (RTA_META, RTA_BOTH) else ""
    section_html = [f"<section><h2>{_e(h)}</h2><p>{_e(' '.join(s))}</p></section>" for h, s in sections]
    block = _block(plan.category, rng, voice, lang, [s for _, ss in sections for s in ss])
    nav = "".join(f'<a href="#">{_e(item)}</a>' for item in labels["nav"])
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n"
        f'<meta name="description" content="{_e(intros[0])}">\n'
        f'<meta name="keywords" content="{_e(", ".join(keywords))}">\n'
        f"{rta_meta}<style>{_STYLE}</style>\n</head>\n<body>\n"
        f'<header class="top"><a href="#"><strong>{_e(site)}</strong></a> {nav}</header>\n'
        f"{_banner(plan.category, lang)}\n<main>\n<h1>{_e(heading)}</h1>\n"
        f'<p class="lead">{_e(" ".join(intros))}</p>\n'
        f'<p class="page-code">{labels["code"]}: <strong id="vcsc-marker">{plan.marker}</strong></p>\n'
        f"{section_html[0]}\n{block}\n{''.join(section_html[1:])}\n</main>\n"
        f"<footer>© {rng.choice((2023, 2024, 2025))} {_e(site)}. {labels['rights']} {labels['footer']}</footer>\n"
        "</body>\n</html>\n"
    )
    return page.encode("utf-8")
