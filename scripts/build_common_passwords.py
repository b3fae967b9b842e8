"""Rebuild api/domain/common_passwords.txt: the passwords refused outright (see api/domain/passwords.py).

Source: the "passwords" frequency list shipped in the zxcvbn package (PyPI zxcvbn 4.5.0, MIT licence; the list
comes from Dropbox's zxcvbn, built from leaked-password corpora), keeping the entries at least as long as the
shortest password the service accepts (shorter ones can never match), followed by the project's own additions:
Vietnamese words and patterns (below), lower-cased.

Run: .venv/bin/python scripts/build_common_passwords.py
"""

from __future__ import annotations

from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10  # api.http.schemas.Password
OUT = Path(__file__).resolve().parent.parent / "api" / "domain" / "common_passwords.txt"
# Words Vietnamese users are known to build passwords from, with the usual digit and symbol tails.
VIETNAMESE_WORDS = [
    "matkhau",
    "anhyeuem",
    "emyeuanh",
    "yeuem",
    "yeuanh",
    "vietnam",
    "hanoi",
    "saigon",
    "hochiminh",
    "danang",
    "baove",
    "treem",
    "giadinh",
    "conyeu",
    "matma",
    "xinchao",
    "taikhoan",
    "dangnhap",
    "nguyen",
    "tran",
    "minhanh",
    "ngoc",
    "huong",
    "thanh",
    "vcsc",
]
TAILS = ["123", "1234", "12345", "123456", "@123", "@1234", "2024", "2025", "2026", "123@", "!@#", "01", "1"]
DIGIT_RUNS = [
    "0123456789",
    "1234567890a",
    "a1234567890",
    "0987654321",
    "1234567890",
    "11223344556677",
    "0000000000",
    "1111111111",
    "123456789a",
    "123456789@",
    "12345678910",
]


def build() -> list[str]:
    seen: dict[str, None] = {}
    for password in FREQUENCY_LISTS["passwords"]:
        if len(password) >= MIN_LENGTH:
            seen.setdefault(password.lower())
    for word in VIETNAMESE_WORDS:
        for candidate in [word * 2, word + word[::-1]] + [word + tail for tail in TAILS]:
            if len(candidate) >= MIN_LENGTH:
                seen.setdefault(candidate)
    for run in DIGIT_RUNS:
        seen.setdefault(run)
    return list(seen)


def main() -> None:
    passwords = build()
    header = [
        "# Mật khẩu phổ biến bị từ chối / common passwords refused (one a line, lower case).",
        "# Built by scripts/build_common_passwords.py from zxcvbn 4.5.0's 'passwords' list (MIT),",
        f"# entries of {MIN_LENGTH}+ characters, plus the project's Vietnamese words and patterns.",
    ]
    OUT.write_text("\n".join(header + passwords) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(passwords)} passwords")


if __name__ == "__main__":
    main()
