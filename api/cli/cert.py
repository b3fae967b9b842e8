"""`vcsc cert` commands: check a signed certificate offline."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from api.domain.credentials import (
    SigningKeyError,
    compromise_key,
    is_set,
    key_status_document,
    keyring,
    load_or_create_key,
    rotate_key,
    status_of,
    verify_credential,
)

PURPOSE_STATUS = {
    "revocation": ("revoked", "đã thu hồi / revoked"),
    "suspension": ("suspended", "tạm đình chỉ / suspended"),
}
FETCH_TIMEOUT = 10.0


def _fail(message: str) -> NoReturn:
    click.echo(f"vcsc: lỗi / error: {message}", err=True)
    sys.exit(2)


def _read_token(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        _fail(f"{path}: không tìm thấy tệp / file not found")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: không đọc được tệp / unreadable file: {exc}")
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            _fail(f"{path}: JSON không hợp lệ / invalid JSON: {exc}")
        token = doc.get("credential_jws") if isinstance(doc, dict) else None
        if not isinstance(token, str):
            _fail(f"{path}: thiếu trường credential_jws / no credential_jws field")
        text = token.strip()
    if text.count(".") != 2 or not text:
        _fail(f"{path}: không phải JWS dạng rút gọn / not a compact JWS")
    return text


def _read_jwks(source: Path) -> dict:
    if source.is_dir():  # the key folder: every key with its status, so a compromised key is named
        try:
            jwks = key_status_document(source)
        except SigningKeyError as exc:
            _fail(str(exc))
        if not jwks["keys"]:
            _fail(f"{source}: không có khoá ký / no signing key")
        return jwks
    try:
        jwks = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{source}: không tìm thấy JWKS hay thư mục khoá / no JWKS file or key folder")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"{source}: JWKS không đọc được / unreadable JWKS: {exc}")
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        _fail(f"{source}: không phải JWKS / not a JWKS (no \"keys\" list)")
    return jwks


def _summary(result) -> list[str]:
    lines = []
    verdict = (
        "HỢP LỆ / VALID"
        if result.ok
        else "HẾT HẠN / EXPIRED"
        if result.valid_signature and result.expired and not result.errors
        else "KHÔNG HỢP LỆ / INVALID"
    )
    lines.append(f"Kết quả / Result: {verdict}")
    lines.append(
        f"Chữ ký / Signature: {'hợp lệ / valid' if result.valid_signature else 'không hợp lệ / invalid'}"
        + (f" (kid {result.kid})" if result.kid else "")
    )
    cred = result.credential
    if cred:
        subject = cred.get("credentialSubject") or {}
        product = next(
            (
                i.get("identityHash")
                for i in subject.get("identifier", [])
                if isinstance(i, dict) and i.get("identityType") == "name"
            ),
            subject.get("id", "-"),
        )
        issuer = cred.get("issuer") or {}
        lines.append(f"Bên cấp / Issuer: {issuer.get('name', '-') if isinstance(issuer, dict) else issuer}")
        lines.append(f"Sản phẩm / Product: {product}")
        lines.append(f"Mức / Level: {(subject.get('achievement') or {}).get('name', '-')}")
        lines.append(
            f"Hiệu lực / Valid: {cred.get('validFrom', '-')} → {cred.get('validUntil', '-')}"
            + (" (đã hết hạn / expired)" if result.expired else "")
        )
    for error in result.errors:
        lines.append(f"Lỗi / Error: {error['vi']} / {error['en']}")
    return lines


def _fetch(url: str) -> str:
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise OSError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/vc+jwt"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310 - scheme checked above
        return response.read(1_000_000).decode("ascii").strip()


def check_status(credential: dict, jwks: dict, lists: dict[str, str]) -> tuple[str | None, list[str]]:
    """(status, problems): status is "valid", "revoked", "suspended", or None when it could not be checked.

    `lists` maps a status-list URL to its signed JWS; lists not given are fetched from their URL."""
    problems, status = [], "valid"
    for purpose, (word, _) in PURPOSE_STATUS.items():
        entry = status_of(credential, purpose)
        if entry is None:
            if purpose == "revocation":
                problems.append("chứng nhận không có mục trạng thái thu hồi / the credential has no revocation entry")
                return None, problems
            continue
        url, index = entry
        try:
            token = lists.get(url) or _fetch(url)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"không tải được danh sách trạng thái / cannot fetch the status list {url}: {exc}")
            return None, problems
        checked = verify_credential(token, jwks)
        listed = checked.credential or {}
        subject = listed.get("credentialSubject") or {}
        if not checked.valid_signature or listed.get("id") != url or subject.get("statusPurpose") != purpose:
            problems.append(f"danh sách trạng thái không hợp lệ / invalid status list {url}")
            return None, problems
        try:
            if is_set(subject["encodedList"], index) and status == "valid":
                status = word
        except (KeyError, ValueError, OSError) as exc:
            problems.append(f"danh sách trạng thái hỏng / broken status list {url}: {exc}")
            return None, problems
    return status, problems


@click.group("cert", help="Chứng nhận đã ký / Signed certificates.")
def cert() -> None:
    pass


@cert.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    "jwks_source",
    type=click.Path(path_type=Path),
    default=Path("var/keys"),
    show_default=True,
    help="Tệp JWKS (/.well-known/jwks.json hay vcsc-key-status.json) hoặc thư mục khoá / a JWKS file "
    "(/.well-known/jwks.json or vcsc-key-status.json) or the key folder",
)
@click.option(
    "--status-list",
    "status_lists",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Danh sách trạng thái đã tải (vc+jwt), có thể lặp lại; mặc định tải theo URL trong chứng nhận / "
    "a downloaded status list (vc+jwt), repeatable; by default fetched from the URLs in the credential",
)
@click.option("--offline", is_flag=True, help="Không kiểm tra trạng thái hiện tại / skip the current-status check")
@click.option("--json", "as_json", is_flag=True, help="In dữ liệu JSON / print JSON data")
def cert_verify(file: Path, jwks_source: Path, status_lists: tuple[Path, ...], offline: bool, as_json: bool) -> None:
    """Kiểm tra chữ ký, thời hạn và trạng thái hiện tại của một chứng nhận / check a certificate's signature,
    validity period and current status (revoked, suspended) from the issuer's status lists.

    FILE: JWS dạng rút gọn hoặc JSON {"credential_jws": ...} / a compact JWS or a JSON
    {"credential_jws": ...} file.

    Mã thoát / exit: 0 hợp lệ / valid, 1 không hợp lệ, hết hạn, bị thu hồi hay đình chỉ / invalid, expired,
    revoked or suspended, 2 không đọc được đầu vào / unreadable input, 3 không kiểm tra được trạng thái /
    the status could not be checked.
    """
    token = _read_token(file)
    jwks = _read_jwks(jwks_source)
    result = verify_credential(token, jwks)
    lists = {}
    for path in status_lists:
        text = _read_token(path)
        listed = verify_credential(text, jwks).credential or {}
        lists[str(listed.get("id", path))] = text
    status, problems = (
        (None, [])
        if offline or not result.valid_signature or result.credential is None
        else check_status(result.credential, jwks, lists)
    )
    ok = result.ok and (offline or status == "valid")
    code = 0 if ok else 1 if (not result.ok or status in ("revoked", "suspended")) else 3
    if as_json:
        click.echo(
            json.dumps(
                {**result.to_dict(), "status": status, "status_problems": problems, "ok": ok},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        lines = _summary(result)
        if offline:
            lines.append("Trạng thái / Status: không kiểm tra (--offline) / not checked (--offline)")
        elif status is not None:
            words = {"valid": "còn hiệu lực / valid", **{w: t for w, t in PURPOSE_STATUS.values()}}
            lines.append(f"Trạng thái / Status: {words[status]}")
        for problem in problems:
            lines.append(f"Trạng thái / Status: {problem}")
        lines[0] = "Kết quả / Result: " + (
            "HỢP LỆ / VALID"
            if ok
            else lines[0].split(": ", 1)[1]
            if not result.ok
            else "BỊ THU HỒI / REVOKED"
            if status == "revoked"
            else "TẠM ĐÌNH CHỈ / SUSPENDED"
            if status == "suspended"
            else "CHƯA RÕ TRẠNG THÁI / STATUS UNKNOWN"
        )
        click.echo("\n".join(lines))
    sys.exit(code)


# --- signing keys -------------------------------------------------------------------------------

KEY_STATUS_WORDS = {
    "active": "đang dùng / active",
    "retired": "đã thay / retired",
    "compromised": "bị lộ / compromised",
}


@click.group(
    "keys",
    help="Khoá ký chứng nhận: xem, thay, đánh dấu bị lộ / Certificate signing keys: list, rotate, "
    "mark compromised (VCSC_KEYS_DIR).",
)
def keys() -> None:
    pass


def _keys_dir() -> Path:
    from api.core.settings import Settings

    return Path(Settings().keys_dir)


def _audited(action: str, kid: str, before, after) -> None:
    """Record a key change in the audit trail (actor "cli"); the database must be migrated."""
    from api.cli.service import _sessions, _settings
    from api.domain import audit

    settings = _settings()
    engine, sessions = _sessions(settings)
    try:
        with sessions.begin() as session:
            audit.record(session, "cli", action, "signing_key", kid, None, before, after)
    finally:
        engine.dispose()


def _require_db() -> None:
    from api.cli.service import _require_head, _settings

    _require_head(_settings())


@keys.command("list", help="Các khoá và trạng thái / the keys and their status.")
@click.option("--json", "as_json", is_flag=True, help="In dữ liệu JSON / print JSON data")
def keys_list(as_json: bool) -> None:
    folder = _keys_dir()
    try:
        load_or_create_key(folder)
        entries = keyring(folder)
    except SigningKeyError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(key_status_document(folder), ensure_ascii=False, indent=2))
        return
    for e in entries:
        dates = ", ".join(
            f"{name} {value}"
            for name, value in (("created", e.created_at), ("retired", e.retired_at), ("compromised", e.compromised_at))
            if value
        )
        click.echo(f"{e.kid}  {KEY_STATUS_WORDS[e.status]:<22} {e.file}" + (f"  ({dates})" if dates else ""))


@keys.command(
    "rotate",
    help="Tạo khoá mới để ký từ nay; khoá cũ vẫn được công bố để chứng nhận cũ vẫn kiểm tra "
    "được / make a new key that signs from now on; the old one stays published so older "
    "certificates still verify.",
)
def keys_rotate() -> None:
    _require_db()
    try:
        old, new = rotate_key(_keys_dir())
    except SigningKeyError as exc:
        _fail(str(exc))
    _audited("signing_key.rotated", new.kid, {"active": old.kid}, {"active": new.kid, "retired": old.kid})
    click.echo(
        f"Khoá mới / new key: {new.kid} (đang dùng / active)\n"
        f"Khoá cũ / old key: {old.kid} (đã thay, vẫn công bố / retired, still published)"
    )


@keys.command(
    "compromise",
    help="Đánh dấu một khoá đã thay là bị lộ: chứng nhận ký bằng khoá đó bị coi là không hợp "
    "lệ / mark a retired key compromised: certificates it signed read as invalid. "
    "KID: mã khoá (vcsc keys list); mã bắt đầu bằng '-' thì viết `--` trước nó / the key "
    "id (vcsc keys list); write `--` before a KID that starts with '-'.",
)
@click.argument("kid")
@click.option("--reason", help="Lý do (ghi vào danh sách khoá và nhật ký) / reason (key ring and audit trail)")
def keys_compromise(kid: str, reason: str | None) -> None:
    import jwt
    import sqlalchemy as sa

    from api.cli.service import _sessions, _settings
    from api.core.models import Certificate

    _require_db()
    try:
        before = next((e.status for e in keyring(_keys_dir()) if e.kid == kid), None)
        entry = compromise_key(_keys_dir(), kid, reason)
    except SigningKeyError as exc:
        _fail(str(exc))
    engine, sessions = _sessions(_settings())
    try:
        with sessions() as session:
            signed = [
                cid
                for cid, token in session.execute(
                    sa.select(Certificate.id, Certificate.credential_jws).where(Certificate.credential_jws.is_not(None))
                )
                if _kid_of(jwt, token) == kid
            ]
    finally:
        engine.dispose()
    if before != "compromised":
        _audited(
            "signing_key.compromised",
            kid,
            {"status": before},
            {"status": "compromised", "reason": reason, "certificates_signed": signed},
        )
    click.echo(f"Khoá {kid}: bị lộ từ / compromised since {entry.compromised_at}")
    click.echo(
        f"{len(signed)} chứng nhận ký bằng khoá này nay không hợp lệ khi kiểm tra chữ ký; cần cấp lại / "
        f"certificate(s) signed with it now fail signature checks and need re-issuing"
        + (": " + ", ".join(signed) if signed else "")
    )


def _kid_of(jwt, token: str) -> str | None:
    try:
        return jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None


CERT_COMMANDS = [cert, keys]
