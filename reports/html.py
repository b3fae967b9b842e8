"""HTML rendering of a conformance report (Jinja2, autoescaped, self-contained: no scripts,
fonts or style sheets from elsewhere), in the style of an accessibility conformance report."""
from __future__ import annotations

import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from checker.numbers import number

TEMPLATES = Path(__file__).parent / "templates"
LANGS = ("vi", "en")

LABELS = {
    "report": {"vi": "Báo cáo mức độ phù hợp", "en": "Conformance report"},
    "summary": {"vi": "Tóm tắt", "en": "Summary"},
    "product": {"vi": "Sản phẩm", "en": "Product"},
    "vendor": {"vi": "Nhà cung cấp", "en": "Vendor"},
    "criteria_version": {"vi": "Phiên bản bộ tiêu chí", "en": "Criteria version"},
    "product_type": {"vi": "Loại sản phẩm", "en": "Product type"},
    "submission": {"vi": "Hồ sơ", "en": "Submission"},
    "revision": {"vi": "lần nộp", "en": "revision"},
    "status": {"vi": "Trạng thái", "en": "Status"},
    "submitted_at": {"vi": "Ngày nộp", "en": "Submitted"},
    "level": {"vi": "Mức đạt được", "en": "Level reached"},
    "claimed_level": {"vi": "Mức theo tự đánh giá", "en": "Level claimed by the answers"},
    "no_level": {"vi": "Chưa đạt mức nào", "en": "No level"},
    "next_level": {"vi": "Mức tiếp theo", "en": "Next level"},
    "blockers": {"vi": "Các tiêu chí còn vướng", "en": "Criteria still blocking it"},
    "top_level": {"vi": "Đã đạt mức cao nhất.", "en": "The highest level is reached."},
    "discrepancies": {"vi": "Sai khác giữa khai báo và kiểm tra tự động", "en": "Discrepancies between claims and probes"},
    "no_discrepancies": {"vi": "Không có sai khác.", "en": "No discrepancies."},
    "criteria": {"vi": "Tiêu chí theo nhóm yêu cầu", "en": "Criteria by requirement group"},
    "criterion": {"vi": "Tiêu chí", "en": "Criterion"},
    "obligation": {"vi": "Mức bắt buộc", "en": "Obligation"},
    "conformance": {"vi": "Mức độ phù hợp", "en": "Conformance"},
    "remarks": {"vi": "Ghi chú", "en": "Remarks"},
    "claim": {"vi": "Khai báo", "en": "Claim"},
    "probe": {"vi": "Kiểm tra tự động", "en": "Probe"},
    "reason": {"vi": "Lý do", "en": "Reason"},
    "answer": {"vi": "Câu trả lời", "en": "Answer"},
    "no_answer": {"vi": "Chưa trả lời", "en": "Not answered"},
    "declared_na": {"vi": "Khai báo không áp dụng", "en": "Declared not applicable"},
    "evidence": {"vi": "Bằng chứng", "en": "Evidence"},
    "measured": {"vi": "Giá trị đo", "en": "Measured"},
    "confidence": {"vi": "độ tin cậy", "en": "confidence"},
    "content_filtering": {"vi": "Lọc nội dung theo danh mục", "en": "Content filtering per category"},
    "category": {"vi": "Danh mục", "en": "Category"},
    "expected": {"vi": "Kỳ vọng", "en": "Expected"},
    "expected_blocked": {"vi": "chặn", "en": "blocked"},
    "expected_allowed": {"vi": "cho phép", "en": "allowed"},
    "total": {"vi": "Tổng", "en": "Total"},
    "judged": {"vi": "Đã xác định", "en": "Judged"},
    "blocked": {"vi": "Bị chặn", "en": "Blocked"},
    "allowed": {"vi": "Cho qua", "en": "Allowed"},
    "block_rate": {"vi": "Tỷ lệ chặn", "en": "Block rate"},
    "chart": {"vi": "Biểu đồ tỷ lệ chặn theo danh mục", "en": "Chart of block rates per category"},
    "count": {"vi": "Số tiêu chí", "en": "Criteria"},
    "discrepancy_count": {"vi": "Số sai khác", "en": "Discrepancies"},
    "finding_count": {"vi": "Số kết quả kiểm tra tự động", "en": "Probe findings"},
    "combination_note": {
        "vi": "Kết quả kết hợp: không đạt nếu khai báo hoặc kiểm tra tự động không đạt; "
              "“Hỗ trợ một phần” chỉ dùng khi khai báo đạt nhưng thiếu bằng chứng hoặc kiểm tra tự động không xác định được.",
        "en": "Combined outcome: does not support if the claim or a probe failed; "
              "“Partially supports” is used only when a claim passes but its evidence or the probe check is lacking."},
    "none": {"vi": "không có", "en": "none"},
    "evidence_file": {"vi": "Tệp bằng chứng", "en": "Evidence file"},
}


def bilingual(value, lang: str = "vi") -> Markup:
    """A {vi, en} string, the report's language first and the other marked with its own lang."""
    if value is None:
        return Markup("")
    if not isinstance(value, dict):
        return escape(str(value))
    other = "en" if lang == "vi" else "vi"
    first, second = value.get(lang), value.get(other)
    if not second or second == first:
        return escape(first or second or "")
    return Markup('{} <span class="alt" lang="{}">/ {}</span>').format(first or "", other, second)


def compact(value) -> str:
    """An answer value or measurement in one short line."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (int, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".0%", "%")


_SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)


def safe_url(url) -> str | None:
    """Only http(s) addresses become links; anything else (javascript:, data:) stays text."""
    return url if isinstance(url, str) and _SAFE_URL.match(url) else None


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(compact=compact, percent=percent, safe_url=safe_url)
    return env


_ENV = _environment()


def size_text(size: int, lang: str) -> str:
    """A file size in bytes, grouped as the language writes numbers: "1.234.567 byte" / "1,234,567 bytes"."""
    return number(size, lang) + (" bytes" if lang == "en" and size != 1 else " byte")


def render_html(report: dict, lang: str = "vi", file_href: str | None = None) -> str:
    """The report as a complete, self-contained HTML document in `lang` (vi or en). `file_href`: where the
    evidence files are served ("{id}" is the file's id), for a reader who may download them; none: no links."""
    if lang not in LANGS:
        raise ValueError(f"ngôn ngữ không hỗ trợ '{lang}' / unsupported language '{lang}'")

    def file_link(f: dict) -> str | None:
        return file_href.format(id=int(f["id"])) if file_href and f.get("id") is not None else None

    def t(value) -> Markup:
        return bilingual(value, lang)

    def label(key: str) -> Markup:
        return bilingual(LABELS[key], lang)

    return _ENV.get_template("conformance.html.j2").render(
        r=report, lang=lang, t=t, label=label, file_link=file_link, size_text=lambda n: size_text(n, lang),
        plain=lambda value: (value or {}).get(lang, "") if isinstance(value, dict) else str(value or ""))
