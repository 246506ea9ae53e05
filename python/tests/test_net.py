"""Proxies and TLS from Python (async and sync clients): the core's settings through the
Python constructor, against `tests/net/net_fixture.py` (openssl-generated CA and client
certificates, TLS and mutual-TLS servers, an authenticating CONNECT proxy) and the real
reference server behind an HTTP proxy."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any, Iterator

import pytest

from everruns_sdk import ConfigurationError, Everruns, NetworkError, SyncEverruns, TlsError

from .conftest import REPO, ServerProcess


class Net:
    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.dir = pathlib.Path(info["dir"])

    def url(self, name: str, host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.info[name + '_port']}/api"

    def file(self, name: str) -> str:
        return str(self.dir / name)

    def log(self) -> str:
        return (self.dir / "proxy.log").read_text()

    def proxy(self, name: str = "proxy", creds: str = "user:secret@") -> str:
        return f"http://{creds}127.0.0.1:{self.info[name + '_port']}"


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "net" / "net_fixture.py"), str(tmp_path_factory.mktemp("net"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    yield Net(json.loads(proc.stdout.readline()))
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


def _sync(url: str, **kw: Any) -> SyncEverruns:
    return SyncEverruns(api_key="dev", base_url=url, max_retries=0, read_env=False, **kw)


def test_custom_ca_and_mutual_tls(net: Net) -> None:
    with _sync(net.url("tls"), ca_cert=net.file("ca.pem")) as c:
        assert c.models.list() == []
    with _sync(net.url("mtls"), ca_cert=net.file("ca.pem"), client_cert=net.file("client-bundle.pem")) as c:
        assert c.models.list() == []
    with _sync(
        net.url("mtls"), ca_cert=net.file("ca.pem"), client_cert=net.file("client.pem"),
        client_key=net.file("client.key"),
    ) as c:
        assert c.models.list() == []


async def test_async_client_with_ssl_cert_file(net: Net, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", net.file("ca.pem"))
    for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(k, raising=False)
    async with Everruns(api_key="dev", base_url=net.url("tls"), max_retries=0) as c:
        assert await c.models.list() == []


@pytest.mark.parametrize(
    ("server", "host", "kw", "code"),
    [
        ("tls", "127.0.0.1", {}, "tls_unknown_issuer"),
        ("tls", "localhost", {"ca_cert": "ca.pem"}, "tls_hostname_mismatch"),
        ("mtls", "127.0.0.1", {"ca_cert": "ca.pem"}, "tls_client_certificate_required"),
        ("mtls", "127.0.0.1", {"ca_cert": "ca.pem", "client_cert": "rogue.pem", "client_key": "rogue.key"},
         "tls_client_certificate_rejected"),
    ],
)
def test_certificate_failures_are_typed(net: Net, server: str, host: str, kw: dict[str, str], code: str) -> None:
    files = {k: net.file(v) for k, v in kw.items()}
    with _sync(net.url(server, host), **files) as c:
        with pytest.raises(TlsError) as e:
            c.models.list()
    assert e.value.code == code
    assert isinstance(e.value, NetworkError)


def test_bad_files_are_configuration_errors(net: Net) -> None:
    with pytest.raises(ConfigurationError, match="cannot read the CA bundle"):
        _sync(net.url("tls"), ca_cert="/nonexistent/ca.pem")
    with pytest.raises(ConfigurationError, match="holds no PEM certificate"):
        _sync(net.url("tls"), ca_cert=net.file("garbage.pem"))
    with pytest.raises(ConfigurationError, match="no private key"):
        _sync(net.url("tls"), client_cert=net.file("client.pem"))
    with pytest.raises(ConfigurationError, match="client_key was set without client_cert"):
        _sync(net.url("tls"), client_key=net.file("client.key"))
    with pytest.raises(ConfigurationError) as e:
        _sync(net.url("tls"), proxy="ftp://user:hunter2@proxy:21")
    assert "hunter2" not in str(e.value)


def test_explicit_proxy_with_credentials(net: Net) -> None:
    with _sync(
        net.url("mtls"), ca_cert=net.file("ca.pem"), client_cert=net.file("client-bundle.pem"), proxy=net.proxy()
    ) as c:
        assert c.models.list() == []
        assert "secret" not in repr(c)
    assert f"CONNECT 127.0.0.1:{net.info['mtls_port']} auth=ok" in net.log()


def test_proxy_environment_variables_and_no_proxy(
    net: Net, server: ServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HTTP_PROXY: the real server (plain HTTP) through the forwarding proxy.
    monkeypatch.setenv("HTTP_PROXY", net.proxy("open_proxy", ""))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with SyncEverruns(api_key="dev", base_url=server.api_url) as c:
        assert c.models.list()[0].provider_type == "llmsim"
    assert f"GET http://127.0.0.1:{server.port}/api/v1/models auth=none" in net.log()
    # NO_PROXY bypasses it.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    before = net.log().count(f"127.0.0.1:{server.port}/api/v1/models")
    with SyncEverruns(api_key="dev", base_url=server.api_url) as c:
        assert c.models.list()
    assert net.log().count(f"127.0.0.1:{server.port}/api/v1/models") == before
    # An explicit proxy="none" wins over the environment.
    monkeypatch.delenv("NO_PROXY")
    with SyncEverruns(api_key="dev", base_url=server.api_url, proxy="none") as c:
        assert c.models.list()
    assert net.log().count(f"127.0.0.1:{server.port}/api/v1/models") == before
