"""`vcsc cert` commands: check a signed certificate offline."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from api.credentials import SigningKeyError, load_key, public_jwks, verify_credential


def _fail(message: str) -> None:
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
    if source.is_dir():
        try:
            return public_jwks(load_key(source))
        except SigningKeyError as exc:
            _fail(str(exc))
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
    verdict = ("HỢP LỆ / VALID" if result.ok else
               "HẾT HẠN / EXPIRED" if result.valid_signature and result.expired and not result.errors else
               "KHÔNG HỢP LỆ / INVALID")
    lines.append(f"Kết quả / Result: {verdict}")
    lines.append(f"Chữ ký / Signature: {'hợp lệ / valid' if result.valid_signature else 'không hợp lệ / invalid'}"
                 + (f" (kid {result.kid})" if result.kid else ""))
    cred = result.credential
    if cred:
        subject = cred.get("credentialSubject") or {}
        product = next((i.get("identityHash") for i in subject.get("identifier", [])
                        if isinstance(i, dict) and i.get("identityType") == "name"), subject.get("id", "-"))
        issuer = cred.get("issuer") or {}
        lines.append(f"Bên cấp / Issuer: {issuer.get('name', '-') if isinstance(issuer, dict) else issuer}")
        lines.append(f"Sản phẩm / Product: {product}")
        lines.append(f"Mức / Level: {(subject.get('achievement') or {}).get('name', '-')}")
        lines.append(f"Hiệu lực / Valid: {cred.get('validFrom', '-')} → {cred.get('validUntil', '-')}"
                     + (" (đã hết hạn / expired)" if result.expired else ""))
    for error in result.errors:
        lines.append(f"Lỗi / Error: {error['vi']} / {error['en']}")
    lines.append("Lưu ý / Note: chưa kiểm tra thu hồi; dùng POST /api/v1/public/verify / "
                 "revocation not checked; use POST /api/v1/public/verify")
    return lines


@click.group("cert", help="Chứng nhận đã ký / Signed certificates.")
def cert() -> None:
    pass


@cert.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--jwks", "jwks_source", type=click.Path(path_type=Path), default=Path("var/keys"),
              show_default=True,
              help="Tệp JWKS hoặc thư mục khoá / a JWKS file or the key folder")
@click.option("--json", "as_json", is_flag=True, help="In dữ liệu JSON / print JSON data")
def cert_verify(file: Path, jwks_source: Path, as_json: bool) -> None:
    """Kiểm tra chữ ký và thời hạn của một chứng nhận / check a certificate's signature and validity.

    FILE: JWS dạng rút gọn hoặc JSON {"credential_jws": ...} / a compact JWS or a JSON
    {"credential_jws": ...} file. Trạng thái hiện tại (thu hồi, đình chỉ) chỉ kiểm tra được với sổ
    đăng ký qua POST /api/v1/public/verify / the current status (revoked, suspended) is checked only
    against the registry, by POST /api/v1/public/verify.

    Mã thoát / exit: 0 hợp lệ / valid, 1 không hợp lệ hoặc hết hạn / invalid or expired,
    2 không đọc được đầu vào / unreadable input.
    """
    token = _read_token(file)
    jwks = _read_jwks(jwks_source)
    result = verify_credential(token, jwks)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(_summary(result)))
    sys.exit(0 if result.ok else 1)


CERT_COMMANDS = [cert]
