"""age_assurance's evaluate on artifacts shaped as age_assurance.gather returns them (no browser): which fields are
the age question, what counts as pre-filled (also for long selects gather shortens), how a submission's outcome
is read (refusal first for the retry), the confidence rule, the cantTell reasons and the explanation in both
languages. Complements tests/probes/test_site_probes.py."""

from __future__ import annotations

from checker.probes.age_assurance.evaluate import age_fields, age_part, classify, evaluate, prefilled
from checker.probes.base import CANT_TELL, FAILED, PASSED, Measurement
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "children_platform")


SITE = "https://hocvui.vn"
KEYS = (
    "index",
    "tag",
    "type",
    "name",
    "label_text",
    "group",
    "value",
    "checked",
    "visible",
    "autocomplete",
    "placeholder",
    "selected_index",
    "options",
    "form",
    "required",
    "disabled",
    "readonly",
)


def field(index: int, name: str, tag: str = "input", type_: str = "text", **changes) -> dict:
    """One of gather's initial_fields (form_fields reduced to KEYS)."""
    record = dict.fromkeys(KEYS)
    record.update(
        index=index,
        tag=tag,
        type=type_,
        name=name,
        label_text="",
        group="",
        value="",
        checked=False,
        visible=True,
        autocomplete="",
        placeholder="",
        form=0,
        required=False,
        disabled=False,
        readonly=False,
    )
    record.update(changes)
    return record


def result(new_text: str, signed_in: bool = False, url: str = f"{SITE}/dang-ky", **changes) -> dict:
    """What _attempt records after submitting."""
    record = {
        "url": url,
        "title": "Đăng ký",
        "new_text": new_text,
        "signed_in": signed_in,
        "age_fields_again": False,
        "excerpt": new_text[:400],
    }
    record.update(changes)
    return record


def attempt(birth_date: str, outcome: dict | None = None, **changes) -> dict:
    record: dict = {
        "birth_date": birth_date,
        "declared_age": 12 if birth_date > "2010" else 30,
        "error": None,
        "load": {"final_url": f"{SITE}/dang-ky", "status": 200, "error": None},
        "age_fields_found": 1,
        "filled": [],
        "submit": {"navigated": True, "error": None},
    }
    if outcome is not None:
        record["result"] = outcome
    record.update(changes)
    return record


DATE = field(0, "Ngày sinh", type_="date", autocomplete="bday")
EMAIL = field(1, "Email", type_="email", autocomplete="email")
PARENT = result("Cần cha mẹ đăng ký\nBố mẹ sẽ nhận email để tạo tài khoản cho con.", url=f"{SITE}/dang-ky/cha-me")
REFUSED = result("Bạn đã khai báo ngày sinh trong phiên này nên không thể đổi.")


def artifact(fields: list[dict], child: dict, adult: dict, **changes) -> dict:
    art = {
        "applicable": True,
        "signup": {"url": f"{SITE}/dang-ky", "final_url": f"{SITE}/dang-ky", "status": 200, "error": None},
        "initial_fields": fields,
        "test_emails": ["vcsc-probe-ab12cd34-a@example.com", "vcsc-probe-ab12cd34-b@example.com"],
        "under16": child,
        "retry_adult": adult,
        "cookies_after": 3,
    }
    art.update(changes)
    return art


def test_age_parts_by_label_purpose_and_type():
    assert age_part(field(0, "Tuổi của con", type_="number")) == "age"
    assert (
        age_part(
            field(
                0,
                "Năm sinh",
                tag="select",
                type_="select-one",
                options=[{"value": str(y), "text": str(y)} for y in range(2025, 1950, -1)],
            )
        )
        == "year"
    )
    assert age_part(field(0, "", autocomplete="bday-month")) == "month"
    assert age_part(field(0, "Ngày sinh", type_="hidden")) is None
    assert age_part(field(0, "Mật khẩu", type_="password")) is None
    assert age_part(field(0, "Họ tên")) is None


def test_a_long_select_shortened_by_gather_is_read_from_its_selected_option():
    options = [{"value": str(y), "text": str(y)} for y in range(2025, 1825, -1)]  # 200 kept of a longer list
    year = field(
        2,
        "Năm sinh",
        tag="select",
        type_="select-one",
        selected_index=230,
        options=options,
        selected_option={"value": "1995", "text": "1995"},
    )
    found = age_fields([year])
    assert found[0]["part"] == "year" and prefilled(found[0])
    m = evaluate(artifact([year], attempt("2013-05-01", PARENT), attempt("1995-05-01", REFUSED)))
    assert m.measurements["age_question_neutral"] is False
    assert m.evidence["age_fields"][0]["shown"] == "1995"
    assert "câu hỏi tuổi đã điền sẵn (Năm sinh)" in m.explanation["vi"]
    assert "the age question is pre-filled (Năm sinh)" in m.explanation["en"]


def test_a_selected_index_out_of_range_is_not_an_answer():
    year = {
        **field(
            2,
            "Năm sinh",
            tag="select",
            type_="select-one",
            selected_index=-1,
            options=[{"value": "2010", "text": "2010"}],
        ),
        "part": "year",
    }
    assert not prefilled(year)


def test_a_page_that_refuses_and_points_to_a_parent_is_a_parent_flow_first_and_a_refusal_on_retry():
    both = result("Bạn chưa đủ tuổi. Hãy nhờ bố mẹ đăng ký cho con.")
    assert classify(both) == "parent_flow"
    assert classify(both, refusal_first=True) == "refused"
    assert classify(result("Xin chào!", signed_in=True)) == "account_created"
    assert classify(result("", age_fields_again=True)) == "form_again"
    assert classify(result("Cảm ơn bạn.")) is None
    assert classify({"error": "timeout"}) is None


def test_everything_known_gives_full_confidence_and_each_outcome_in_both_languages():
    m = evaluate(artifact([DATE, EMAIL], attempt("2013-05-01", PARENT), attempt("1995-05-01", REFUSED)))
    assert m.measurements == {
        "age_question_neutral": True,
        "under16_routed_to_parent": True,
        "age_retry_accepted_silently": False,
    }
    assert m.confidence == 1.0
    assert m.explanation["vi"] == (
        "Trang đăng ký: câu hỏi tuổi để trống; khai dưới 16 tuổi: chuyển sang luồng cha mẹ; "
        "thử lại ngay với tuổi người lớn trong cùng phiên: bị từ chối."
    )
    assert m.explanation["en"] == (
        "Sign-up page: the age question is blank; declaring under 16: routed to a parent flow; "
        "retrying at once with an adult age in the same session: refused."
    )
    assert outcomes(m) == {"AA-01": PASSED, "AA-05": PASSED}


def test_no_age_question_found_cannot_tell_the_neutral_question():
    m = evaluate(
        artifact(
            [EMAIL],
            attempt("2013-05-01", PARENT),
            attempt("1995-05-01", REFUSED, error="no_age_question", age_fields_found=0),
        )
    )
    assert m.measurements["age_question_neutral"] is None
    # Without an age question on the page, "it stopped asking" cannot be read as the retry being blocked.
    assert m.measurements["age_retry_accepted_silently"] is None
    assert m.confidence == 0.67  # one measurement of three known
    assert "không tìm thấy câu hỏi tuổi" in m.explanation["vi"] and "no age question found" in m.explanation["en"]
    assert outcomes(m) == {"AA-01": CANT_TELL, "AA-05": PASSED}


def test_an_attempt_that_failed_is_an_unclear_outcome():
    m = evaluate(
        artifact(
            [DATE],
            attempt("2013-05-01", error="submit_timeout"),
            attempt("1995-05-01", result("Xin chào!", signed_in=True, url=f"{SITE}/tai-khoan")),
        )
    )
    assert m.measurements == {
        "age_question_neutral": True,
        "under16_routed_to_parent": None,
        "age_retry_accepted_silently": True,
    }
    assert m.evidence["under16"]["error"] == "submit_timeout"
    assert "khai dưới 16 tuổi: không rõ kết quả" in m.explanation["vi"]
    assert "declaring under 16: unclear outcome" in m.explanation["en"]
    assert outcomes(m) == {"AA-01": FAILED, "AA-05": CANT_TELL}


def test_a_signup_page_that_did_not_load_names_the_status_in_both_languages():
    m = evaluate(
        {
            "applicable": True,
            "signup": {"url": f"{SITE}/dang-ky", "final_url": f"{SITE}/dang-ky", "status": 404, "error": None},
        }
    )
    assert m.explanation == {
        "vi": "Không tải được trang đăng ký (404); chưa đo được.",
        "en": "The sign-up page did not load (404); nothing measured.",
    }
    assert m.confidence == 0.0
    assert outcomes(m) == {"AA-01": CANT_TELL, "AA-05": CANT_TELL}
