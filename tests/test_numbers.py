"""Numbers in explanations follow each language: Vietnamese writes 0,95 and 100,3 ms and 1.200; English 0.95,
100.3 ms and 1,200."""

from checker.numbers import both, number, percent


def test_vietnamese_and_english_number_formats():
    assert number(100.345, "vi", 1) == "100,3" and number(100.345, "en", 1) == "100.3"
    assert number(0.954, "vi", 2) == "0,95" and number(0.954, "en", 2) == "0.95"
    assert number(1200, "vi") == "1.200" and number(1200, "en") == "1,200"
    assert percent(0.025, "vi", 1) == "2,5%" and percent(0.025, "en", 1) == "2.5%"
    assert percent(0.97, "vi") == "97%"
    assert both(1.1667, digits=2) == {"vi": "1,17", "en": "1.17"}
