"""A self-signed TLS certificate made at start-up, for a demo product that serves HTTPS.

A local test bed has no public CA to ask, so the product makes its own certificate for its
host names each time it starts; browsers driven by the probes must then be told to accept
it (VCSC_PROBE_IGNORE_TLS_ERRORS=1), exactly as for any vendor's staging server.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class CertificateFiles:
    certfile: Path
    keyfile: Path

    @property
    def pem(self) -> str:
        return self.certfile.read_text(encoding="ascii")


def make_self_signed(
    folder: Path, common_name: str, dns_names: list[str], ip_addresses: Sequence[str] = (), days: int = 90
) -> CertificateFiles:
    """Write cert.pem and key.pem (ECDSA P-256) for `dns_names` into `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    alt_names = [x509.DNSName(n) for n in dns_names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))  # tolerate a little clock skew
        .not_valid_after(now + dt.timedelta(days=days))
        # Browsers match host names against subjectAltName only, never the common name.
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    files = CertificateFiles(folder / "cert.pem", folder / "key.pem")
    files.certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    files.keyfile.chmod(0o600)
    return files
