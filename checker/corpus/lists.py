"""The club's own URL lists (CSV) as corpus pages, the corpus as CSV, and stratified samples.

A list is UTF-8 CSV with the header `url,category,language`; optional columns are
`harmful` (must agree with the category: it is a check, not an override) and `marker`
(present in the server's /corpus.csv, so the built-in corpus round-trips; external lists
leave it out). Other columns are ignored, so a club can keep notes beside each URL.
Rows of category `control` are reachability controls: harmless pages every filter must let
through (a few well-known pages the club's network reaches); they are checked, not measured.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from checker.corpus.model import CATEGORIES, CONTROL, LANGUAGES, CorpusPage, is_harmful

REQUIRED_COLUMNS = ("url", "category", "language")
CSV_COLUMNS = ("url", "category", "language", "marker")
_TRUE = {"true", "1", "yes", "y", "có", "co"}
_FALSE = {"false", "0", "no", "n", "không", "khong"}
MAX_URL_LENGTH = 2000


class CorpusListError(ValueError):
    """A URL list is unreadable or invalid; `line` (1 = the header) and `column` say where."""

    def __init__(self, message: str, line: int | None, column: str | None = None):
        where = []
        if line is not None:
            where.append(f"dòng / line {line}")
        if column:
            where.append(f"cột / column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.message = message
        self.line = line
        self.column = column


def to_csv(pages: list[CorpusPage]) -> str:
    """The pages as CSV (url, category, language, marker), readable by load_url_list."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for page in pages:
        writer.writerow((page.url, page.category, page.language, page.marker or ""))
    return out.getvalue()


def _check_url(url: str, line: int) -> str:
    if not url:
        raise CorpusListError("thiếu URL / the URL is empty", line, "url")
    if len(url) > MAX_URL_LENGTH or any(ch.isspace() for ch in url):
        raise CorpusListError(
            f"URL không hợp lệ / bad URL {url[:80]!r}: quá dài hoặc có khoảng trắng / too long or contains whitespace",
            line,
            "url",
        )
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise CorpusListError(f"URL không hợp lệ / bad URL {url!r}: {exc}", line, "url") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise CorpusListError(
            f"URL phải bắt đầu bằng http:// hoặc https:// / bad URL {url!r}: the scheme must be http or https",
            line,
            "url",
        )
    if not parts.hostname:
        raise CorpusListError(f"URL không có tên máy chủ / bad URL {url!r}: no host name", line, "url")
    return url


def _check_harmful(value: str, category: str, line: int) -> None:
    text = value.strip().lower()
    if not text:
        return
    if text not in _TRUE | _FALSE:
        raise CorpusListError(f"giá trị không hợp lệ / expected true or false, got {value!r}", line, "harmful")
    if (text in _TRUE) != is_harmful(category):
        raise CorpusListError(
            f"'{value}' mâu thuẫn với danh mục '{category}' / contradicts the category "
            f"'{category}' (expected {str(is_harmful(category)).lower()})",
            line,
            "harmful",
        )


def _read_text(path: Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CorpusListError(f"không đọc được tệp / cannot read {path}: {exc.strerror or exc}", None) from None
    try:
        return data.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusListError("tệp không phải UTF-8 / the file is not UTF-8", line) from None


def load_url_list(path: str | Path) -> list[CorpusPage]:
    """The pages of a club URL list; CorpusListError names the line and column of a problem."""
    reader = csv.reader(io.StringIO(_read_text(Path(path)), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise CorpusListError("tệp rỗng / the file is empty; expected the header url,category,language", 1)
        names = [h.strip().lower() for h in header]
        for name in REQUIRED_COLUMNS:
            if name not in names:
                raise CorpusListError(f"thiếu cột / missing column '{name}' (header: {','.join(header)})", 1, name)
        for name in names:
            if name and names.count(name) > 1:
                raise CorpusListError(f"cột bị lặp / duplicate column '{name}'", 1, name)
        col = {name: i for i, name in enumerate(names)}
        pages: list[CorpusPage] = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines between groups of URLs are common in hand-kept lists
            if len(row) != len(header):
                raise CorpusListError(
                    f"có {len(row)} cột thay vì {len(header)} / {len(row)} fields, the header has {len(header)}", line
                )
            cell = {name: row[i].strip() for name, i in col.items()}
            url = _check_url(cell["url"], line)
            category = cell["category"].lower()
            if category not in CATEGORIES and category != CONTROL:
                raise CorpusListError(
                    f"danh mục không hợp lệ / unknown category {cell['category']!r}; "
                    f"one of: {', '.join(CATEGORIES + (CONTROL,))}",
                    line,
                    "category",
                )
            language = cell["language"].lower()
            if language not in LANGUAGES:
                raise CorpusListError(
                    f"ngôn ngữ không hợp lệ / unknown language {cell['language']!r}; one of: {', '.join(LANGUAGES)}",
                    line,
                    "language",
                )
            if "harmful" in cell:
                _check_harmful(cell["harmful"], category, line)
            if url in seen:
                # A repeated URL would be counted twice in a block rate.
                raise CorpusListError(
                    f"URL lặp lại dòng {seen[url]} / duplicate URL, first on line {seen[url]}", line, "url"
                )
            seen[url] = line
            pages.append(
                CorpusPage(
                    page_id=f"{category.replace('_', '-')}-{language}-l{line:05d}",
                    category=category,
                    language=language,
                    url=url,
                    alternate_url=None,
                    marker=cell.get("marker") or None,
                    harmful=is_harmful(category),
                )
            )
    except csv.Error as exc:
        raise CorpusListError(f"CSV không hợp lệ / bad CSV: {exc}", reader.line_num) from None
    if not pages:
        raise CorpusListError("danh sách không có URL nào / the list has no URLs", reader.line_num or 1)
    return pages


def sample(pages: list[CorpusPage], per_category: int, seed: int = 2024) -> list[CorpusPage]:
    """At most `per_category` pages of each category, languages alternating, in input order.

    Each category draws from its own generator (seeded by seed and category name), so a
    category's sample does not change when another category's pages do.
    """
    if per_category < 1:
        raise ValueError("per_category must be at least 1")
    by_category: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for position, page in enumerate(pages):
        by_category[page.category][page.language].append(position)
    chosen: list[int] = []
    for category, by_language in by_category.items():
        rng = random.Random(f"{seed}:{category}")
        queues = []
        for language in sorted(by_language):
            positions = by_language[language][:]
            rng.shuffle(positions)
            queues.append(positions)
        # Round-robin over languages keeps a Vietnamese/English balance in small samples.
        taken = 0
        while taken < per_category and any(queues):
            for queue in queues:
                if queue and taken < per_category:
                    chosen.append(queue.pop())
                    taken += 1
    return [pages[i] for i in sorted(chosen)]
