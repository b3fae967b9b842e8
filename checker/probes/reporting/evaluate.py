"""Evaluate: how many clicks from the start page to a report-abuse form, and whether the start
page shows a report control and the 111 hotline."""

from __future__ import annotations

from typing import Any

from checker.probes.base import Measurement, text
from checker.probes.signals import HOTLINE_CONTEXT, REPORT_WORDS, fold

MAX_CLICKS = 2
# "Not reached within MAX_CLICKS clicks although every candidate was followed": the count is
# at least one more than we tried, which a threshold `maximum: 2` rejects.
NOT_FOUND_CLICKS = MAX_CLICKS + 1


def is_report_form(state: dict[str, Any]) -> bool:
    """A state (page after some clicks) offers a report form: the page speaks of reporting and
    holds a form a person fills in (free text, or a choice of what happened), or the report
    control opened the user's mail program addressed to the product."""
    if state.get("kind") == "mailto":
        return True
    if not state.get("report_words_on_page"):
        return False
    return any(f.get("textareas", 0) or f.get("choices", 0) for f in state.get("forms", []))


def hotline_seen(snippets: list[str], tel_links: list[str]) -> bool:
    """111 shown as the hotline: a tel:111 link, or 111 in text next to hotline words."""
    if any(t.replace(" ", "").endswith(":111") for t in tel_links):
        return True
    return any(HOTLINE_CONTEXT.search(fold(s)) for s in snippets)


def report_controls(names: list[str]) -> list[str]:
    return [n for n in names if REPORT_WORDS.search(fold(n))]


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if not artifact.get("applicable", True):
        why = artifact.get("reason")
        if why == "no_web_pages":
            explanation = text(
                "Sản phẩm không có trang web nào (manifest không có địa chỉ bắt đầu) nên không có trang để tìm kênh báo cáo.",
                "The product has no web pages (no start address in the manifest), so there is no page to look for a reporting channel on.",
            )
        elif why == "start_not_a_web_page":
            explanation = text(
                "Địa chỉ bắt đầu không phải là một trang web (không trả về HTML) nên không có trang nào để tìm kênh báo cáo.",
                "The start address is not a web page (no HTML), so there is no page to look for a reporting channel on.",
            )
        else:
            explanation = text(
                "Manifest không cho đủ thông tin để kiểm tra kênh báo cáo.",
                "The manifest does not give what the reporting check needs.",
            )
        return Measurement(
            "reporting",
            False,
            {},
            explanation,
            evidence={"missing": artifact.get("missing", []), "start": artifact.get("start")},
        )
    start = artifact.get("start") or {}
    start_url = start.get("url")
    if not artifact.get("start_loaded"):
        return Measurement(
            "reporting",
            True,
            {"report_control_clicks": None, "shows_hotline_111": None, "reporting_link_visible": None},
            text(
                f"Không tải được trang bắt đầu ({start.get('error') or start.get('status')}); chưa đo được.",
                f"The start page did not load ({start.get('error') or start.get('status')}); nothing measured.",
            ),
            confidence=0.0,
            evidence={"start": start},
            complete=artifact.get("complete", True),
        )

    states = artifact.get("states", [])
    found = sorted((s for s in states if is_report_form(s)), key=lambda s: s["clicks"])
    if found:
        clicks = found[0]["clicks"]
    elif artifact.get("searched_completely") and not any(st.get("error") for st in states):
        clicks = NOT_FOUND_CLICKS
    else:
        clicks = None
    link_names = report_controls(artifact.get("start_controls", []))
    # Controls that could not be read are not controls that are missing.
    link_visible = bool(link_names) if (link_names or artifact.get("start_controls_read", True)) else None
    hotline = hotline_seen(artifact.get("hotline_snippets", []), artifact.get("tel_links", []))
    measurements = {
        "report_control_clicks": clicks,
        "shows_hotline_111": hotline,
        "reporting_link_visible": link_visible,
    }

    if found:
        path = " → ".join(found[0].get("via", [])) or "(trang bắt đầu / start page)"
        reach_vi, reach_en = (
            f"biểu mẫu báo cáo sau {clicks} lần nhấn ({path})",
            f"a report form after {clicks} click(s) ({path})",
        )
    elif clicks == NOT_FOUND_CLICKS:
        reach_vi = f"không tìm thấy biểu mẫu báo cáo trong {MAX_CLICKS} lần nhấn (đã thử {len(states) - 1} đường dẫn)"
        reach_en = f"no report form within {MAX_CLICKS} clicks ({len(states) - 1} path(s) tried)"
    else:
        reach_vi = "chưa dò hết các đường dẫn nên chưa biết số lần nhấn"
        reach_en = "the search was cut short, so the number of clicks is unknown"
    explanation = text(
        f"Trang bắt đầu {'có' if link_visible else 'không có' if link_visible is False else 'chưa rõ có'} liên kết/nút báo cáo, "
        f"{'có' if hotline else 'không'} hiển thị tổng đài 111; {reach_vi}.",
        f"The start page {'shows a' if link_visible else 'shows no' if link_visible is False else 'may or may not show a'} report link or button and "
        f"{'shows' if hotline else 'does not show'} hotline 111; {reach_en}.",
    )
    evidence = {
        "start_url": start_url,
        "report_controls_on_start_page": link_names[:20],
        "hotline_snippets": artifact.get("hotline_snippets", [])[:5],
        "tel_links": artifact.get("tel_links", [])[:5],
        "report_form_url": found[0].get("url") if found else None,
        "report_form_path": found[0].get("via") if found else None,
        "paths_tried": [
            {"clicks": s["clicks"], "via": s.get("via"), "url": s.get("url"), "error": s.get("error")} for s in states
        ][:30],
        "screenshots": artifact.get("screenshots", []),
    }
    # Fewer paths followed than planned, or a candidate that failed to load, lowers trust in "not found".
    confidence = 1.0 if found else (0.8 if clicks == NOT_FOUND_CLICKS else 0.3)
    return Measurement(
        "reporting",
        True,
        measurements,
        explanation,
        confidence=confidence,
        evidence=evidence,
        complete=artifact.get("complete", True),
    )
