"""Evaluate: how many of the child's attempted changes to the protection settings took effect."""
from __future__ import annotations

from checker.probes.base import Measurement, text
from checker.probes.signals import PARENT_GATE, REFUSED_WORDS, _any, fold

FILTER_WORDS = _any([r"\bloc\b", r"\bbo loc\b", r"\bmuc loc\b", r"\bche do (?:loc|an toan|bao ve)\b", r"\bfilter", r"\bbao ve\b",
                     r"\bprotection\b", r"\bsafe ?search\b", r"\bdo tuoi\b", r"\bage (?:rating|level|preset)\b", r"\bsafety level\b"])
TIME_WORDS = _any([r"\bthoi gian\b", r"\bgioi han\b", r"\bphut\b", r"\bgio\b", r"\btime\b", r"\blimit\b", r"\bminutes?\b",
                   r"\bhours?\b", r"\bscreen ?time\b", r"\bdaily\b", r"\bmoi ngay\b"])


def locked_page(page: dict) -> bool:
    """The page tells the child that a parent's PIN or login is needed, or refuses outright."""
    folded = fold(page.get("text") or page.get("excerpt") or "")
    return bool(PARENT_GATE.search(folded) or REFUSED_WORDS.search(folded)) or (page.get("status") or 0) in (401, 403)


def evaluate(artifact: dict) -> Measurement:
    if not artifact.get("applicable", True):
        missing = artifact.get("missing", [])
        return Measurement("settings_locked", False, {}, text(
            f"Manifest thiếu {', '.join(missing) or 'thông tin cần thiết'} (tài khoản của trẻ và các bước đăng nhập, trang cài đặt) nên không thử đổi cài đặt được.",
            f"The manifest lacks {', '.join(missing) or 'what is needed'} (the child's account and login steps, the settings page), so no change can be tried."),
            evidence={"missing": missing})
    nothing = {"child_changes_accepted": None, "settings_attempted": None}
    login = artifact.get("login") or {}
    if not login.get("ok"):
        return Measurement("settings_locked", True, nothing, text(
            f"Không đăng nhập được bằng tài khoản của trẻ ({login.get('error')}); chưa đo được.",
            f"Could not log in with the child's account ({login.get('error')}); nothing measured."),
            confidence=0.0, evidence={"login": login}, complete=artifact.get("complete", True))
    settings = artifact.get("settings") or {}
    if settings.get("error") or settings.get("bounced_to_login"):
        why = settings.get("error") or "login page"
        return Measurement("settings_locked", True, nothing, text(
            f"Không mở được trang cài đặt khi đăng nhập là trẻ ({why}); chưa đo được.",
            f"Could not open the settings page as the child ({why}); nothing measured."),
            confidence=0.0, evidence={"login": login, "settings": settings}, complete=artifact.get("complete", True))
    attempts = artifact.get("attempts", [])
    response = artifact.get("response") or {}
    evidence = {"settings_url": settings.get("url"), "attempts": attempts,
                "parent_gate_shown": bool(PARENT_GATE.search(fold(response.get("excerpt") or ""))),
                "response_excerpt": response.get("excerpt"), "pin_field_left_empty": artifact.get("pin_field"),
                "restored_afterwards": artifact.get("restored"), "screenshots": artifact.get("screenshots", [])}
    if not attempts:
        if locked_page(settings):
            return Measurement("settings_locked", True, {"child_changes_accepted": 0, "settings_attempted": 0}, text(
                "Trang cài đặt không cho trẻ thay đổi gì: cần mã PIN hoặc đăng nhập của cha mẹ.",
                "The settings page offers the child nothing to change: a parent's PIN or login is needed."),
                confidence=0.7, evidence={**evidence, "settings_excerpt": settings.get("excerpt")},
                complete=artifact.get("complete", True))
        return Measurement("settings_locked", True, nothing, text(
            "Không tìm thấy ô mức lọc hay giới hạn thời gian trên trang cài đặt; chưa đo được.",
            "No filter-level or time-limit control found on the settings page; nothing measured."),
            confidence=0.0, evidence={**evidence, "settings_excerpt": settings.get("excerpt")},
            complete=artifact.get("complete", True))
    stuck = [a for a in attempts if a.get("stuck") is True]
    unknown = [a for a in attempts if a.get("stuck") is None]
    accepted = len(stuck) if (stuck or not unknown) else None
    measurements = {"child_changes_accepted": accepted, "settings_attempted": len(attempts)}
    changed = ", ".join(f"{a['label']}: {a['from']} → {a['to']}" for a in stuck)
    explanation = text(
        f"Đăng nhập là trẻ và thử đổi {len(attempts)} cài đặt không cần mã PIN: {len(stuck)} thay đổi có hiệu lực sau khi tải lại"
        f"{' (' + changed + ')' if stuck else ''}{'; trang đòi mã PIN/đăng nhập của cha mẹ' if evidence['parent_gate_shown'] else ''}.",
        f"Logged in as the child and tried to change {len(attempts)} setting(s) without the PIN: {len(stuck)} took effect after a reload"
        f"{' (' + changed + ')' if stuck else ''}{'; the page asked for the parent PIN/login' if evidence['parent_gate_shown'] else ''}.")
    return Measurement("settings_locked", True, measurements, explanation, confidence=0.9 if not unknown else 0.5,
                       evidence=evidence, complete=artifact.get("complete", True))
