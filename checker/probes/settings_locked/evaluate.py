"""Evaluate: how many of the child's attempted changes to the protection settings the product accepted,
judged from what it answered (HTTP status, text), the values after a reload and after a fresh login."""

from __future__ import annotations

import re
from typing import Any

from checker.probes.base import Measurement, text
from checker.probes.reasons import load_reason, login_reason
from checker.probes.signals import PARENT_GATE, REFUSED_WORDS, _any, fold

FILTER_WORDS = _any(
    [
        r"\bloc\b",
        r"\bbo loc\b",
        r"\bmuc loc\b",
        r"\bche do (?:loc|an toan|bao ve)\b",
        r"\bfilter",
        r"\bbao ve\b",
        r"\bprotection\b",
        r"\bsafe ?search\b",
        r"\bdo tuoi\b",
        r"\bage (?:rating|level|preset)\b",
        r"\bsafety level\b",
    ]
)
TIME_WORDS = _any(
    [
        r"\bthoi gian\b",
        r"\bgioi han\b",
        r"\bphut\b",
        r"\bgio\b",
        r"\btime\b",
        r"\blimit\b",
        r"\bminutes?\b",
        r"\bhours?\b",
        r"\bscreen ?time\b",
        r"\bdaily\b",
        r"\bmoi ngay\b",
    ]
)


def locked_page(page: dict[str, Any]) -> bool:
    """The page tells the child that a parent's PIN or login is needed, or refuses outright."""
    folded = fold(page.get("text") or page.get("excerpt") or "")
    return bool(PARENT_GATE.search(folded) or REFUSED_WORDS.search(folded)) or (page.get("status") or 0) in (401, 403)


# What a product says after a change, in folded text (no diacritics).
SAVED_WORDS = _any(
    [
        r"\bda luu\b",
        r"\bluu thanh cong\b",
        r"\bda cap nhat\b",
        r"\bcap nhat thanh cong\b",
        r"\bda (?:duoc )?thay doi\b",
        r"\bda ap dung\b",
        r"\bsaved\b",
        r"\bupdated\b",
        r"\bchanges? (?:were |have been )?(?:applied|made)\b",
        r"\bsuccessfully\b",
    ]
)
ERROR_WORDS = _any(
    [
        r"\bsai ma\b",
        r"\bma (?:pin )?(?:khong dung|sai)\b",
        r"\b(?:co|bi|gap|da xay ra) loi\b",
        r"\bloi:",
        r"\bthat bai\b",
        r"\bkhong thanh cong\b",
        r"\bchua (?:duoc )?(?:luu|thay doi)\b",
        r"\berror\b",
        r"\bfailed\b",
        r"\bwrong\b",
        r"\bincorrect\b",
        r"\brequired\b",
        r"\bnot (?:saved|changed)\b",
        r"\bforbidden\b",
        r"\bunauthori[sz]ed\b",
    ]
)
NEGATED = re.compile(r"\b(?:not|never|no|chua|khong|chang)\b[^.!?\n]{0,20}$")
REFUSED_STATUSES = {400, 401, 403, 405, 409, 412, 422, 423, 428, 429}


def classify_answer(response: dict[str, Any]) -> tuple[str, str]:
    """What the product answered to the child's change: ("refused" | "accepted" | "unknown", why).

    The HTTP status of the request the change sent counts first (401/403/422... refuse); then the
    text the page showed after it: a PIN demand or an error refuses even with HTTP 200, and a
    "saved" message that is not negated ("not saved", "chưa được lưu") accepts."""
    status = response.get("status")
    excerpt = re.sub(r"\s+", " ", response.get("excerpt") or "").strip()
    folded = fold(excerpt)
    said = (f"HTTP {status}" if status else "") + (f"{', ' if status else ''}«{excerpt[:140]}»" if excerpt else "")
    if status in REFUSED_STATUSES:
        return "refused", said
    if PARENT_GATE.search(folded) or ERROR_WORDS.search(folded) or REFUSED_WORDS.search(folded):
        return "refused", said
    saved = next(
        (m for m in SAVED_WORDS.finditer(folded) if not NEGATED.search(folded[max(0, m.start() - 30) : m.start()])),
        None,
    )
    if saved and (status is None or status < 400):
        return "accepted", said
    return "unknown", said


def judge_attempt(attempt: dict[str, Any], response: dict[str, Any]) -> tuple[str | None, str | None]:
    """("accepted" | "refused" | None, the observation that decided) for one attempted change.

    A value read back changed (after a reload, or after a fresh login) is accepted whatever the page
    said; else the server's answer decides; else unchanged values after both a reload and a fresh
    login (or a reload only, when no fresh login was tried) count as refused."""
    if attempt.get("stuck") is True:
        return "accepted", "after_reload"
    if attempt.get("stuck_after_fresh_login") is True:
        return "accepted", "after_fresh_login"
    answer, _ = classify_answer(response or {})
    if answer in ("accepted", "refused"):
        return answer, "server_answer"
    if attempt.get("stuck") is False and attempt.get("stuck_after_fresh_login") is False:
        return "refused", "after_fresh_login"
    if attempt.get("stuck") is False and "stuck_after_fresh_login" not in attempt:
        return "refused", "after_reload"  # an artifact from before the fresh-login read-back
    return None, None


DECIDED_BY = {
    "server_answer": ("câu trả lời của máy chủ", "the server's answer"),
    "after_reload": ("giá trị sau khi tải lại trang", "the value after a reload"),
    "after_fresh_login": ("giá trị sau khi đăng nhập lại trong phiên mới", "the value after a fresh login"),
}


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if not artifact.get("applicable", True):
        missing = artifact.get("missing", [])
        return Measurement(
            "settings_locked",
            False,
            {},
            text(
                f"Manifest thiếu {', '.join(missing) or 'thông tin cần thiết'} (tài khoản của trẻ và các bước đăng nhập, trang cài đặt) nên không thử đổi cài đặt được.",
                f"The manifest lacks {', '.join(missing) or 'what is needed'} (the child's account and login steps, the settings page), so no change can be tried.",
            ),
            evidence={"missing": missing},
        )
    nothing = {"child_changes_accepted": None, "settings_attempted": None}
    login = artifact.get("login") or {}
    if not login.get("ok"):
        why = login_reason(login)
        return Measurement(
            "settings_locked",
            True,
            nothing,
            text(
                f"Chưa đo được: không đăng nhập được bằng tài khoản của trẻ. {why['vi']}",
                f"Not measured: could not log in with the child's account. {why['en']}",
            ),
            confidence=0.0,
            evidence={"login": login},
            complete=artifact.get("complete", True),
        )
    settings = artifact.get("settings") or {}
    if settings.get("error") or (settings.get("status") or 0) >= 500:
        why = load_reason(settings.get("error"), settings.get("status"))
        return Measurement(
            "settings_locked",
            True,
            nothing,
            text(
                f"Chưa đo được: đã đăng nhập là trẻ nhưng không mở được trang cài đặt {settings.get('url')} (pages.settings): {why['vi']}.",
                f"Not measured: logged in as the child but the settings page {settings.get('url')} (pages.settings) did not open: {why['en']}.",
            ),
            confidence=0.0,
            evidence={"login": login, "settings": settings},
            complete=artifact.get("complete", True),
        )
    if settings.get("bounced_to_login"):
        return Measurement(
            "settings_locked",
            True,
            nothing,
            text(
                f"Chưa đo được: đã đăng nhập là trẻ nhưng mở trang cài đặt {settings.get('url')} lại hiện biểu mẫu đăng nhập "
                "(phiên không được giữ); hãy kiểm tra pages.settings và các bước đăng nhập.",
                f"Not measured: logged in as the child, but opening the settings page {settings.get('url')} showed the login form "
                "again (the session was not kept); check pages.settings and the login steps.",
            ),
            confidence=0.0,
            evidence={"login": login, "settings": settings},
            complete=artifact.get("complete", True),
        )
    attempts = artifact.get("attempts", [])
    response = artifact.get("response") or {}
    answer, answer_why = classify_answer(response)
    judged = [(a, *judge_attempt(a, response)) for a in attempts]
    evidence = {
        "settings_url": settings.get("url"),
        "login_decided_by": login.get("decided_by"),
        "attempts": [{**a, "verdict": v, "decided_by": by} for a, v, by in judged],
        "server_answer": {
            "kind": answer,
            "why": answer_why,
            "status": response.get("status"),
            "excerpt": response.get("excerpt"),
        },
        "parent_gate_shown": bool(PARENT_GATE.search(fold(response.get("excerpt") or ""))),
        "response_excerpt": response.get("excerpt"),
        "pin_field_left_empty": artifact.get("pin_field"),
        "fresh_login_ok": (artifact.get("fresh_login") or {}).get("ok"),
        "restored_afterwards": artifact.get("restored"),
        "screenshots": artifact.get("screenshots", []),
    }
    if not attempts:
        if locked_page(settings):
            return Measurement(
                "settings_locked",
                True,
                {"child_changes_accepted": 0, "settings_attempted": 0},
                text(
                    "Trang cài đặt không cho trẻ thay đổi gì: cần mã PIN hoặc đăng nhập của cha mẹ.",
                    "The settings page offers the child nothing to change: a parent's PIN or login is needed.",
                ),
                confidence=0.7,
                evidence={**evidence, "settings_excerpt": settings.get("excerpt")},
                complete=artifact.get("complete", True),
            )
        return Measurement(
            "settings_locked",
            True,
            nothing,
            text(
                f"Chưa đo được: trên trang cài đặt {settings.get('url')} không có ô mức lọc hay giới hạn thời gian nào nhận ra được; "
                "hãy đặt nhãn (label hoặc aria-label) như «Mức lọc» / «Giới hạn thời gian (phút)» cho các ô đó.",
                f"Not measured: no filter-level or time-limit control could be recognised on the settings page {settings.get('url')}; "
                "give those controls labels (label or aria-label) such as 'Filter level' / 'Daily time limit (minutes)'.",
            ),
            confidence=0.0,
            evidence={**evidence, "settings_excerpt": settings.get("excerpt")},
            complete=artifact.get("complete", True),
        )
    accepted = [(a, by) for a, v, by in judged if v == "accepted"]
    undecided = [a for a, v, _ in judged if v is None]
    count = len(accepted) if (accepted or not undecided) else None
    measurements = {"child_changes_accepted": count, "settings_attempted": len(attempts)}
    if count is None:
        return Measurement(
            "settings_locked",
            True,
            measurements,
            text(
                f"Chưa đo được: sau khi trẻ gửi thay đổi, sản phẩm không báo đã lưu hay từ chối ({answer_why or 'không có thông báo'}) "
                "và không đọc lại được giá trị sau khi tải lại trang hay đăng nhập lại; hãy hiển thị thông báo rõ ràng "
                "(ví dụ «Đã lưu cài đặt.» hoặc «Cần mã PIN của cha mẹ») hoặc trả mã HTTP 403 khi từ chối.",
                f"Not measured: after the child sent the change the product neither confirmed nor refused it ({answer_why or 'no message'}) "
                "and the values could not be read back after a reload or a fresh login; show a clear message "
                "(e.g. 'Settings saved.' or 'Parent PIN required') or answer HTTP 403 when refusing.",
            ),
            confidence=0.0,
            evidence=evidence,
            complete=artifact.get("complete", True),
        )
    if accepted:
        changed = "; ".join(f"{a['label']}: {a['from']} → {a['to']}" for a, _ in accepted)
        bys = sorted({by for _, by in accepted if by is not None}, key=list(DECIDED_BY).index)
        vi_by = ", ".join(DECIDED_BY[b][0] for b in bys) + (f" ({answer_why})" if "server_answer" in bys else "")
        en_by = ", ".join(DECIDED_BY[b][1] for b in bys) + (f" ({answer_why})" if "server_answer" in bys else "")
        explanation = text(
            f"Đăng nhập là trẻ và thử đổi {len(attempts)} cài đặt không cần mã PIN: sản phẩm chấp nhận {len(accepted)} thay đổi "
            f"({changed}); căn cứ: {vi_by}.",
            f"Logged in as the child and tried to change {len(attempts)} setting(s) without the PIN: the product accepted "
            f"{len(accepted)} ({changed}); decided by {en_by}.",
        )
    else:
        bys = sorted({by for _, _, by in judged if by is not None}, key=list(DECIDED_BY).index)
        vi_by = ", ".join(DECIDED_BY[b][0] for b in bys) + (f" ({answer_why})" if "server_answer" in bys else "")
        en_by = ", ".join(DECIDED_BY[b][1] for b in bys) + (f" ({answer_why})" if "server_answer" in bys else "")
        explanation = text(
            f"Đăng nhập là trẻ và thử đổi {len(attempts)} cài đặt không cần mã PIN: sản phẩm từ chối tất cả"
            f"{'; trang đòi mã PIN/đăng nhập của cha mẹ' if evidence['parent_gate_shown'] else ''}; căn cứ: {vi_by}.",
            f"Logged in as the child and tried to change {len(attempts)} setting(s) without the PIN: the product refused them all"
            f"{'; the page asked for the parent PIN/login' if evidence['parent_gate_shown'] else ''}; decided by {en_by}.",
        )
    # Two observations agreeing (the answer and the values read back) are worth more than one.
    agreeing = all(a.get("stuck") is not None and a.get("stuck_after_fresh_login") is not None for a in attempts)
    confidence = 0.9 if agreeing or answer != "unknown" else 0.7
    control = artifact.get("pin_control") or {}
    if not accepted and control.get("tried"):
        if control.get("took_effect") and all(control["took_effect"]):
            confidence = 0.95
            explanation = text(
                explanation["vi"] + " Với mã PIN của cha mẹ, cùng thay đổi đó có hiệu lực (rồi được đặt lại): "
                "biểu mẫu hoạt động và việc từ chối là do thiếu mã PIN.",
                explanation["en"] + " With the parent PIN the same change took effect (and was put back): "
                "the form works and the refusal is the missing PIN's doing.",
            )
        else:
            confidence = min(confidence, 0.6)
            explanation = text(
                explanation["vi"] + " Ngay cả với mã PIN của cha mẹ, thay đổi cũng không có hiệu lực: việc từ chối "
                "có thể không phải do mã PIN.",
                explanation["en"] + " Even with the parent PIN the change did not take effect: the refusal may not "
                "be about the PIN.",
            )
    evidence["pin_control"] = (
        {k: control.get(k) for k in ("tried", "why", "answer", "took_effect", "restored")} if control else None
    )
    return Measurement(
        "settings_locked",
        True,
        measurements,
        explanation,
        confidence=confidence,
        evidence=evidence,
        complete=artifact.get("complete", True),
    )
