"""Password strength: a new password is refused if it is blank, on the bundled list of common passwords
(common_passwords.txt, see scripts/build_common_passwords.py for its source), or guessable by the zxcvbn estimator
(score below MIN_SCORE, with the person's email, name and organisation and the site's own words as extra
dictionary words).

`password_problem` gives the reason in Vietnamese and English; callers put it at the field's JSON pointer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from zxcvbn import zxcvbn

from api.core.search import fold

MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from an offline slow-hash scenario"
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters decide (longer only helps)
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# Words anyone attacking this service would try first.
SITE_WORDS = (
    "vcsc",
    "matkhau",
    "password",
    "baove",
    "treem",
    "antoan",
    "chungnhan",
    "kiemtra",
    "nhacungcap",
    "safekid",
    "giadinh",
)

# zxcvbn's warnings, in Vietnamese (its English text follows in the message).
_WARNINGS_VI = {
    "Straight rows of keys are easy to guess.": "Các phím liền hàng rất dễ đoán.",
    "Short keyboard patterns are easy to guess.": "Mẫu bàn phím ngắn rất dễ đoán.",
    'Repeats like "aaa" are easy to guess.': "Ký tự lặp lại như \"aaa\" rất dễ đoán.",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': "Chuỗi lặp lại như \"abcabcabc\" chỉ khó đoán hơn \"abc\" một chút.",
    'Sequences like "abc" or "6543" are easy to guess.': "Dãy liên tiếp như \"abc\" hay \"6543\" rất dễ đoán.",
    "Recent years are easy to guess.": "Năm gần đây rất dễ đoán.",
    "Dates are often easy to guess.": "Ngày tháng thường rất dễ đoán.",
    "This is a top-10 common password.": "Đây là một trong 10 mật khẩu phổ biến nhất.",
    "This is a top-100 common password.": "Đây là một trong 100 mật khẩu phổ biến nhất.",
    "This is a very common password.": "Đây là mật khẩu rất phổ biến.",
    "This is similar to a commonly used password.": "Mật khẩu này gần giống một mật khẩu phổ biến.",
    "A word by itself is easy to guess.": "Một từ đứng riêng rất dễ đoán.",
    "Names and surnames by themselves are easy to guess.": "Tên và họ đứng riêng rất dễ đoán.",
    "Common names and surnames are easy to guess.": "Tên và họ phổ biến rất dễ đoán.",
}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _user_words(user_inputs: tuple[str, ...]) -> list[str]:
    """The person's email (whole and its parts), name and organisation as zxcvbn dictionary words."""
    words: list[str] = []
    for text in user_inputs:
        for form in {text.lower(), fold(text)} if text else ():  # "Bình" is typed "binh" as often as not
            words.extend((form, re.sub(r"[^\w]+", "", form)))
            words.extend(w for w in re.split(r"[^\w]+", form) if len(w) >= 3)
    return words


def password_problem(password: str, user_inputs: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """Why `password` is too weak, as (Vietnamese, English), or None if it is strong enough."""
    if not password.strip():
        return ("Mật khẩu không được chỉ gồm khoảng trắng", "The password must not be only spaces")
    if password.strip().lower() in common_passwords():
        return (
            "Mật khẩu nằm trong danh sách mật khẩu phổ biến; hãy chọn mật khẩu khác",
            "The password is on the list of common passwords; choose another one",
        )
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=[*SITE_WORDS, *_user_words(user_inputs)])
    if result["score"] >= MIN_SCORE:
        return None
    warning = result["feedback"].get("warning") or ""
    vi_warning = _WARNINGS_VI.get(warning, "")
    if any(m.get("dictionary_name") == "user_inputs" for m in result.get("sequence", [])):
        vi_warning, warning = (
            "Mật khẩu chứa email, tên hoặc tên tổ chức, hay từ của trang này.",
            "The password contains your email, name or organisation, or a word of this site.",
        )
    return (
        f"Mật khẩu quá dễ đoán. {vi_warning} Hãy dùng vài từ ít gặp ghép lại, dài hơn".replace("  ", " "),
        f"The password is too easy to guess. {warning} Use a longer mix of a few uncommon words".replace("  ", " "),
    )
