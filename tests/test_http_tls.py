"""Certificate verification of API clients (`cxbridge.http.tls`) against a real HTTPS server on
127.0.0.1 whose certificate a throw-away CA of the test signed: one SSL context per process is
shared by every client, and it is as strict as httpx's own — a certificate no trusted CA signed
is refused, the CA named by SSL_CERT_FILE is trusted, a context of the caller's is used as given."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cxbridge.errors import TransientSourceError
from cxbridge.http import ApiClient, RetryPolicy, client, tls

ONCE = RetryPolicy(attempts=1, backoff=0, jitter=0)
VALID = (datetime.datetime(2020, 1, 1), datetime.datetime(2100, 1, 1))


def _certificate(subject: str, key, issuer: str, signer, *, ca: bool) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID[0])
        .not_valid_after(VALID[1])
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def https_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The URL of an HTTPS server answering {"ok": true}, and the PEM file of the CA that signed it."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("cxbridge test CA", ca_key, "cxbridge test CA", ca_key, ca=True)
    server = _certificate("127.0.0.1", server_key, "cxbridge test CA", ca_key, ca=False)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"ok": True}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(folder / "server.pem", folder / "server.key")
    httpd.socket = serving.wrap_socket(httpd.socket, server_side=True)
    httpd.handle_error = lambda *args: None  # the refused handshakes of the tests below
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", folder / "ca.pem"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def no_ca_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def _counting_contexts_built(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    built: list[ssl.SSLContext] = []
    real = tls.create_ssl_context

    def counted() -> ssl.SSLContext:
        built.append(real())
        return built[-1]

    monkeypatch.setattr(tls, "_contexts", {})
    monkeypatch.setattr(tls, "create_ssl_context", counted)
    return built


def test_every_api_client_of_a_process_shares_one_verifying_context(monkeypatch, no_ca_settings, https_api):
    built = _counting_contexts_built(monkeypatch)
    clients = [ApiClient(base_url="https://127.0.0.1", policy=ONCE) for _ in range(20)]
    plain = client()
    assert len(built) == 1
    assert built[0].verify_mode == ssl.CERT_REQUIRED and built[0].check_hostname
    for api in clients:
        api.close()
    plain.close()


def test_a_certificate_no_trusted_ca_signed_is_refused(monkeypatch, no_ca_settings, https_api):
    url, _ = https_api
    _counting_contexts_built(monkeypatch)
    api = ApiClient(base_url=url, policy=ONCE)
    with pytest.raises(TransientSourceError, match=r"connection failed \(ConnectError\)"):
        api.get_json("/answers")
    api.close()
    with httpx.Client(transport=tls.transport()) as raw:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            raw.get(url + "/answers")


def test_the_ca_named_by_ssl_cert_file_is_trusted_with_a_context_of_its_own(monkeypatch, no_ca_settings, https_api):
    url, ca = https_api
    built = _counting_contexts_built(monkeypatch)
    ApiClient(base_url="https://127.0.0.1", policy=ONCE).close()  # the default context, certifi's bundle
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    api = ApiClient(base_url=url, policy=ONCE)
    assert api.get_json("/answers") == {"ok": True}
    api.close()
    assert len(built) == 2 and built[0] is not built[1]


def test_a_context_of_the_callers_is_used_as_given(monkeypatch, no_ca_settings, https_api):
    url, ca = https_api
    built = _counting_contexts_built(monkeypatch)
    with client(base_url=url, verify=ssl.create_default_context(cafile=str(ca))) as trusting:
        assert trusting.get("/answers").json() == {"ok": True}
    assert built == []  # the caller's context, not the shared one (which trusts no test CA)


def test_the_shared_context_is_httpxs_own(no_ca_settings):
    """The same CA bundle and rules as a client httpx builds itself (certifi's bundle here)."""
    ours, theirs = tls.default_context(), httpx.create_ssl_context()
    assert ours.verify_mode == theirs.verify_mode == ssl.CERT_REQUIRED
    assert ours.check_hostname and theirs.check_hostname
    assert ours.minimum_version == theirs.minimum_version
    assert ours.get_ca_certs() == theirs.get_ca_certs()
