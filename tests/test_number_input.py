"""Numbers as people type them into the self-assessment: either language's marks, thousands groups, and
percentages where a rate is asked; the ambiguous "1.200" read by what the answer asks and the page's language."""

from __future__ import annotations

import pytest

from checker.numbers import parse_number


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("0,95", "vi", 0.95),
        ("0.95", "vi", 0.95),
        ("0,95", "en", 0.95),
        ("0.95", "en", 0.95),  # not 3 digits: decimal
        ("1,5", "vi", 1.5),
        ("1,5", "en", 1.5),
        ("12.75", "vi", 12.75),
        ("1.234,5", "vi", 1234.5),
        ("1.234,5", "en", 1234.5),
        ("1,234.5", "vi", 1234.5),  # both marks: last is decimal
        ("1.234.567", "vi", 1234567),
        ("1,234,567", "en", 1234567),
        ("1 200", "vi", 1200),
        ("1\u00a0200", "en", 1200),
        ("0.950", "vi", 0.95),
        ("0,950", "en", 0.95),  # "0" cannot start a thousands group
        ("1234.567", "vi", 1234.567),  # four digits before the mark: not a group
        ("600", "vi", 600),
        ("-3", "en", -3),
        (".5", "vi", 0.5),
        ("1200,0", "vi", 1200),
    ],
)
def test_unambiguous_numbers_read_the_same_in_both_languages_where_they_can(text, lang, expected):
    value = parse_number(text, lang)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text, vi, en", [("1.200", 1200, 1.2), ("1,200", 1.2, 1200), ("12.500", 12500, 12.5)])
def test_one_mark_then_three_digits_follows_the_pages_language(text, vi, en):
    assert parse_number(text, "vi") == vi and parse_number(text, "en") == en


@pytest.mark.parametrize("text", ["1.200", "1,200"])
def test_a_whole_number_reads_one_mark_and_three_digits_as_thousands_in_both(text):
    assert parse_number(text, "vi", integer=True) == 1200 and parse_number(text, "en", integer=True) == 1200


@pytest.mark.parametrize(
    "text, expected",
    [("95%", 0.95), ("95 %", 0.95), ("99,5%", 0.995), ("99.5 %", 0.995), ("100%", 1.0), ("0%", 0.0), ("0,5%", 0.005)],
)
def test_percentages_where_a_rate_is_asked(text, expected):
    assert parse_number(text, "vi", rate=True) == pytest.approx(expected)
    assert parse_number(text, "en", rate=True) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["95%", "95 %"])
def test_no_percentage_where_no_rate_is_asked(text):
    assert parse_number(text, "vi") is None and parse_number(text, "en", integer=True) is None


@pytest.mark.parametrize("text", ["", "abc", "1e5", ",", "1.2.3", "12.34.5", "1.200,", "1,2.3", "%", "--1", "1.23,4.5"])
def test_what_is_not_a_number(text):
    assert parse_number(text, "vi", rate=True) is None and parse_number(text, "en") is None
