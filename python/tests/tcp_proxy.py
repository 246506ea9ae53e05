"""A TCP pass-through proxy that records the connections going through it.

Put in front of the real server, it shows which connections the SDK has open (e.g. that an SSE
connection closes when the Python loop breaks) without touching either side's behaviour.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

METHODS = (b"GET ", b"POST ", b"PUT ", b"PATCH ", b"DELETE ", b"HEAD ")


@dataclass
class Conn:
    #: Request line of the latest request sent on this (keep-alive) connection.
    last_request: bytes = b""
    open: bool = True
    sockets: list[socket.socket] = field(default_factory=list)

    @property
    def is_sse(self) -> bool:
        return self.last_request.startswith(b"GET ") and b"/sse" in self.last_request


class TcpProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.conns: list[Conn] = []
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            conn = Conn(sockets=[client, up])
            with self.lock:
                self.conns.append(conn)
            done = threading.Event()
            threading.Thread(target=self._pipe, args=(conn, client, up, True, done), daemon=True).start()
            threading.Thread(target=self._pipe, args=(conn, up, client, False, done), daemon=True).start()

    def _pipe(self, conn: Conn, src: socket.socket, dst: socket.socket, record: bool, done: threading.Event) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record and data.startswith(METHODS):
                    conn.last_request = data.split(b"\r\n", 1)[0]
                dst.sendall(data)
        except OSError:
            pass
        finally:
            conn.open = False
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            done.set()

    def open_sse(self) -> int:
        with self.lock:
            return sum(1 for c in self.conns if c.open and c.is_sse)

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        with self.lock:
            for c in self.conns:
                for s in c.sockets:
                    try:
                        s.close()
                    except OSError:
                        pass
