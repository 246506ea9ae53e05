"""Fixtures: the real reference server (`everruns-server --dev`) on a free port, and clients."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, AsyncIterator, Iterator, Optional

import pytest

from everruns_sdk import Everruns

REPO = pathlib.Path(__file__).resolve().parents[2]
LISTEN_RE = re.compile(r"listening on (http://\S+)")


def _server_bin() -> str:
    env = os.environ.get("EVERRUNS_SERVER_BIN")
    if env:
        if not os.path.isfile(env):
            raise RuntimeError(f"EVERRUNS_SERVER_BIN={env} does not exist")
        return env
    target = os.environ.get("CARGO_TARGET_DIR", str(REPO / "target"))
    subprocess.run(
        ["cargo", "build", "-p", "everruns-server"],
        cwd=REPO,
        check=True,
        env={**os.environ, "CARGO_TARGET_DIR": target},
    )
    return str(pathlib.Path(target) / "debug" / "everruns-server")


class ServerProcess:
    """One `everruns-server --dev` process with its own SQLite file; restartable on its port."""

    def __init__(self, binary: str, workdir: pathlib.Path, env: Optional[dict[str, str]] = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.db = workdir / "db.sqlite"
        self.env = {**os.environ, "EVERRUNS_LOG": os.environ.get("EVERRUNS_LOG", "warn"), **(env or {})}
        for k in ("EVERRUNS_API_URL", "EVERRUNS_API_KEY", "EVERRUNS_ORG_ID"):
            self.env.pop(k, None)
        self.proc: Optional[subprocess.Popen[str]] = None
        self.url = ""
        self.port = 0
        self._log = open(workdir / "server.log", "a")

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def start(self, port: int = 0) -> None:
        args = [
            self.binary,
            "--dev",
            "--addr",
            f"127.0.0.1:{port}",
            "--database-url",
            f"sqlite://{self.db}",
        ]
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=self.env,
            cwd=self.workdir,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 120
        found: list[str] = []

        def read() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                m = LISTEN_RE.search(line)
                if m:
                    found.append(m.group(1))
                    break

        t = threading.Thread(target=read, daemon=True)
        t.start()
        while not found:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {self.log_tail()}")
            time.sleep(0.02)
        self.url = found[0].rstrip("/")
        self.port = int(self.url.rsplit(":", 1)[1])
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        if self.proc is not None and self.proc.stdout is not None:
            for _ in self.proc.stdout:
                pass

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def restart(self, hard: bool = False) -> None:
        port = self.port
        if hard:
            self.kill()
        else:
            self.stop()
        self.start(port)

    def log_tail(self, n: int = 4000) -> str:
        self._log.flush()
        try:
            return (self.workdir / "server.log").read_text()[-n:]
        except OSError:
            return ""

    def close(self) -> None:
        self.stop()
        self._log.close()


@pytest.fixture(scope="session")
def server_bin() -> str:
    return _server_bin()


@pytest.fixture(scope="session")
def server(server_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = ServerProcess(server_bin, tmp_path_factory.mktemp("server"))
    srv.start()
    yield srv
    srv.close()


@pytest.fixture
def make_server(server_bin: str, tmp_path: pathlib.Path) -> Iterator[Any]:
    """Starts dedicated servers (e.g. with other settings) for one test."""
    started: list[ServerProcess] = []

    def make(env: Optional[dict[str, str]] = None) -> ServerProcess:
        d = tmp_path / f"srv{len(started)}"
        d.mkdir()
        s = ServerProcess(server_bin, d, env)
        s.start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.close()


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[Everruns]:
    async with Everruns(api_key="dev", base_url=server.api_url) as c:
        yield c


def python_for_subprocess() -> str:
    return sys.executable


def fresh_tmp() -> pathlib.Path:
    return pathlib.Path(tempfile.mkdtemp(prefix="everruns-py-"))


def rm_tree(p: pathlib.Path) -> None:
    shutil.rmtree(p, ignore_errors=True)
