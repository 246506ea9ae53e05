#!/usr/bin/env python3
"""Runs README.md: every code block and every command in it, or fails.

What the README shows must work as written, so this reads README.md and

* runs the Python, TypeScript and Rust quick starts verbatim against a fresh reference server
  in dev mode (llmsim answers), installed and run the way the README says: Python in a fresh
  virtualenv with ``pip install target/wheels/everruns_sdk-*.whl``, then ``python quickstart.py``;
  TypeScript in a fresh npm project with ``npm install <clone>/typescript``, then the README's
  ``npx tsc ...`` and ``node quickstart.mjs``; Rust with ``cargo new``, the README's ``toml``
  block as ``[dependencies]`` and ``cargo run`` (offline, on the workspace's Cargo.lock). Each
  must print the simulated answer, end its turn and delete what it created;
* checks every shell command (``sh`` blocks and inline code that starts with a command): each
  ``make`` target must exist (``make -n``) and be run by ``make test`` or ``make demo`` (the
  prerequisite closure of TEST_TARGETS and ``demo``) or be one of the documented exceptions
  below, which are run here when they can be (``make start-dev`` is started, answers
  ``/health`` and is stopped; ``everruns-server keys create`` makes a key a non-dev server then
  accepts, while the Python SDK raises AuthenticationError with a wrong one); server command
  lines are started for real; registry installs (network) are listed as exceptions;
* checks the facts in inline code: ``--flags`` exist (server ``--help`` or the examples),
  environment variables are read somewhere in the code, repository paths exist, ``/api/...``
  routes answer 200 on the fresh server.

Anything it does not know (a code block in another language, a command no rule covers, an
unknown make target) is an error, so the README cannot gain an unchecked command.

    check_readme.py --server-bin PATH --target-dir DIR [--readme README.md] [--static-only]
    check_readme.py --self-test ...   perturbed copies of the README must each fail

Exit 0 when everything passed.
"""
from __future__ import annotations

import argparse
import functools
import glob
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
CLONE = "<clone>"  # placeholder for the path of a clone of this repository in README commands

# The answer llmsim gives the quick starts' "Research Assistant" in dev mode.
ANSWER = "Durable execution records every step of a program so that it resumes after a crash."

# make targets the README may name although `make test`/`make demo` do not run them, and why.
MAKE_EXCEPTIONS = {
    "start-dev": "runs until stopped: started here, /health checked, stopped",
    "help": "run here; must list every make target the README names",
    "bench": "long measurement run (release builds of everything); `make -n bench` checked",
    "chaos": "long chaos schedule; its short form `make test-chaos` is part of `make test`",
    "openapi": "regenerates openapi/openapi.json; the server tests check the committed file",
    "fuzz": "long schemathesis run; its short form `make test-fuzz` is part of `make test`",
    "generate": "regenerates the committed generated files; `make check-generated` (in make test) checks them",
}

# Inline-code words that start a command (anything else in inline code is a name or a fact).
COMMAND_WORDS = {"make", "cargo", "pip", "pip3", "npm", "npx", "node", "python", "python3",
                 ".venv/bin/python", "export", "everruns-server", "curl", "git", "rm", "cd"}

# Environment variables are looked up in these trees.
ENV_SOURCES = ["core/src", "rust-sdk/src", "runtime/src", "server/src", "python/python",
               "typescript/ts", "examples", "scripts"]


@dataclass
class Readme:
    """The parts of README.md that are checked."""
    blocks: list[tuple[int, str, str]] = field(default_factory=list)  # (line, lang, body)
    commands: list[tuple[int, str]] = field(default_factory=list)  # (line, command)
    spans: list[tuple[int, str]] = field(default_factory=list)  # inline code that is no command
    text_lines: list[str] = field(default_factory=list)  # the README's lines


def parse(text: str) -> Readme:
    """Splits the README into fenced blocks, shell commands and other inline code spans."""
    out = Readme()
    lines = text.split("\n")
    out.text_lines = lines
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(```+|~~~+)\s*(\S*)\s*$", lines[i])
        if m:
            fence, lang, start = m.group(2), m.group(3).lower(), i + 1
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise SystemExit(f"README.md:{start}: unterminated code block")
            out.blocks.append((start, lang, "\n".join(body) + "\n"))
            if lang in ("sh", "bash", "shell", "console"):
                for n, cmd in shell_lines(body):
                    out.commands.append((start + n + 1, cmd))
        else:
            for span in re.findall(r"(`+)(.+?)\1", lines[i]):
                code = span[1].strip()
                words = code.split()
                first = next((w for w in words if not re.match(r"^[A-Z_][A-Z0-9_]*=", w)), "")
                if first in COMMAND_WORDS and len(words) > 1:
                    for part in code.split("&&"):
                        out.commands.append((i + 1, part.strip()))
                else:
                    out.spans.append((i + 1, code))
        i += 1
    return out


def shell_lines(body: list[str]) -> list[tuple[int, str]]:
    """Commands of a shell block: comments dropped, `\\` continuations joined."""
    cmds: list[tuple[int, str]] = []
    pending = ""
    for n, raw in enumerate(body):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not line.strip():
            continue
        if pending:
            pending += " " + line.strip()
        else:
            start, pending = n, line.strip()
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        cmds.append((start, pending.lstrip("$ ").strip()))
        pending = ""
    return cmds


# ------------------------------------------------------------------------------------------
# make


@functools.lru_cache(maxsize=None)
def make_n(target: str) -> tuple[int, str]:
    """`make -n TARGET`: exit code and stderr."""
    res = subprocess.run(["make", "-n", "--no-print-directory", target], cwd=ROOT,
                         capture_output=True, text=True)
    return res.returncode, res.stderr


@functools.lru_cache(maxsize=None)
def server_help(server_bin: str) -> str:
    """`everruns-server --help` and the help of every subcommand."""
    text = run([server_bin, "--help"])
    subs = re.findall(r"^  ([a-z][\w-]*)  ", text.split("Commands:")[-1].split("Options:")[0], re.M)
    for sub in subs:
        if sub != "help":
            text += run([server_bin, sub, "--help"])
    text += run([server_bin, "keys", "create", "--help"])
    return text


@functools.lru_cache(maxsize=None)
def make_db() -> tuple[set[str], dict[str, list[str]]]:
    """TEST_TARGETS and the rule graph (target → prerequisites) of the root Makefile."""
    res = subprocess.run(["make", "-pq", "--no-print-directory"], cwd=ROOT, text=True,
                         capture_output=True)
    test_targets: set[str] = set()
    rules: dict[str, list[str]] = {}
    for line in res.stdout.split("\n"):
        m = re.match(r"^TEST_TARGETS :?= (.*)$", line)
        if m:
            test_targets = set(m.group(1).split())
            continue
        m = re.match(r"^([A-Za-z0-9_./-]+):(?:\s+(.*))?$", line)
        if m and not line.startswith("#"):
            prereqs = (m.group(2) or "").split("|")[0].split()
            rules.setdefault(m.group(1), []).extend(prereqs)
    return test_targets, rules


def closure(roots: set[str], rules: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(rules.get(t, []))
    return seen


# ------------------------------------------------------------------------------------------
# processes


class Proc:
    """A background process in its own process group, stopped with the group."""

    def __init__(self, cmd: list[str], env: dict[str, str], cwd: pathlib.Path = ROOT,
                 timeout: float = 300.0) -> None:
        self.cmd = cmd
        self.p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        deadline = time.monotonic() + timeout
        assert self.p.stdout is not None
        self.url = ""
        while time.monotonic() < deadline:
            line = self.p.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            m = re.search(r"listening on (\S+)", line)
            if m:
                self.url = m.group(1).rstrip("/")
                return
        self.stop()
        raise Failure(f"`{' '.join(cmd)}` did not print 'listening on':\n{''.join(self.lines)[-3000:]}")

    def stop(self) -> None:
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
                self.p.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait()


class Failure(Exception):
    pass


def run(cmd: list[str] | str, cwd: pathlib.Path = ROOT, env: dict[str, str] | None = None,
        timeout: float = 600.0, shell: bool = False) -> str:
    """Runs a command to completion; its output, or Failure with the output."""
    res = subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=True, timeout=timeout,
                         shell=shell, stdin=subprocess.DEVNULL)
    out = res.stdout + res.stderr
    if res.returncode != 0:
        shown = cmd if isinstance(cmd, str) else " ".join(cmd)
        raise Failure(f"`{shown}` exited {res.returncode}:\n{out[-4000:]}")
    return out


def http(url: str, token: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url)
    if token is not None:
        req.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------
# the checker


class Checker:
    def __init__(self, args: argparse.Namespace, readme: Readme) -> None:
        self.args = args
        self.readme = readme
        self.errors: list[str] = []
        self.done: list[str] = []
        self.exceptions: list[str] = []
        self.actions: list[tuple[str, Callable[[], None]]] = []
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="everruns-readme-"))
        self.server_bin = str(pathlib.Path(args.server_bin).resolve())
        self.help_text = ""
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("EVERRUNS_")}
        self.api = ""
        self.exports: dict[str, str] = {}
        self.py_install: str | None = None
        self.npm_install: str | None = None
        self.toml: str | None = None
        self.run_cmds: dict[str, str] = {}  # how the README says to run each quick start

    # -- static part: classify everything, fail on anything unknown -------------------------

    def plan(self) -> None:
        self.help_text = self.server_help()
        self.test_targets, self.rules = make_db()  # cached
        self.covered = closure(self.test_targets | {"demo", "test"}, self.rules)
        self.top_dirs = {p.split("/")[0] for p in run(["git", "ls-files"]).split("\n") if "/" in p}
        snippets: dict[str, list[tuple[int, str]]] = {"python": [], "ts": [], "rust": [], "kotlin": []}
        for line, lang, body in self.readme.blocks:
            lang = {"typescript": "ts", "bash": "sh", "shell": "sh", "console": "sh"}.get(lang, lang)
            if lang in snippets:
                snippets[lang].append((line, body))
            elif lang == "toml":
                if self.toml is not None:
                    self.err(line, "a second toml block (only the Rust quick start's manifest is known)")
                self.toml = body
            elif lang != "sh":
                self.err(line, f"code block in language {lang or '(none)'!r}: the checker does not "
                               "know how to run it (tests/readme/check_readme.py)")
        for line, cmd in self.readme.commands:
            self.command(line, cmd)
        for line, span in self.readme.spans:
            self.span(line, span)
        self.catalogue = re.findall(r"^\|[^|\n]+\| `([\w.:-]+)` \| `(model_[0-9a-f]{32})` \|$",
                                    "\n".join(self.readme.text_lines), re.M)
        if self.catalogue:
            self.actions.append(("the model catalogue table", self.models))
        for lang in ("python", "ts", "rust", "kotlin"):
            if len(snippets[lang]) != 1:
                self.errors.append(f"README.md: {len(snippets[lang])} {lang} code blocks; the checker "
                                   "knows one quick start per language")
        for key, what in (("python", "`python FILE.py`"), ("tsc", "`npx tsc ... FILE.mts`"),
                          ("node", "`node FILE.mjs`"), ("cargo_new", "`cargo new NAME`"),
                          ("cargo_run", "`cargo run`"), ("kotlinc", "`kotlinc -cp JARS QuickStart.kt -d APP.jar`"),
                          ("java", "`java -cp JARS QuickStartKt`")):
            if key not in self.run_cmds:
                self.errors.append(f"README.md: no {what} command that runs the quick start")
        if snippets["python"] and self.py_install is None:
            self.errors.append("README.md: no `pip install target/wheels/...` line for the Python quick start")
        if snippets["ts"] and self.npm_install is None:
            self.errors.append("README.md: no `npm install <clone>/typescript` line for the TypeScript quick start")
        if snippets["rust"] and self.toml is None:
            self.errors.append("README.md: no ```toml [dependencies] block for the Rust quick start")
        example = ROOT / "examples/kotlin/QuickStart.kt"
        for line, body in snippets["kotlin"]:
            if example.exists() and body.strip() != example.read_text().strip():
                self.err(line, "the Kotlin quick start differs from examples/kotlin/QuickStart.kt "
                               "(which `make test-kotlin` runs)")
        self.snippets = snippets

    def err(self, line: int, msg: str) -> None:
        self.errors.append(f"README.md:{line}: {msg}")

    def server_help(self) -> str:
        return server_help(self.server_bin)

    def command(self, line: int, cmd: str) -> None:
        env: dict[str, str] = {}
        words = shlex.split(cmd)
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
            k, v = words.pop(0).split("=", 1)
            env[k] = v
        for k in env:
            self.env_name(line, k)
        rest = " ".join(words)
        if not words:
            self.err(line, f"empty command {cmd!r}")
        elif words[0] == "make":
            if any(w.startswith("-") or "=" in w for w in words[1:]):
                self.err(line, f"`{cmd}`: make options/variables are not covered by the checker")
            for target in words[1:]:
                self.make_target(line, target)
        elif words[0] == "export" and len(words) == 2 and "=" in words[1]:
            k, v = words[1].split("=", 1)
            self.env_name(line, k)
            if k not in ("EVERRUNS_API_KEY", "EVERRUNS_API_URL", "EVERRUNS_DEBUG", "EVERRUNS_ORG_ID"):
                self.err(line, f"`{cmd}`: only the client variables are exported by the checker")
            self.exports[k] = v
            self.done.append(f"`{cmd}`: set for every quick start run")
        elif rest == "cargo run -p everruns-server --":
            self.done.append(f"`{cmd}`: the cargo form of `everruns-server`, whose command lines run here")
        elif rest == "cargo run -p everruns-server -- --help":
            self.done.append(f"`{cmd}`: run")
            self.actions.append((cmd, lambda: self.cargo_help()))
        elif rest in ("everruns-server keys create", "cargo run -p everruns-server -- keys create"):
            self.actions.append((rest, functools.partial(self.keys, words[:-2])))
        elif re.match(r"^cargo run -p everruns-server -- ", rest) or rest == "cargo run -p everruns-server":
            args = words[5:]
            for a in args:
                if a.startswith("--"):
                    self.flag(line, a.split("=")[0])
            self.actions.append((cmd, functools.partial(self.serve, args, env, cargo=True)))
        elif words[0] == "everruns-server" and (len(words) == 1 or words[1].startswith("--")):
            for a in words[1:]:
                if a.startswith("--"):
                    self.flag(line, a.split("=")[0])
            self.actions.append((cmd, functools.partial(self.serve, words[1:], env, cargo=False)))
        elif m := re.match(r"^cargo run -p everruns-runtime --example (\w+)$", rest):
            recipe = run(["make", "-n", "--no-print-directory", "test-runtime-examples"])
            if f"--example {m.group(1)}" not in recipe or "test-runtime-examples" not in self.test_targets:
                self.err(line, f"`{cmd}` is not run by `make test` (test-runtime-examples)")
            else:
                self.done.append(f"`{cmd}`: run by `make test` (test-runtime-examples)")
        elif m := re.match(r"^(?:(?:\.venv/bin/)?python3? examples/python/(\w+)\.py"
                           r"|node examples/typescript/dist/(\w+)\.js"
                           r"|cargo run -p everruns-examples --bin (\w+))((?:(?: --)? --interactive)?)$", rest):
            name = m.group(1) or m.group(2) or m.group(3)
            lang = "python" if m.group(1) else "typescript" if m.group(2) else "rust"
            sys.path.insert(0, str(ROOT / "scripts"))
            import demo  # the example runner of make demo / make test-examples
            if name not in demo.EXAMPLES[lang]:
                self.err(line, f"`{cmd}`: no such example in scripts/demo.py")
            else:
                self.done.append(f"`{cmd}`: this example is run by `make test-examples`"
                                 + (" (the interactive loop is not)" if m.group(4) else ""))
        elif rest == "rm -rf .everruns":
            if "sqlite://./.everruns/" not in self.help_text:
                self.err(line, f"`{cmd}`: the server's default database is no longer under ./.everruns/")
            else:
                self.done.append(f"`{cmd}`: ./.everruns/ is where the default database lives (--help)")
        elif re.match(r"^python3? \w+\.py$", rest):
            self.run_cmds["python"] = rest
        elif re.match(r"^npx tsc( --?[\w-]+(?: [\w.-]+)?)* \w+\.mts$", rest):
            self.run_cmds["tsc"] = rest
        elif re.match(r"^node \w+\.mjs$", rest):
            self.run_cmds["node"] = rest
        elif re.match(r"^cargo new [\w-]+$", rest):
            self.run_cmds["cargo_new"] = rest
        elif rest == "cargo run":
            self.run_cmds["cargo_run"] = rest
        elif re.match(rf"^kotlinc -cp {CLONE}/target/kotlin/lib/[\w.-]+\.jar"
                      rf"(?::{CLONE}/target/kotlin/lib/[\w.-]+\.jar)*"
                      r" QuickStart\.kt -d \w+\.jar$", rest):
            self.run_cmds["kotlinc"] = rest
        elif re.match(rf"^java -cp {CLONE}/target/kotlin/lib/[\w.-]+\.jar:\w+\.jar QuickStartKt$", rest):
            self.run_cmds["java"] = rest
        elif rest in ("pip install everruns-sdk", "npm install @everruns/sdk", "cargo add everruns-sdk"):
            self.exceptions.append(f"`{cmd}`: registry install (needs the network; this package is not published yet)")
        elif re.match(r"^pip install target/wheels/everruns_sdk-\*\.whl$", rest):
            self.py_install = rest
        elif rest == f"npm install {CLONE}/typescript":
            self.npm_install = rest
        else:
            self.err(line, f"command not covered by the checker: `{cmd}` (add a rule to "
                           "tests/readme/check_readme.py that runs it)")

    def make_target(self, line: int, target: str) -> None:
        code, stderr = make_n(target)
        if code != 0:
            self.err(line, f"`make {target}`: no such target ({stderr.strip()[-200:]})")
        elif target in MAKE_EXCEPTIONS:
            if target == "start-dev":
                self.actions.append(("make start-dev", self.start_dev))
            elif target == "help":
                self.actions.append(("make help", self.make_help))
            else:
                self.exceptions.append(f"`make {target}`: {MAKE_EXCEPTIONS[target]}")
        elif target in self.covered:
            self.done.append(f"`make {target}`: run by `make test`/`make demo`")
        else:
            self.err(line, f"`make {target}` is neither run by `make test`/`make demo` nor a "
                           "documented exception (MAKE_EXCEPTIONS in tests/readme/check_readme.py)")

    def flag(self, line: int, flag: str) -> None:
        if re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", self.help_text):
            return
        for path in glob.glob(str(ROOT / "examples/**/*"), recursive=True) + [str(ROOT / "scripts/demo.py")]:
            p = pathlib.Path(path)
            if p.is_file() and "node_modules" not in p.parts and "dist" not in p.parts \
                    and flag in p.read_text(errors="replace"):
                return
        self.err(line, f"`{flag}`: not a flag of everruns-server (--help) nor of an example")

    def env_name(self, line: int, name: str) -> None:
        if name in self.help_text:
            return
        for tree in ENV_SOURCES:
            res = subprocess.run(["grep", "-rqF", "--exclude-dir=node_modules", name, str(ROOT / tree)])
            if res.returncode == 0:
                return
        self.err(line, f"`{name}`: no code reads this environment variable")

    def span(self, line: int, span: str) -> None:
        top = self.top_dirs
        if span.startswith("--"):
            for flag in re.findall(r"(?<!\S)--[a-z][\w-]*", span):
                self.flag(line, flag)
        elif re.match(r"^[A-Z][A-Z0-9]*_[A-Z0-9_]+(=\S*)?$", span):
            self.env_name(line, span.split("=")[0])
        elif m := re.match(r"^(\w+)\.(py|ts|rs)$", span):
            where = {"py": "examples/python", "ts": "examples/typescript", "rs": "examples/rust/src/bin"}
            if not (ROOT / where[m.group(2)] / span).exists():
                self.err(line, f"`{span}`: not in {where[m.group(2)]}/")
        elif m := re.match(r"^(?:GET )?(/api/\S*|/health)$", span):
            path = m.group(1)
            if "…" not in path and "{" not in path:
                self.actions.append((f"GET {path}", functools.partial(self.get, path)))
        elif re.match(r"^\.?/?[\w.-]+/[\w./*-]*$", span) and span.lstrip("./").split("/")[0] in top:
            if not glob.glob(str(ROOT / span.lstrip("./"))):
                self.err(line, f"`{span}`: no such path in the repository")

    # -- dynamic part ------------------------------------------------------------------------

    def execute(self) -> None:
        scripts = self.tmp / "llmsim"
        scripts.mkdir()
        (scripts / "research-assistant.json").write_text(json.dumps({"steps": [{"text": ANSWER}]}))
        server = Proc([self.server_bin, "--dev", "--addr", "127.0.0.1:0",
                       "--database-url", f"sqlite://{self.tmp}/quickstart.sqlite",
                       "--llmsim-scripts", str(scripts)], self.base_env)
        self.api = server.url + "/api"
        try:
            steps: list[tuple[str, Callable[[], None]]] = []
            steps += [(f"python quick start (README.md:{ln})", functools.partial(self.python, b))
                      for ln, b in self.snippets["python"]]
            steps += [(f"TypeScript quick start (README.md:{ln})", functools.partial(self.ts, b))
                      for ln, b in self.snippets["ts"]]
            steps += [(f"Rust quick start (README.md:{ln})", functools.partial(self.rust, b))
                      for ln, b in self.snippets["rust"]]
            steps += [(f"Kotlin quick start (README.md:{ln})", functools.partial(self.kotlin, b))
                      for ln, b in self.snippets["kotlin"]]
            for name, step in steps + list(dict(self.actions).items()):  # each action once
                if self.args.only and not any(o in name for o in self.args.only):
                    continue
                started = time.monotonic()
                print(f"-- {name}", flush=True)
                try:
                    step()
                    self.done.append(f"{name}: ok ({time.monotonic() - started:.1f}s)")
                except (Failure, subprocess.TimeoutExpired) as e:
                    self.errors.append(f"{name}: {e}")
                    print(f"   FAILED: {str(e)[:2000]}", flush=True)
        finally:
            server.stop()

    def snippet_env(self) -> dict[str, str]:
        env = dict(self.base_env, **self.exports)
        env["EVERRUNS_API_URL"] = self.api
        return env

    def check_run(self, out: str) -> None:
        """A quick start printed the simulated answer and deleted its agent and session."""
        print("   " + out.strip().replace("\n", "\n   ")[:1500], flush=True)
        if ANSWER not in out:
            raise Failure(f"the streamed answer is missing from the output:\n{out[-2000:]}")
        for kind in ("agents", "sessions"):
            status, body = http(f"{self.api}/v1/{kind}", "dev")
            items = json.loads(body).get("data", [])
            if status != 200 or items:
                raise Failure(f"after the run GET /v1/{kind} is {status} with {len(items)} left "
                              "(the quick start must clean up)")

    def python(self, body: str) -> None:
        """A fresh virtualenv, the README's pip line, the snippet saved and run as it says."""
        venv = self.tmp / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        assert self.py_install is not None
        wheels = shlex.quote(str(pathlib.Path(self.args.wheel_dir).resolve())) + "/"
        run(f"{venv}/bin/{self.py_install.replace('target/wheels/', wheels)}", shell=True)
        cmd = self.run_cmds["python"]
        (self.tmp / cmd.split()[-1]).write_text(body)
        env = self.snippet_env()
        env["PATH"] = f"{venv}/bin:{env.get('PATH', '')}"  # the virtualenv, activated
        self.check_run(run(cmd, cwd=self.tmp, env=env, timeout=120, shell=True))

    def ts(self, body: str) -> None:
        """A fresh npm project: the README's npm line, typescript and @types/node as dev
        dependencies (linked from typescript/node_modules: no network here), the snippet saved,
        compiled and run with the README's commands."""
        proj = self.tmp / "tsproj"
        proj.mkdir()
        (proj / "package.json").write_text(json.dumps(
            {"name": "readme-quickstart", "private": True, "type": "module"}))
        assert self.npm_install is not None
        run(self.npm_install.replace(CLONE, shlex.quote(str(ROOT))) + " --offline --no-audit --no-fund",
            cwd=proj, shell=True, timeout=300)
        modules = ROOT / "typescript/node_modules"
        (proj / "node_modules/@types").mkdir(parents=True, exist_ok=True)
        (proj / "node_modules/.bin").mkdir(exist_ok=True)
        (proj / "node_modules/typescript").symlink_to(modules / "typescript")
        (proj / "node_modules/@types/node").symlink_to(modules / "@types/node")
        (proj / "node_modules/.bin/tsc").symlink_to(modules / "typescript/bin/tsc")
        tsc, node = self.run_cmds["tsc"], self.run_cmds["node"]
        (proj / tsc.split()[-1]).write_text(body)
        env = dict(self.base_env, npm_config_offline="true")
        run(tsc, cwd=proj, env=env, shell=True, timeout=300)
        self.check_run(run(node, cwd=proj, env=self.snippet_env(), timeout=120, shell=True))

    def rust(self, body: str) -> None:
        """`cargo new`, the README's [dependencies], the snippet as src/main.rs, `cargo run`."""
        target = pathlib.Path(self.args.target_dir).resolve()
        work = self.tmp / "rust"
        work.mkdir()
        # No network here: cargo works offline, on the workspace's lock file (same versions).
        env = dict(self.base_env, CARGO_NET_OFFLINE="true", CARGO_TARGET_DIR=str(target))
        new = self.run_cmds["cargo_new"]
        run(new, cwd=work, env=env, shell=True)
        crate = work / new.split()[-1]
        manifest = (crate / "Cargo.toml").read_text()
        assert self.toml is not None
        manifest = manifest[: manifest.index("[dependencies]")] + self.toml.replace(CLONE, str(ROOT))
        # The workspace's dev profile, so the dependencies built in the same target directory
        # for the workspace are reused.
        (crate / "Cargo.toml").write_text(manifest + '\n[profile.dev]\ndebug = "line-tables-only"\n')
        shutil.copy(ROOT / "Cargo.lock", crate / "Cargo.lock")
        (crate / "src/main.rs").write_text(body)
        env.update({k: v for k, v in self.snippet_env().items() if k.startswith("EVERRUNS_")})
        self.check_run(run(self.run_cmds["cargo_run"], cwd=crate, env=env, timeout=1800, shell=True))

    def kotlin(self, body: str) -> None:
        """The snippet as QuickStart.kt, compiled and run with the README's kotlinc and java
        lines against the jar `make kotlin` built (kotlinc from its npm package on PATH)."""
        proj = self.tmp / "kotlin"
        proj.mkdir()
        (proj / "QuickStart.kt").write_text(body)
        out = pathlib.Path(self.args.kotlin_dir).resolve()
        env = self.snippet_env()
        env["PATH"] = f"{out.parent / 'kotlin-tools/node_modules/kotlin-compiler/bin'}:{env.get('PATH', '')}"
        clone_out = f"{CLONE}/target/kotlin"
        run(self.run_cmds["kotlinc"].replace(clone_out, shlex.quote(str(out))), cwd=proj, env=env,
            shell=True, timeout=600)
        self.check_run(run(self.run_cmds["java"].replace(clone_out, shlex.quote(str(out))), cwd=proj,
                           env=env, timeout=120, shell=True))

    def cargo_help(self) -> None:
        out = run(["cargo", "run", "-q", "-p", "everruns-server", "--", "--help"],
                  env=self.cargo_env(), timeout=1800)
        if "Usage:" not in out:
            raise Failure(f"no usage text:\n{out}")

    def cargo_env(self) -> dict[str, str]:
        # the server binary given to the checker lives in <target>/debug/
        return dict(self.base_env, CARGO_TARGET_DIR=str(pathlib.Path(self.server_bin).parent.parent))

    def serve(self, args: list[str], env: dict[str, str], cargo: bool) -> None:
        """A documented server command line starts and answers /health (on a free port)."""
        args = list(args)
        for i, a in enumerate(args):
            if a == "--addr" and i + 1 < len(args):
                args[i + 1] = "127.0.0.1:0"
        if "--addr" not in args:
            args += ["--addr", "127.0.0.1:0"]
        env = dict(self.cargo_env(), **env,
                   EVERRUNS_DATABASE_URL=f"sqlite://{self.tmp}/serve.sqlite")
        prefix = ["cargo", "run", "-q", "-p", "everruns-server", "--"] if cargo else [self.server_bin]
        p = Proc(prefix + args, env, timeout=1800)
        try:
            status, _ = http(p.url + "/health")
            if status != 200:
                raise Failure(f"/health answered {status}")
        finally:
            p.stop()

    def start_dev(self) -> None:
        """`make start-dev` (on a free port and a scratch database) serves /health in dev mode."""
        env = dict(self.base_env, EVERRUNS_DATABASE_URL=f"sqlite://{self.tmp}/start-dev.sqlite")
        recipe = run(["make", "-n", "--no-print-directory", "start-dev"])
        if "--dev" not in recipe or "127.0.0.1:9300" not in recipe:
            raise Failure(f"make start-dev is not dev mode on 127.0.0.1:9300 as the README says:\n{recipe}")
        p = Proc(["make", "--no-print-directory", "start-dev",
                  "SERVER_DEV_ARGS=--dev --addr 127.0.0.1:0",
                  f"SERVER_TARGET_DIR={pathlib.Path(self.server_bin).parent.parent}"], env,
                 timeout=1800)
        try:
            status, _ = http(p.url + "/health")
            agents, _ = http(p.url + "/api/v1/agents", None)  # dev mode: no key needed
            if (status, agents) != (200, 200):
                raise Failure(f"/health {status}, /api/v1/agents without a key {agents}")
        finally:
            p.stop()

    def make_help(self) -> None:
        out = run(["make", "--no-print-directory", "help"])
        named = {w for _, c in self.readme.commands if c.startswith("make ") for w in c.split()[1:]}
        missing = sorted(t for t in named if not re.search(rf"^{re.escape(t)}\s", out, re.M))
        if missing:
            raise Failure(f"`make help` does not list {missing}")

    def keys(self, prefix: list[str]) -> None:
        """`[cargo run -p] everruns-server keys create` makes a key a server without --dev accepts."""
        db = f"sqlite://{self.tmp}/keys.sqlite"
        if prefix[0] == "cargo":
            prefix = prefix[:2] + ["-q"] + prefix[2:]
        else:
            prefix = [self.server_bin]
        res = subprocess.run(prefix + ["keys", "create"], capture_output=True, text=True,
                             timeout=1800, cwd=ROOT, env=dict(self.cargo_env(), EVERRUNS_DATABASE_URL=db))
        key = res.stdout.strip()
        if res.returncode != 0 or not key:
            raise Failure(f"keys create failed: {res.stdout}{res.stderr}")
        p = Proc([self.server_bin, "--addr", "127.0.0.1:0", "--database-url", db], self.base_env)
        try:
            without, _ = http(p.url + "/api/v1/agents", None)
            wrong, _ = http(p.url + "/api/v1/agents", "not-a-key")
            good, _ = http(p.url + "/api/v1/agents", key)
            bearer, _ = http(p.url + "/api/v1/agents", f"Bearer {key}")
            if (without, wrong, good, bearer) != (401, 401, 200, 200):
                raise Failure(f"no key {without}, wrong key {wrong}, the key {good}, Bearer {bearer}")
            venv_python = self.tmp / "venv/bin/python"
            if venv_python.exists():  # the troubleshooting entry: AuthenticationError, fixed by the key
                probe = ("import asyncio\nfrom everruns_sdk import Everruns, AuthenticationError\n"
                         "async def main():\n"
                         "    async with Everruns(api_key='wrong') as c:\n"
                         "        try:\n            await c.agents.list()\n"
                         "        except AuthenticationError:\n            print('wrong key: AuthenticationError')\n"
                         "    async with Everruns() as c:\n"
                         "        await c.agents.list()\n        print('EVERRUNS_API_KEY: ok')\n"
                         "asyncio.run(main())\n")
                out = run([str(venv_python), "-c", probe], timeout=60, env=dict(
                    self.base_env, EVERRUNS_API_URL=p.url + "/api", EVERRUNS_API_KEY=key))
                print("   " + out.strip().replace("\n", "\n   "), flush=True)
                if "wrong key: AuthenticationError" not in out or "EVERRUNS_API_KEY: ok" not in out:
                    raise Failure(f"the Python SDK against a keyed server:\n{out}")
        finally:
            p.stop()

    def models(self) -> None:
        """The README's model table is what GET /api/v1/models lists, and an unknown
        --default-model stops the server naming the known ones."""
        status, body = http(self.api + "/v1/models", "dev")
        listed = {(m["model_id"], m["id"]) for m in json.loads(body).get("data", [])}
        missing = [row for row in self.catalogue if row not in listed]
        if status != 200 or missing:
            raise Failure(f"GET /v1/models ({status}) lacks the README rows {missing}; it lists {sorted(listed)}")
        res = subprocess.run([self.server_bin, "--dev", "--addr", "127.0.0.1:0", "--default-model",
                              "no-such-model", "--database-url", f"sqlite://{self.tmp}/models.sqlite"],
                             capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        out = res.stdout + res.stderr
        if res.returncode == 0 or not all(name in out for name, _ in self.catalogue):
            raise Failure(f"--default-model no-such-model: exit {res.returncode}, output:\n{out}")

    def get(self, path: str) -> None:
        base = self.api[: -len("/api")]
        status, _ = http(base + path, "dev")
        if status != 200:
            raise Failure(f"GET {path} answered {status}")


def check(args: argparse.Namespace, readme_path: pathlib.Path, execute: bool) -> Checker:
    c = Checker(args, parse(readme_path.read_text(encoding="utf-8")))
    try:
        c.plan()
        if execute and not c.errors:
            c.execute()
    finally:
        shutil.rmtree(c.tmp, ignore_errors=True)
    return c


# Perturbations of the README that the checker must reject (statically).
PERTURBATIONS = {
    "unknown make target": ("## The two commands", "```sh\nmake frobnicate\n```\n\n## The two commands"),
    "make target outside make test/demo": (
        "## The two commands",
        "```sh\nmake bench-smoke\n```\n\n## The two commands",
    ),
    "code block in an unknown language": ("## The two commands", "```go\nfmt.Println(1)\n```\n\n## The two commands"),
    "code block without a language": ("## The two commands", "```\nls -l\n```\n\n## The two commands"),
    "unknown shell command": ("## The two commands", "```sh\n./configure && make install\n```\n\n## The two commands"),
    "inline command": ("## The two commands", "Run `npm run everything` first.\n\n## The two commands"),
    "server flag that does not exist": ("## The two commands", "Use `--turbo-mode`.\n\n## The two commands"),
    "environment variable nothing reads": (
        "## The two commands",
        "Set `EVERRUNS_NO_SUCH_SETTING`.\n\n## The two commands",
    ),
    "path that does not exist": ("## The two commands", "See `examples/cobol/`.\n\n## The two commands"),
    "a second Python snippet": ("## The two commands", "```python\nprint(1)\n```\n\n## The two commands"),
    "no command that runs the Python quick start": ("```sh\npython quickstart.py\n```", ""),
    "no command that runs the Rust quick start": ("```sh\ncargo run\n```", ""),
}


def self_test(args: argparse.Namespace) -> int:
    """Each perturbed copy of README.md must fail the static check; the original must pass it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for name, (anchor, replacement) in [("unchanged", ("", ""))] + list(PERTURBATIONS.items()):
            if anchor and anchor not in text:
                print(f"self-test: anchor {anchor!r} is not in README.md")
                return 1
            copy = pathlib.Path(d) / "README.md"
            copy.write_text(text.replace(anchor, replacement, 1) if anchor else text)
            c = check(args, copy, execute=False)
            ok = (not c.errors) if name == "unchanged" else bool(c.errors)
            bad += not ok
            print(f"self-test {'ok  ' if ok else 'FAIL'} {name}: "
                  + ("; ".join(c.errors)[:300] if c.errors else "no errors"))
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--target-dir", required=True, help="build directory of the Rust quick start crate")
    ap.add_argument("--readme", default=str(ROOT / "README.md"))
    ap.add_argument("--wheel-dir", default=str(ROOT / "target/wheels"),
                    help="where `make python` put the wheel (PY_WHEEL_DIR; the README says target/wheels)")
    ap.add_argument("--kotlin-dir", default=str(ROOT / "target/kotlin"),
                    help="where `make kotlin` put lib/everruns-sdk-kotlin.jar (the Kotlin quick start)")
    ap.add_argument("--static-only", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--only", nargs="*", help="run only the steps whose name contains one of these")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    started = time.monotonic()
    c = check(args, pathlib.Path(args.readme), execute=not args.static_only)
    print()
    for d in dict.fromkeys(c.done):
        print(f"  ok    {d}")
    for e in dict.fromkeys(c.exceptions):
        print(f"  exception  {e}")
    for e in c.errors:
        print(f"  ERROR {e}")
    print(f"README check: {len(c.errors)} error(s) in {time.monotonic() - started:.0f}s")
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())
