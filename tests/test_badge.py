"""The embeddable SVG certificate badge."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from reports.badge import STATUS_WORDS, badge_etag, render_badge, text_width

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


@pytest.mark.parametrize("status", sorted(STATUS_WORDS))
def test_badge_is_accessible_svg_in_both_languages(status):
    for lang, level in (("vi", "Cơ bản"), ("en", "Basic")):
        root = _parse(render_badge(level_title=level, status=status, lang=lang))
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title.text == f"VCSC — {level} — {STATUS_WORDS[status][lang]}"
        assert root.get("aria-labelledby") == title.get("id")
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert texts == [f"VCSC — {level}", STATUS_WORDS[status][lang]]


def test_badge_examples_and_colours():
    vi = render_badge(level_title="Cơ bản", status="valid")
    assert "VCSC — Cơ bản — Còn hiệu lực" in vi
    assert "VCSC — Basic — Valid" in render_badge(level_title="Basic", status="valid", lang="en")
    colours = {
        s: next(
            r.get("fill") for r in _parse(render_badge(level_title="Basic", status=s)).iter(f"{SVG}rect") if r.get("x")
        )
        for s in STATUS_WORDS
    }
    assert len(set(colours.values())) == 4
    assert colours["valid"] == "#1a7f37" and colours["revoked"] == "#c62828"


def test_vietnamese_text_gets_room():
    # Diacritics do not make letters narrower than their base letters, and longer text is wider.
    assert text_width("Tạm đình chỉ") >= text_width("Tam dinh chi")
    assert text_width("Còn hiệu lực") > text_width("Valid")
    root = _parse(render_badge(level_title="Nâng cao", status="suspended"))
    width = int(root.get("width"))
    assert width >= text_width("VCSC — Nâng cao") + text_width("Tạm đình chỉ") + 32


def test_level_title_is_escaped():
    svg = render_badge(level_title='<script>alert("x")</script> & co', status="valid")
    assert "<script>" not in svg
    root = _parse(svg)
    assert root.find(f"{SVG}title").text.startswith('VCSC — <script>alert("x")</script> & co')
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))


def test_unknown_status_refused():
    with pytest.raises(ValueError):
        render_badge(level_title="Basic", status="pending")


def test_etag_strong_and_changes_with_status():
    valid = render_badge(level_title="Basic", status="valid")
    revoked = render_badge(level_title="Basic", status="revoked")
    assert badge_etag(valid) == badge_etag(render_badge(level_title="Basic", status="valid"))
    assert badge_etag(valid) != badge_etag(revoked)
    tag = badge_etag(valid)
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/") and len(tag) == 34
