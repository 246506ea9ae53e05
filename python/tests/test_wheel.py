"""The built wheel installs into a fresh virtualenv and the quick start runs from there."""

from __future__ import annotations

import glob
import os
import pathlib
import subprocess
import sys

from .conftest import REPO, ServerProcess


def _wheel() -> str:
    wheel_dir = os.environ.get("PY_WHEEL_DIR", str(REPO / "target" / "wheels"))
    wheels = sorted(glob.glob(os.path.join(wheel_dir, "everruns_sdk-*.whl")), key=os.path.getmtime)
    assert wheels, f"no wheel in {wheel_dir}: run `make python` first"
    return wheels[-1]


def test_wheel_installs_in_fresh_venv_and_quickstart_runs(server: ServerProcess, tmp_path: pathlib.Path) -> None:
    base = os.environ.get("PY_BASE", sys.executable)
    venv = tmp_path / "venv"
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "--no-index", _wheel()],
        check=True,
        timeout=300,
    )
    # Run from an unrelated directory so the source tree cannot be imported by accident.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update({"EVERRUNS_API_URL": server.api_url, "EVERRUNS_API_KEY": "dev"})
    check = subprocess.run(
        [str(py), "-c", "import everruns_sdk, pathlib; print(pathlib.Path(everruns_sdk.__file__).parent)"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )
    assert check.returncode == 0, check.stderr
    assert str(venv) in check.stdout
    proc = subprocess.run(
        [str(py), str(REPO / "examples" / "python" / "quickstart.py")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[Turn completed]" in proc.stdout


def _interpreters() -> list[str]:
    """CPython 3.10, 3.11 and 3.13 from pyenv (the abi3 wheel's range); all three must exist
    where pyenv does."""
    root = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv")) / "versions"
    found = []
    for minor in ("3.10", "3.11", "3.13"):
        cands = sorted(root.glob(f"{minor}.*/bin/python{minor}"))
        if cands:
            found.append(str(cands[-1]))
        else:
            assert not root.is_dir(), f"pyenv has no CPython {minor}"
    return found


def test_wheel_is_portable_abi3_manylinux2014() -> None:
    name = os.path.basename(_wheel())
    assert "-cp310-abi3-" in name, name
    assert "manylinux_2_17_x86_64" in name or "manylinux2014_x86_64" in name, name


def test_quickstarts_in_fresh_venvs_of_cpython_310_311_313(server: ServerProcess, tmp_path: pathlib.Path) -> None:
    """The one abi3 wheel installs into fresh 3.10, 3.11 and 3.13 virtualenvs, and both quick
    starts (asyncio and SyncEverruns) run there."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update({"EVERRUNS_API_URL": server.api_url, "EVERRUNS_API_KEY": "dev"})
    interpreters = _interpreters()
    for i, base in enumerate(interpreters):
        venv = tmp_path / f"venv{i}"
        subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
        py = venv / "bin" / "python"
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-index", _wheel()], check=True, timeout=300)
        for example in ("quickstart.py", "quickstart_sync.py"):
            proc = subprocess.run(
                [str(py), str(REPO / "examples" / "python" / example)],
                capture_output=True, text=True, cwd=tmp_path, env=env, timeout=180,
            )
            assert proc.returncode == 0, f"{base} {example}: {proc.stdout}{proc.stderr}"
            assert "[Turn completed]" in proc.stdout
        version = subprocess.run([str(py), "--version"], capture_output=True, text=True).stdout.strip()
        print(f"{version}: quickstart.py and quickstart_sync.py passed")
    assert len(interpreters) >= 1
