"""settings_locked's evaluate on artifacts shaped as settings_locked.gather returns them (no browser): each attempt
decided by the value read back or the server's answer, a mix of decided and undecided attempts, the confidence
rule (two observations agreeing, the parent-PIN control), the cantTell and inapplicable reasons and the explanation
in both languages. Complements tests/probes/test_site_probes.py and tests/probes/test_site_signals.py."""

from __future__ import annotations

import pytest

from checker.probes.base import CANT_TELL, FAILED, INAPPLICABLE, PASSED, Measurement
from checker.probes.settings_locked.evaluate import classify_answer, evaluate, judge_attempt
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "parental_dashboard")


SITE = "https://giadinh.vn"
LOGIN = {
    "role": "child",
    "ok": True,
    "steps": [{"action": "fill", "ok": True}],
    "error": None,
    "final_url": f"{SITE}/trang-chu",
    "decided_by": "logout_control",
}


def attempt(setting: str, stuck: bool | None, stuck_fresh: bool | None, **changes) -> dict:
    """One attempted change as gather appends it, with the values read back after a reload and a fresh login."""
    label, old, new = {
        "filter_level": ("Mức lọc", "nghiem-ngat", "tat"),
        "time_limit": ("Giới hạn thời gian (phút)", "60", "75"),
    }[setting]
    record: dict = {
        "setting": setting,
        "label": label,
        "kind": "select" if setting == "filter_level" else "number",
        "from": old,
        "to": new,
        "after_reload": new if stuck else old,
        "stuck": stuck,
        "after_fresh_login": new if stuck_fresh else old,
        "stuck_after_fresh_login": stuck_fresh,
        "errors": [],
    }
    record.update(changes)
    return record


def artifact(attempts: list[dict], response: dict | None = None, **changes) -> dict:
    art = {
        "applicable": True,
        "screenshots": ["screenshots/settings_locked-after-child-change.png"],
        "login": LOGIN,
        "settings": {
            "url": f"{SITE}/cai-dat",
            "final_url": f"{SITE}/cai-dat",
            "status": 200,
            "error": None,
            "bounced_to_login": False,
            "excerpt": "Cài đặt. Mức lọc. Giới hạn thời gian (phút).",
        },
        "pin_field": False,
        "attempts": attempts,
        "submit": {"how": "form", "error": None},
        "response": response
        if response is not None
        else {"url": f"{SITE}/cai-dat", "status": 200, "requests": [], "excerpt": ""},
        "fresh_login": {**LOGIN},
    }
    art.update(changes)
    return art


def test_the_legacy_artifact_without_a_fresh_login_read_back_is_decided_by_the_reload():
    assert judge_attempt({"stuck": False}, {"status": 200, "excerpt": ""}) == ("refused", "after_reload")
    # The fresh login was tried but its value could not be read: the reload alone does not decide.
    assert judge_attempt({"stuck": False, "stuck_after_fresh_login": None}, {"status": 200, "excerpt": ""}) == (
        None,
        None,
    )


@pytest.mark.parametrize("status,kind", [(422, "refused"), (429, "refused"), (404, "unknown"), (200, "unknown")])
def test_refusing_statuses_decide_without_any_text(status, kind):
    assert classify_answer({"status": status, "excerpt": ""})[0] == kind


def test_both_read_backs_unchanged_pass_with_high_confidence_and_name_the_fresh_login():
    m = evaluate(artifact([attempt("filter_level", False, False), attempt("time_limit", False, False)]))
    assert m.measurements == {"child_changes_accepted": 0, "settings_attempted": 2}
    assert m.confidence == 0.9
    assert "từ chối tất cả; căn cứ: giá trị sau khi đăng nhập lại trong phiên mới." in m.explanation["vi"]
    assert "refused them all; decided by the value after a fresh login." in m.explanation["en"]
    assert outcomes(m) == {"PC-01": PASSED}


def test_one_change_accepted_fails_even_when_the_other_is_undecided():
    m = evaluate(artifact([attempt("filter_level", False, True), attempt("time_limit", None, None)]))
    assert m.measurements == {"child_changes_accepted": 1, "settings_attempted": 2}
    assert [a["verdict"] for a in m.evidence["attempts"]] == ["accepted", None]
    assert "Mức lọc: nghiem-ngat → tat" in m.explanation["vi"] and "Mức lọc: nghiem-ngat → tat" in m.explanation["en"]
    assert "giá trị sau khi đăng nhập lại trong phiên mới" in m.explanation["vi"]
    assert "decided by the value after a fresh login" in m.explanation["en"]
    assert outcomes(m) == {"PC-01": FAILED}


def test_one_refused_and_one_undecided_cannot_tell_and_ask_for_a_clear_message():
    m = evaluate(artifact([attempt("filter_level", False, False), attempt("time_limit", None, None)]))
    assert m.measurements == {"child_changes_accepted": None, "settings_attempted": 2}
    assert "Đã lưu cài đặt." in m.explanation["vi"] and "Settings saved." in m.explanation["en"]
    assert m.confidence == 0.0
    assert outcomes(m) == {"PC-01": CANT_TELL}


def test_the_parent_pin_making_the_change_work_raises_the_confidence_and_says_so():
    control = {
        "tried": True,
        "answer": {"status": 200, "excerpt": "Đã lưu cài đặt."},
        "took_effect": [True, True],
        "restored": True,
    }
    m = evaluate(
        artifact(
            [attempt("filter_level", False, False), attempt("time_limit", False, False)],
            pin_field=True,
            pin_control=control,
        )
    )
    assert m.confidence == 0.95
    assert m.explanation["vi"].endswith("việc từ chối là do thiếu mã PIN.")
    assert m.explanation["en"].endswith("the refusal is the missing PIN's doing.")
    assert m.evidence["pin_control"] == {
        "tried": True,
        "why": None,
        "answer": control["answer"],
        "took_effect": [True, True],
        "restored": True,
    }
    assert outcomes(m) == {"PC-01": PASSED}


def test_the_parent_pin_changing_nothing_either_lowers_the_confidence_and_says_so():
    control = {"tried": True, "answer": {"status": 200, "excerpt": ""}, "took_effect": [False, False]}
    m = evaluate(
        artifact([attempt("filter_level", False, False), attempt("time_limit", False, False)], pin_control=control)
    )
    assert m.confidence == 0.6
    assert "Ngay cả với mã PIN của cha mẹ" in m.explanation["vi"] and "Even with the parent PIN" in m.explanation["en"]
    assert outcomes(m) == {"PC-01": PASSED}


def test_one_observation_only_and_no_answer_gives_lower_confidence():
    m = evaluate(
        artifact(
            [attempt("filter_level", False, None, after_fresh_login=None)],
            response={"url": f"{SITE}/cai-dat", "status": 200, "requests": [], "excerpt": "Cần mã PIN"},
        )
    )
    assert m.measurements["child_changes_accepted"] == 0
    assert m.evidence["attempts"][0]["decided_by"] == "server_answer"
    assert m.confidence == 0.9  # the answer refused: it is one clear observation
    quiet = evaluate(artifact([attempt("filter_level", False, None, after_fresh_login=None)]))
    assert quiet.measurements["child_changes_accepted"] is None  # nothing else says the change was refused
    legacy = evaluate(
        artifact(
            [
                {
                    k: v
                    for k, v in attempt("filter_level", False, False).items()
                    if k not in ("after_fresh_login", "stuck_after_fresh_login")
                }
            ]
        )
    )
    assert legacy.measurements["child_changes_accepted"] == 0
    assert legacy.confidence == 0.7


def test_a_settings_page_answering_500_is_not_a_locked_page():
    m = evaluate(
        artifact(
            [],
            settings={
                "url": f"{SITE}/cai-dat",
                "final_url": f"{SITE}/cai-dat",
                "status": 500,
                "error": None,
                "bounced_to_login": False,
                "excerpt": "Internal Server Error",
            },
        )
    )
    assert m.measurements == {"child_changes_accepted": None, "settings_attempted": None}
    assert "máy chủ trả về mã HTTP 500" in m.explanation["vi"] and "the server answered HTTP 500" in m.explanation["en"]
    assert outcomes(m) == {"PC-01": CANT_TELL}


def test_missing_needs_are_named_in_both_languages_when_inapplicable():
    m = evaluate({"applicable": False, "missing": ["accounts.child", "pages.settings"], "complete": True})
    assert "accounts.child, pages.settings" in m.explanation["vi"]
    assert "accounts.child, pages.settings" in m.explanation["en"]
    assert outcomes(m) == {"PC-01": INAPPLICABLE}
