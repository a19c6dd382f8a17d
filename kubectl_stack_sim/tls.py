"""Certificates for ``--tls``: a throw-away CA, a server certificate for 127.0.0.1/localhost
and client certificates whose CommonName is a user name, all made at start.

``cryptography`` is imported only here and only when TLS is asked for, so plain HTTP runs on a
host without it.
"""

from __future__ import annotations

import datetime
import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CertFiles:
    ca: Path
    server_cert: Path
    server_key: Path
    clients: dict[str, tuple[Path, Path]]  # user name -> (cert, key)


def generate(directory: Path, client_users: list[str]) -> CertFiles:
    """Write a CA, a server certificate and one client certificate per user into ``directory``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=365)

    def key() -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(ec.SECP256R1())

    def write_key(path: Path, k: ec.EllipticCurvePrivateKey) -> None:
        path.write_bytes(
            k.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)

    def name(cn: str, org: str | None = None) -> x509.Name:
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
        if org:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
        return x509.Name(attrs)

    ca_key = key()
    ca_name = name("kubectl-stack-sim-ca")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def issue(
        cn: str, usage: x509.ObjectIdentifier, san: bool, org: str | None = None
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        k = key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(cn, org))
            .issuer_name(ca_name)
            .public_key(k.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("localhost"),
                        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    ]
                ),
                critical=False,
            )
        return builder.sign(ca_key, hashes.SHA256()), k

    directory.mkdir(parents=True, exist_ok=True)
    ca_path = directory / "ca.crt"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    server_cert, server_key = issue("kubectl-stack-sim", ExtendedKeyUsageOID.SERVER_AUTH, True)
    server_cert_path, server_key_path = directory / "server.crt", directory / "server.key"
    server_cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    write_key(server_key_path, server_key)
    clients: dict[str, tuple[Path, Path]] = {}
    for user in client_users:
        cert, k = issue(user, ExtendedKeyUsageOID.CLIENT_AUTH, False)
        cert_path, key_path = directory / f"{user}.crt", directory / f"{user}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_key(key_path, k)
        clients[user] = (cert_path, key_path)
    return CertFiles(ca_path, server_cert_path, server_key_path, clients)


def server_context(files: CertFiles) -> ssl.SSLContext:
    """The listener's TLS context: our certificate, and client certificates verified against
    our CA when a client offers one (a client may also authenticate with a token)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(files.ca))
    context.load_cert_chain(str(files.server_cert), str(files.server_key))
    context.verify_mode = ssl.CERT_OPTIONAL
    return context
