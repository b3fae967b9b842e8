"""The printable certificate of a product (one A4 page, PDF through reports.pdf): product, vendor, level, criteria
version, number, issue and expiry dates, status, and a QR code to the certificate's public verification page.
Self-contained like the report: inline CSS, the QR code as inline SVG (segno), no scripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import segno
from markupsafe import Markup

from checker.i18n import Translator
from reports.html import _ENV, LANGS


@dataclass(frozen=True)
class CertificateSheet:
    """What the printed certificate shows (texts in both languages where the data has them)."""

    id: str
    product_name: str
    vendor: str
    product_type_title: dict
    level_title: dict
    criteria_version: str
    status: str
    issued_at: datetime
    valid_until: datetime
    verify_url: str


def qr_svg(url: str, title: str) -> Markup:
    """`url` as a QR code (error correction M, so a worn print still reads), as inline SVG titled `title`."""
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, title=title))


def render_certificate_html(sheet: CertificateSheet, lang: str = "vi") -> str:
    """The certificate as a complete, self-contained HTML document in `lang` only."""
    if lang not in LANGS:
        raise ValueError(f"ngôn ngữ không hỗ trợ '{lang}' / unsupported language '{lang}'")
    t = Translator(lang)
    qr = qr_svg(sheet.verify_url, t("certpdf.qr_title", id=sheet.id))
    return _ENV.get_template("certificate.html.j2").render(c=sheet, t=t, lang=lang, qr=qr)


def render_certificate_pdf(sheet: CertificateSheet, lang: str = "vi", *, chromium: str | None = None) -> bytes:
    from reports.pdf import render_pdf  # starts a browser

    t = Translator(lang)
    return render_pdf(
        render_certificate_html(sheet, lang),
        chromium=chromium,
        header=t("certpdf.running", id=sheet.id),
        page_word=t("certpdf.page"),
    )
