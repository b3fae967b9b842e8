"""The search page with a typo: the results of the corrected query, and the page says so (vi first, en too)."""

from __future__ import annotations

from tests.web.conftest import text_of


def test_a_typo_shows_the_corrected_query(catalogue, world):
    page = world.site.browser().get("/", params={"q": "bao ve tre emm"})
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Bảo vệ trẻ em SafeKid" in text
    assert "Không có sản phẩm nào khớp với “bao ve tre emm”; có 1 sản phẩm khớp với “bao ve tre em”." in text
    english = text_of(world.site.browser().get("/", params={"q": "bao ve tre emm", "lang": "en"}).text)
    assert "No product matches “bao ve tre emm”; 1 product matches “bao ve tre em”." in english
