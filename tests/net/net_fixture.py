#!/usr/bin/env python3
"""Local proxy and TLS fixture shared by the Rust, Python and Node proxy/TLS tests.

    python3 tests/net/net_fixture.py DIR

Generates, at start, with the `openssl` CLI into DIR: a test CA (`ca.pem`), a server
certificate for 127.0.0.1 only (`server.pem`/`server.key`), a client certificate signed by
the CA (`client.pem`/`client.key`, plus `client-bundle.pem` holding both), a client
certificate from another CA (`rogue.pem`/`rogue.key`) and a file that is not PEM
(`garbage.pem`). Then serves, on 127.0.0.1:

* `tls_port`: HTTPS with the server certificate (no client certificate asked);
* `mtls_port`: HTTPS that requires a client certificate signed by the test CA;
* `proxy_port`: an HTTP proxy (CONNECT tunnels, absolute-form requests forwarded) that
  requires `Proxy-Authorization: Basic user:secret` and appends one line per request to
  DIR/proxy.log (`CONNECT host:port` or `GET http://…`);
* `open_proxy_port`: the same proxy without authentication.

Every HTTPS request gets `200 {"data": [], "total": 0, "offset": 0, "limit": 100}`
(a valid empty listing of any kind). Prints one JSON line with the ports and paths, then runs
until stdin closes.
"""

from __future__ import annotations

import base64
import json
import pathlib
import select
import socket
import ssl
import subprocess
import sys
import threading
import urllib.parse

BODY = b'{"data": [], "total": 0, "offset": 0, "limit": 100}'
AUTH = "Basic " + base64.b64encode(b"user:secret").decode()


def sh(*args: str, cwd: pathlib.Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certs(d: pathlib.Path) -> None:
    def ca(name: str) -> None:
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
           "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=Everruns Test {name}", "-addext",
           "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)

    def leaf(name: str, issuer: str, ext: str) -> None:
        (d / f"{name}.ext").write_text(ext)
        sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
           f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
        sh("openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.pem", "-CAkey",
           f"{issuer}.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile",
           f"{name}.ext", cwd=d)

    ca("ca")
    ca("rogue-ca")
    leaf("server", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
         "basicConstraints=CA:FALSE\n")
    leaf("client", "ca", "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n")
    leaf("rogue", "rogue-ca", "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n")
    (d / "client-bundle.pem").write_text((d / "client.pem").read_text() + (d / "client.key").read_text())
    (d / "garbage.pem").write_text("this is not a certificate\n")


def read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def serve_https(listener: socket.socket, ctx: ssl.SSLContext) -> None:
    def handle(raw: socket.socket) -> None:
        try:
            with ctx.wrap_socket(raw, server_side=True) as conn:
                while True:
                    head = read_head(conn)
                    if not head:
                        return
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY
                    )
        except (OSError, ssl.SSLError):
            pass

    while True:
        raw, _ = listener.accept()
        threading.Thread(target=handle, args=(raw,), daemon=True).start()


def pipe(a: socket.socket, b: socket.socket) -> None:
    socks = [a, b]
    try:
        while True:
            readable, _, _ = select.select(socks, [], [], 30)
            if not readable:
                return
            for s in readable:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        pass
    finally:
        a.close()
        b.close()


def serve_proxy(listener: socket.socket, log: pathlib.Path, need_auth: bool) -> None:
    lock = threading.Lock()

    def handle(conn: socket.socket) -> None:
        head = read_head(conn)
        if not head:
            conn.close()
            return
        text, _, rest = head.partition(b"\r\n\r\n")
        lines = text.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        auth = headers.get("proxy-authorization")
        with lock, log.open("a") as f:
            f.write(f"{method} {target} auth={'ok' if auth == AUTH else auth or 'none'}\n")
        if need_auth and auth != AUTH:
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                         b"Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
            conn.close()
            return
        try:
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)), timeout=10)
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
            else:
                u = urllib.parse.urlsplit(target)
                upstream = socket.create_connection((u.hostname or "127.0.0.1", u.port or 80), timeout=10)
                path = (u.path or "/") + (f"?{u.query}" if u.query else "")
                kept = [ln for ln in lines[1:] if not ln.lower().startswith(("proxy-", "connection:"))]
                upstream.sendall(
                    f"{method} {path} HTTP/1.1\r\n".encode()
                    + "\r\n".join(kept + ["Connection: close"]).encode() + b"\r\n\r\n" + rest
                )
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            conn.close()
            return
        upstream.settimeout(None)
        pipe(conn, upstream)

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def listen() -> socket.socket:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def main() -> None:
    d = pathlib.Path(sys.argv[1]).resolve()
    d.mkdir(parents=True, exist_ok=True)
    make_certs(d)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(d / "server.pem", d / "server.key")
    mtls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    mtls.load_cert_chain(d / "server.pem", d / "server.key")
    mtls.load_verify_locations(d / "ca.pem")
    mtls.verify_mode = ssl.CERT_REQUIRED
    log = d / "proxy.log"
    log.write_text("")
    socks = {name: listen() for name in ("tls", "mtls", "proxy", "open_proxy")}
    threading.Thread(target=serve_https, args=(socks["tls"], tls), daemon=True).start()
    threading.Thread(target=serve_https, args=(socks["mtls"], mtls), daemon=True).start()
    threading.Thread(target=serve_proxy, args=(socks["proxy"], log, True), daemon=True).start()
    threading.Thread(target=serve_proxy, args=(socks["open_proxy"], log, False), daemon=True).start()
    info = {f"{k}_port": s.getsockname()[1] for k, s in socks.items()}
    info.update({"dir": str(d), "proxy_log": str(log)})
    print(json.dumps(info), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
