"""Why a step of a probe could not be measured, in words a vendor can act on (Vietnamese first).

Pure: the probes' `evaluate` functions and the pre-flight check turn the codes their
artifacts carry (a login's `error`, a page load's `error`) into one sentence each."""

from __future__ import annotations

from typing import Any

from checker.probes.base import text

# A login's outcome code (checker/probes/login.py run_login) -> what to do about it.
LOGIN_FAILURES = {
    "declared_marker_not_reached": (
        (
            "đăng nhập không đến được trang khớp với dấu hiệu đã đăng nhập khai báo trong manifest (logged_in); "
            "hãy kiểm tra tài khoản, các bước đăng nhập và bộ chọn/mẫu địa chỉ đó"
        ),
        (
            "login did not reach a page matching the declared logged-in marker (manifest logged_in); check the "
            "account, the login steps and that selector/address pattern"
        ),
    ),
    "login_error_shown": (
        "sau khi gửi biểu mẫu, trang báo lỗi đăng nhập (sai tên hoặc mật khẩu); hãy kiểm tra tài khoản trong manifest",
        "after sending the form the page reported a login error (wrong name or password); check the manifest's account",
    ),
    "still_on_login_form": (
        (
            "sau các bước đăng nhập, các ô đăng nhập vẫn còn trên trang và địa chỉ không đổi; hãy kiểm tra tài khoản "
            "và bước bấm nút gửi, hoặc khai báo dấu hiệu đã đăng nhập (logged_in)"
        ),
        (
            "after the login steps the login fields are still on the page and the address did not change; check the "
            "account and the submit step, or declare a logged-in marker (logged_in)"
        ),
    ),
    "no_login_signal": (
        (
            "không thấy dấu hiệu nào của việc đã đăng nhập (nút đăng xuất, rời trang đăng nhập, cookie phiên); "
            "hãy khai báo dấu hiệu đã đăng nhập (logged_in) trong manifest"
        ),
        (
            "no sign of being logged in was seen (log-out control, leaving the login page, a session cookie); "
            "declare a logged-in marker (logged_in) in the manifest"
        ),
    ),
    "no_account_or_steps": (
        "manifest thiếu tài khoản này hoặc các bước đăng nhập (login_steps)",
        "the manifest lacks this account or the login steps (login_steps)",
    ),
    "invalid_selector": ("bộ chọn CSS trong manifest không hợp lệ", "a CSS selector in the manifest is not valid"),
}

# A page load's error (Chromium net::ERR_* codes, our own codes) -> what it means.
LOAD_FAILURES = {
    "timeout": ("trang không trả lời trong thời gian cho phép", "the page did not answer in time"),
    "ERR_NAME_NOT_RESOLVED": ("không phân giải được tên máy chủ", "the host name does not resolve"),
    "ERR_CONNECTION_REFUSED": (
        "máy chủ từ chối kết nối (không có gì lắng nghe ở cổng đó)",
        "the server refused the connection (nothing listens on that port)",
    ),
    "cannot_connect": (
        "không kết nối được tới máy chủ của sản phẩm (không có gì lắng nghe ở cổng đó, hoặc máy chủ không trả lời)",
        "could not connect to the product's server (nothing listens on that port, or it does not answer)",
    ),
    "ERR_TUNNEL_CONNECTION_FAILED": (
        (
            "bộ chặn lưu lượng của VCSC không cho kết nối tới máy chủ này (không có trong "
            "manifest/allowed_hosts, hoặc là địa chỉ nội bộ)"
        ),
        (
            "the VCSC egress guard refused the connection (host not in the manifest or "
            "allowed_hosts, or a private address)"
        ),
    ),
    "ERR_CERT_AUTHORITY_INVALID": ("chứng chỉ TLS không được tin cậy", "the TLS certificate is not trusted"),
    "ERR_SSL_PROTOCOL_ERROR": ("cổng này không nói HTTPS", "this port does not speak HTTPS"),
    "refused_by_egress_guard": (
        "bộ chặn lưu lượng của VCSC đã từ chối máy chủ này (thêm vào allowed_hosts nếu sản phẩm cần)",
        "the VCSC egress guard refused this host (add it to allowed_hosts if the product needs it)",
    ),
}


def login_reason(login: dict[str, Any]) -> dict[str, Any]:
    """One sentence {vi, en} saying why a login did not succeed (or which signal showed it did)."""
    if login.get("ok"):
        by = login.get("decided_by") or "?"
        return text(
            f"đăng nhập thành công (dấu hiệu quyết định: {SIGNAL_NAMES.get(by, (by, by))[0]})",
            f"logged in (decided by: {SIGNAL_NAMES.get(by, (by, by))[1]})",
        )
    code = login.get("error") or "no_login_signal"
    role = login.get("role") or "?"
    if code in LOGIN_FAILURES:
        vi, en = LOGIN_FAILURES[code]
    else:
        vi, en = (
            f"một bước đăng nhập thất bại ({load_reason(code)['vi']})",
            f"a login step failed ({load_reason(code)['en']})",
        )
        step = next((s for s in login.get("steps", []) if s.get("ok") is False), None)
        if step:
            where = step.get("selector") or step.get("url") or ""
            vi, en = vi + f": {step['action']} {where}", en + f": {step['action']} {where}"
    return text(f"Tài khoản «{role}»: {vi}.", f"Account '{role}': {en}.")


SIGNAL_NAMES = {
    "declared_marker": ("dấu hiệu đã đăng nhập khai báo trong manifest", "the declared logged-in marker"),
    "logout_control": ("có nút/liên kết đăng xuất", "a log-out control"),
    "login_fields_gone": ("các ô đăng nhập đã biến mất", "the login fields are gone"),
    "left_login_page": ("đã rời trang đăng nhập", "the address left the login page"),
    "session_cookie": ("đã có cookie phiên mới", "a new session cookie"),
}


def load_reason(code: str | None, status: int | None = None) -> dict[str, Any]:
    """{vi, en} for a page that did not load: a known error code, an HTTP status, or the code itself."""
    if code in LOAD_FAILURES:
        vi, en = LOAD_FAILURES[code]
        return text(f"{vi} ({code})", f"{en} ({code})")
    if code:
        return text(f"lỗi khi tải trang: {code}", f"the page failed to load: {code}")
    if status:
        return text(f"máy chủ trả về mã HTTP {status}", f"the server answered HTTP {status}")
    return text("không rõ lý do", "reason unknown")
