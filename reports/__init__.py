"""Turns evaluation results into text, JSON and (later) HTML, PDF, EARL and badges.

Conformance reports of a submission revision: `reports.conformance.build_report` combines the
vendor's claims with probe findings (pure; `report_json` serialises it), `reports.html.render_html`
renders it (templates in reports/templates/), `reports.pdf.render_pdf` prints that HTML with
Chromium, and `reports.earl.render_earl` writes EARL JSON-LD with a bundled context.
"""
