"""HTML rendering of a conformance report (Jinja2, autoescaped, self-contained: no scripts,
fonts or style sheets from elsewhere), in the style of an accessibility conformance report."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from babel.dates import format_time
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from checker.catalog import CATALOG
from checker.corpus.model import CATEGORY_TITLES
from checker.criteria import CriteriaError, load_set
from checker.glossary import words
from checker.i18n import TIMEZONE, Translator
from checker.numbers import number

TEMPLATES = Path(__file__).parent / "templates"
LANGS = ("vi", "en")
SUBMISSION_STATUS = words("submission_status")
OUTCOME_WORDS = words("outcome")

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
    "discrepancies": {
        "vi": "Sai khác giữa khai báo và kiểm tra tự động",
        "en": "Discrepancies between claims and probes",
    },
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
        "“Partially supports” is used only when a claim passes but its evidence or the probe check is lacking.",
    },
    "none": {"vi": "không có", "en": "none"},
    "evidence_file": {"vi": "Tệp bằng chứng", "en": "Evidence file"},
    "timezone": {"vi": "giờ Việt Nam (UTC+7)", "en": "Vietnam time (UTC+7)"},
    "submission_number": {"vi": "Hồ sơ số {id}, lần nộp {revision}", "en": "Submission {id}, revision {revision}"},
    "certificate": {"vi": "Số chứng nhận", "en": "Certificate number"},
    "certificate_number": {"vi": "Chứng nhận {id}", "en": "Certificate {id}"},
    "details": {"vi": "Chi tiết theo tiêu chí", "en": "Details per criterion"},
    "outcome_counts": {"vi": "Số tiêu chí theo mức độ phù hợp", "en": "Criteria per conformance outcome"},
    "pdf": {"vi": "Tải báo cáo dạng PDF (in khổ A4)", "en": "Download the report as PDF (A4 print)"},
    "page": {"vi": "Trang", "en": "Page"},
    "of_level": {
        "vi": "Để đạt mức {level} còn {count} tiêu chí",
        "en": "{count} criteria stand between this and the {level} level",
    },
}


def bilingual(value, lang: str = "vi") -> Markup:
    """A {vi, en} text in the report's language only (the other language when it is missing)."""
    if value is None:
        return Markup("")
    if not isinstance(value, dict):
        return escape(str(value))
    other = "en" if lang == "vi" else "vi"
    return escape(value.get(lang) or value.get(other) or "")


def compact(value) -> str:
    """An answer value or measurement in one short line (machine words; the report shows `Reader` texts)."""
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


class Reader:
    """What the report says in one language: the glossary's words for states and outcomes, dates in Vietnam time
    with the time zone named, answers and measurements as words and numbers the way the language writes them
    (Babel: "0,95" and "95%" in Vietnamese)."""

    def __init__(self, lang: str, criteria_version: str | None = None):
        self.lang = lang
        self.t = Translator(lang)
        self._schemas: dict[str, dict] = {}
        if criteria_version:
            try:
                self._schemas = {
                    cid: c.question.get("answer_schema") or {} for cid, c in load_set(criteria_version).criteria.items()
                }
            except CriteriaError:
                self._schemas = {}

    def label(self, key: str, **params) -> str:
        text = LABELS[key][self.lang]
        return text.format(**params) if params else text

    def status(self, status: str | None) -> str:
        return SUBMISSION_STATUS.get(status, {}).get(self.lang, status or "—") if status else "—"

    def outcome(self, outcome: str | None) -> str:
        return OUTCOME_WORDS.get(outcome, {}).get(self.lang, outcome or "—") if outcome else "—"

    def when(self, value) -> str:
        """A moment as the reader writes it, in Vietnam time with the zone named: "2 tháng 1, 2026, 10:04 giờ Việt
        Nam (UTC+7)" / "January 2, 2026, 10:04 Vietnam time (UTC+7)"."""
        if not value:
            return "—"
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        clock = format_time(moment, "HH:mm", tzinfo=TIMEZONE, locale=self.lang)
        return f"{self.t.date(moment)}, {clock} {self.label('timezone')}"

    def day(self, value) -> str:
        return self.t.date(value)

    def number(self, value) -> str:
        return self.t.number(value)

    def percent(self, value) -> str:
        return self.t.percent(value)

    def _is_rate(self, schema: dict) -> bool:
        return schema.get("type") == "number" and schema.get("minimum") == 0 and schema.get("maximum") == 1

    def value(self, value, schema: dict | None = None) -> str:
        """One answered value in words: yes/no, a number (a rate 0–1 as a percentage), the words of a choice."""
        schema = schema or {}
        if isinstance(value, bool):
            return self.t("common.yes") if value else self.t("common.no")
        if isinstance(value, (int, float)):
            return self.t.percent(value) if self._is_rate(schema) else self.t.number(value)
        if isinstance(value, list):
            item = schema.get("items") or {}
            return ", ".join(self.value(v, item) for v in value) if value else self.t("form.none_of_these")
        if isinstance(value, str) and f"choice.{value}" in CATALOG:
            return self.t(f"choice.{value}")
        if isinstance(value, dict):
            return "; ".join(f"{k}: {self.value(v)}" for k, v in value.items())
        return "—" if value is None else str(value)

    def _field(self, key: str, rate: bool) -> str | None:
        if key not in CATALOG:
            return None
        text = self.t(key)
        return text.replace(" (0–1)", "") if rate else text

    def answer_parts(self, criterion_id: str, value) -> list[tuple[str | None, str]]:
        """(label, text) for each part of an answer; one unlabelled part for a plain value."""
        schema = self._schemas.get(criterion_id, {})
        if isinstance(value, dict):
            props = schema.get("properties") or {}
            parts = []
            for prop, v in value.items():
                sub = props.get(prop) or {}
                name = (
                    self._field(f"field.{criterion_id}.{prop}", self._is_rate(sub))
                    or self._field(f"field.{prop}", self._is_rate(sub))
                    or prop
                )
                parts.append((name, self.value(v, sub)))
            return parts
        return [(None, self.value(value, schema))]

    def measurement(self, name: str, value) -> tuple[str, str]:
        """(label, text) of a probe measurement: rates ("block_rate_adult") as percentages."""
        rate = isinstance(value, (int, float)) and not isinstance(value, bool) and "rate" in name and 0 <= value <= 1
        label = self._field(f"field.{name}", rate)
        if label is None and name.startswith("block_rate_"):
            category = name.removeprefix("block_rate_")
            title = CATEGORY_TITLES.get(category)
            label = f"{LABELS['block_rate'][self.lang]} — {title[self.lang]}" if title else None
        text = self.t.percent(value) if rate else self.value(value)
        return label or name, text


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(compact=compact, percent=percent, safe_url=safe_url)
    return env


_ENV = _environment()


def size_text(size: int, lang: str) -> str:
    """A file size in bytes, grouped as the language writes numbers: "1.234.567 byte" / "1,234,567 bytes"."""
    return number(size, lang) + (" bytes" if lang == "en" and size != 1 else " byte")


def running_header(report: dict, lang: str, certificate_id: str | None = None) -> str:
    """The line printed at the top of every PDF page: the report, the product, and the certificate's number (or the
    submission's, before a certificate exists)."""
    sub = report.get("submission") or {}
    if certificate_id:
        number_text = LABELS["certificate_number"][lang].format(id=certificate_id)
    else:
        number_text = LABELS["submission_number"][lang].format(
            id=sub.get("id") or "—", revision=sub.get("revision") or "—"
        )
    return f"VCSC · {LABELS['report'][lang]} · {report['product']['name']} · {number_text}"


def render_html(
    report: dict,
    lang: str = "vi",
    file_href: str | None = None,
    *,
    pdf_href: str | None = None,
    certificate_id: str | None = None,
) -> str:
    """The report as a complete, self-contained HTML document in `lang` (vi or en) only. `file_href`: where the
    evidence files are served ("{id}" is the file's id), for a reader who may download them; none: no links.
    `pdf_href`: where the same report is printed as PDF (a link on screen, hidden in print). `certificate_id`: the
    certificate issued on this revision, named in the summary."""
    if lang not in LANGS:
        raise ValueError(f"ngôn ngữ không hỗ trợ '{lang}' / unsupported language '{lang}'")

    def file_link(f: dict) -> str | None:
        return file_href.format(id=int(f["id"])) if file_href and f.get("id") is not None else None

    def t(value) -> Markup:
        return bilingual(value, lang)

    def label(key: str, **params) -> Markup:
        return escape(LABELS[key][lang].format(**params) if params else LABELS[key][lang])

    reader = Reader(lang, (report.get("criteria_version") or {}).get("id"))
    obligations = {row["criterion_id"]: row["obligation_title"] for g in report.get("groups", []) for row in g["rows"]}
    return _ENV.get_template("conformance.html.j2").render(
        r=report,
        lang=lang,
        t=t,
        label=label,
        file_link=file_link,
        size_text=lambda n: size_text(n, lang),
        rd=reader,
        obligations=obligations,
        pdf_href=pdf_href,
        certificate_id=certificate_id,
        plain=lambda value: (value or {}).get(lang, "") if isinstance(value, dict) else str(value or ""),
    )
