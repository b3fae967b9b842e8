"""Evaluate: is the sign-up age question neutral, is an under-16 routed to a parent, and can the
same session immediately retry with an adult age and get an account?"""

from __future__ import annotations

import re
from typing import Any

from checker.probes.base import Measurement, text
from checker.probes.signals import PARENT_FLOW, REFUSED_WORDS, _any, fold

AGE_WORDS = _any(
    [
        r"\bngay sinh\b",
        r"\bnam sinh\b",
        r"\bthang sinh\b",
        r"\bsinh nhat\b",
        r"\bsinh ngay\b",
        r"\btuoi\b",
        r"\bdate of birth\b",
        r"\bbirth",
        r"\bage\b",
        r"\bdob\b",
        r"\bborn\b",
        r"\bhow old\b",
    ]
)
DAY_PART = _any([r"^ngay$", r"^day$", r"^dd$", r"^ngay\b(?! sinh)", r"^day\b"])
MONTH_PART = _any([r"^thang\b(?! sinh)", r"^month\b", r"^mm$"])
YEAR_PART = _any([r"\bnam sinh\b", r"^nam\b", r"\byear\b", r"^yyyy$"])
AGE_NUMBER = _any([r"\btuoi\b", r"\bage\b", r"\bhow old\b"])
PLACEHOLDER_OPTION = _any(
    [
        r"^$",
        r"^[-\u2014\u2013 .]+$",
        r"\bchon\b",
        r"\bselect\b",
        r"\bchoose\b",
        r"^(?:ngay|thang|nam|day|month|year|tuoi|age)$",
        r"^(?:dd|mm|yyyy)$",
        r"\bpick\b",
        r"\blua chon\b",
    ]
)


def _label(f: dict[str, Any]) -> str:
    return fold(f"{f.get('name') or ''}")


def age_part(f: dict[str, Any]) -> str | None:
    """What a field asks of the person's age, judged by its label (and the group's), type and purpose:
    date, month_input, text_date, year, month, day, age, checkbox, radio, or None."""
    if not f.get("visible") or f.get("type") in ("hidden", "submit", "button", "image", "reset", "password", "email"):
        return None
    own, group = _label(f), fold(f.get("group") or "")
    autocomplete = f.get("autocomplete") or ""
    asks_age = bool(
        AGE_WORDS.search(own) or AGE_WORDS.search(fold(f.get("label_text") or ""))
    ) or autocomplete.startswith("bday")
    in_age_group = bool(AGE_WORDS.search(group))
    if not (asks_age or in_age_group):
        return None
    kind: str | None = f.get("type") if f.get("tag") == "input" else f.get("tag")
    if kind in ("checkbox", "radio", "date"):
        return kind
    if kind == "month":
        return "month_input"
    if autocomplete in ("bday-day", "bday-month", "bday-year"):
        return autocomplete.split("-")[1]
    if DAY_PART.search(own):
        return "day"
    if MONTH_PART.search(own):
        return "month"
    if YEAR_PART.search(own):
        return "year"
    if AGE_NUMBER.search(own) and not re.search(r"\bsinh\b|\bbirth", own):
        return "age"
    if in_age_group and not asks_age:
        # A field of the date-of-birth group we cannot name: judge by how many choices it offers.
        count = len([o for o in f.get("options") or [] if not PLACEHOLDER_OPTION.search(fold(o.get("text") or ""))])
        return {31: "day", 12: "month"}.get(count, "year" if count > 31 else None)
    if kind == "select":
        return "year" if len(f.get("options") or []) > 31 else "age"
    return "text_date"


def date_component(f: dict[str, Any]) -> str | None:
    """A field named only as a part of a date ("Ngày", "Tháng", "Năm" / "Day", "Month", "Year")."""
    if (
        not f.get("visible")
        or f.get("tag") not in ("select", "input")
        or f.get("type") in ("checkbox", "radio", "hidden", "password", "email")
    ):
        return None
    own = _label(f)
    if not own or len(own) > 25:
        return None
    for part, pattern in (("day", DAY_PART), ("month", MONTH_PART), ("year", YEAR_PART)):
        if pattern.search(own):
            return part
    return None


def age_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fields of the age question. Day, month and year boxes named only "Tháng", "Năm"...
    count when they sit in the same form as a field labelled as the date of birth."""
    found = [{**f, "part": part} for f in fields if (part := age_part(f))]
    forms = {f.get("form") for f in found if f["part"] in ("day", "month", "year", "text_date", "date")}
    indexes = {f.get("index") for f in found}
    for f in fields:
        if f.get("index") not in indexes and f.get("form") in forms and (part := date_component(f)):
            found.append({**f, "part": part})
    return sorted(found, key=lambda f: f.get("index", 0))


def prefilled(f: dict[str, Any]) -> bool:
    """The field shows an answer before the person gives one."""
    if f["part"] in ("checkbox", "radio"):
        return bool(f.get("checked"))
    if f.get("tag") == "select":
        index = f.get("selected_index")
        options = f.get("options") or []
        option = f.get("selected_option")
        if option is None:
            if index is None or index < 0 or index >= len(options):
                return False
            option = options[index]
        return bool(option.get("value")) and not PLACEHOLDER_OPTION.search(fold(option.get("text") or ""))
    return bool((f.get("value") or "").strip())


def _shown(f: dict[str, Any]) -> str:
    """The pre-filled answer as a person sees it."""
    if f["part"] in ("checkbox", "radio"):
        return "ticked"
    if f.get("tag") == "select":
        option = f.get("selected_option") or (
            (f.get("options") or [])[f["selected_index"]]
            if f.get("selected_index") is not None and 0 <= f["selected_index"] < len(f.get("options") or [])
            else {}
        )
        return option.get("text") or option.get("value") or ""
    return f.get("value") or ""


def classify(result: dict[str, Any] | None, *, refusal_first: bool = False) -> str | None:
    """What a sign-up submission led to: account_created, parent_flow, refused, form_again, or None (unknown).

    Only text that was not on the sign-up page before counts (header and footer drop out).
    A page that both refuses and points to a parent is a parent flow for the first attempt,
    and a refusal for the retry (`refusal_first`)."""
    if not result or result.get("error"):
        return None
    if result.get("signed_in"):
        return "account_created"
    new = fold(result.get("new_text") or "") + "\n" + fold(result.get("title") or "")
    order = (("refused", REFUSED_WORDS), ("parent_flow", PARENT_FLOW))
    for outcome, pattern in order if refusal_first else reversed(order):
        if pattern.search(new):
            return outcome
    if result.get("age_fields_again"):
        return "form_again"
    return None


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if not artifact.get("applicable", True):
        return Measurement(
            "age_assurance",
            False,
            {},
            text(
                "Sản phẩm không có trang đăng ký (manifest không khai báo pages.signup) nên không có câu hỏi tuổi để kiểm tra.",
                "The product has no sign-up page (no pages.signup in the manifest), so there is no age question to test.",
            ),
            evidence={"missing": artifact.get("missing", [])},
        )
    signup = artifact.get("signup") or {}
    if signup.get("error") or (signup.get("status") or 0) >= 400:
        return Measurement(
            "age_assurance",
            True,
            {"age_question_neutral": None, "under16_routed_to_parent": None, "age_retry_accepted_silently": None},
            text(
                f"Không tải được trang đăng ký ({signup.get('error') or signup.get('status')}); chưa đo được.",
                f"The sign-up page did not load ({signup.get('error') or signup.get('status')}); nothing measured.",
            ),
            confidence=0.0,
            evidence={"signup": signup},
            complete=artifact.get("complete", True),
        )
    fields = age_fields(artifact.get("initial_fields", []))
    neutral = None if not fields else not any(prefilled(f) for f in fields)
    child = artifact.get("under16") or {}
    adult = artifact.get("retry_adult") or {}
    child_outcome = classify(child.get("result")) if not child.get("error") else None
    if adult.get("error") == "no_age_question" and fields:
        # The sign-up page stopped asking this session: a refusal or the parent flow in its
        # place means the retry was blocked; an account page there came from the first attempt.
        adult_outcome = classify(adult.get("result"), refusal_first=True)
        adult_outcome = adult_outcome if adult_outcome in ("refused", "parent_flow") else None
    else:
        adult_outcome = classify(adult.get("result"), refusal_first=True) if not adult.get("error") else None
    routed = {"parent_flow": True, "account_created": False}.get(child_outcome) if child_outcome else None
    retry = (
        {"account_created": True, "refused": False, "parent_flow": False}.get(adult_outcome) if adult_outcome else None
    )
    measurements = {
        "age_question_neutral": neutral,
        "under16_routed_to_parent": routed,
        "age_retry_accepted_silently": retry,
    }

    words = {
        "account_created": ("tạo tài khoản", "an account was created"),
        "parent_flow": ("chuyển sang luồng cha mẹ", "routed to a parent flow"),
        "refused": ("bị từ chối", "refused"),
        "form_again": ("quay lại biểu mẫu", "the form came back"),
        None: ("không rõ kết quả", "unclear outcome"),
    }
    filled = [f for f in fields if prefilled(f)]
    neutral_vi = (
        "không tìm thấy câu hỏi tuổi"
        if neutral is None
        else "câu hỏi tuổi để trống"
        if neutral
        else f"câu hỏi tuổi đã điền sẵn ({', '.join(f['name'] or f['part'] for f in filled)})"
    )
    neutral_en = (
        "no age question found"
        if neutral is None
        else "the age question is blank"
        if neutral
        else f"the age question is pre-filled ({', '.join(f['name'] or f['part'] for f in filled)})"
    )
    explanation = text(
        f"Trang đăng ký: {neutral_vi}; khai dưới 16 tuổi: {words[child_outcome][0]}; "
        f"thử lại ngay với tuổi người lớn trong cùng phiên: {words[adult_outcome][0]}.",
        f"Sign-up page: {neutral_en}; declaring under 16: {words[child_outcome][1]}; "
        f"retrying at once with an adult age in the same session: {words[adult_outcome][1]}.",
    )
    evidence = {
        "signup_url": signup.get("url"),
        "age_fields": [
            {
                "label": f.get("name"),
                "group": f.get("group"),
                "part": f["part"],
                "prefilled": prefilled(f),
                "shown": _shown(f) if prefilled(f) else None,
            }
            for f in fields
        ][:10],
        "under16": {
            "birth_date": child.get("birth_date"),
            "outcome": child_outcome,
            "url": (child.get("result") or {}).get("url"),
            "excerpt": (child.get("result") or {}).get("excerpt"),
            "screenshot": child.get("screenshot"),
            "error": child.get("error"),
        },
        "retry_adult": {
            "birth_date": adult.get("birth_date"),
            "outcome": adult_outcome,
            "url": (adult.get("result") or {}).get("url"),
            "excerpt": (adult.get("result") or {}).get("excerpt"),
            "screenshot": adult.get("screenshot"),
            "error": adult.get("error"),
        },
        "test_accounts": artifact.get("test_emails", []),
    }
    known = [v for v in measurements.values() if v is not None]
    return Measurement(
        "age_assurance",
        True,
        measurements,
        explanation,
        confidence=round(0.5 + 0.5 * len(known) / 3, 2),
        evidence=evidence,
        complete=artifact.get("complete", True),
    )
