"""What the in-browser keystroke benchmarks share (filter_keystroke.py, palette_picker.py).

The stack they run on, all on 127.0.0.1, started here and stopped at the end (also on Ctrl-C and
SIGTERM): an OpenBao dev server seeded by bench/catalog.py with 10,000 secrets over three mounts,
a JWT auth method trusting a fresh RSA key, an id_token signed with it, and ``jupyter lab`` with
the galata server config (ui-tests/jupyter_server_test_config.py) logging in with that id_token.
Then Playwright (ui-tests/bench/playwright.bench.config.js, Debian chromium, headless) runs one
spec of ui-tests/bench/, which reads the key script from BENCH_INPUT and writes the measurements
to BENCH_OUTPUT.

Also here: the figures (median, p95), a Chrome trace's and a V8 CPU profile's summaries, and the
``main`` wrapper (header, private temporary directory, failures and signals).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import catalog as bench_catalog  # noqa: E402

REPO = BENCH_DIR.parent
UI_TESTS = REPO / "ui-tests"
VENV_BIN = REPO / ".venv/bin"
PLAYWRIGHT = UI_TESTS / "node_modules/.bin/playwright"
SERVER_CONFIG = UI_TESTS / "jupyter_server_test_config.py"
PW_CONFIG = "bench/playwright.bench.config.js"
AUTH_MOUNT = "jwt-test"  # ui-tests/jupyter_server_test_config.py hard-codes it
ROLE = "jupyter"  # and this role
AUDIENCE = "jupyterhub"
POLICY = "bench-list"  # bench/catalog.py's: list + read on the three mounts
TARGET_MS = 16.0
LAB_READY_TIMEOUT_S = 120.0
PLAYWRIGHT_TIMEOUT_S = 30 * 60.0


class BenchFailure(Exception):
    """A precondition or a check failed: the figures would mean nothing."""


# --------------------------------------------------------------------------------------------
# keys


def key_name(char: str) -> str:
    return "Space" if char == " " else char


def phase_steps(text: str) -> list[dict[str, str]]:
    """Type ``text`` key by key, then delete it back to empty: the key and the text after it."""
    steps = [{"key": key_name(c), "query": text[: i + 1]} for i, c in enumerate(text)]
    steps += [{"key": "Backspace", "query": text[:i]} for i in range(len(text) - 1, -1, -1)]
    return steps


# --------------------------------------------------------------------------------------------
# OpenBao: JWT auth trusting our key


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_id_token(
    key: rsa.RSAPrivateKey, issuer: str, subject: str, name: str, lifetime: int = 3600
) -> str:
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": subject,
        "preferred_username": "bench-user",
        "name": name,
        "iat": now,
        "exp": now + lifetime,
    }
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


def write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


async def configure_jwt(server: bench_catalog.DevServer, public_pem: str, issuer: str) -> None:
    call = bench_catalog.root_call
    async with bench_catalog.root_client(server) as client:
        await call(client, "POST", f"sys/auth/{AUTH_MOUNT}", {"type": "jwt"})
        await call(
            client,
            "POST",
            f"auth/{AUTH_MOUNT}/config",
            {"jwt_validation_pubkeys": [public_pem], "bound_issuer": issuer},
        )
        await call(
            client,
            "POST",
            f"auth/{AUTH_MOUNT}/role/{ROLE}",
            {
                "role_type": "jwt",
                "bound_audiences": [AUDIENCE],
                "user_claim": "preferred_username",
                "token_policies": ["default", POLICY],
                "token_ttl": "1h",
                "token_max_ttl": "2h",
                "token_type": "service",
            },
        )


def check_login(addr: str, id_token: str) -> list[str]:
    """Log in once with the id_token (as the server will), return the policies, revoke."""
    with httpx.Client(base_url=f"{addr}/v1/", trust_env=False, timeout=30.0) as client:
        reply = client.post(f"auth/{AUTH_MOUNT}/login", json={"role": ROLE, "jwt": id_token})
        if reply.status_code != 200:
            raise BenchFailure(f"JWT login: HTTP {reply.status_code} {reply.text[:300]}")
        auth = reply.json()["auth"]
        client.post("auth/token/revoke-self", headers={"X-Vault-Token": auth["client_token"]})
    return sorted(auth.get("policies") or [])


# --------------------------------------------------------------------------------------------
# processes


def port_free(port: int) -> bool:
    """Whether a server can listen on 127.0.0.1:``port``.

    With SO_REUSEADDR, as OpenBao (Go) and jupyter (tornado) bind: connections of a previous run
    left in TIME_WAIT do not block the port (catalog.py's check, without it, says "in use").
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def stop_group(proc: subprocess.Popen | None, timeout: float = 15.0) -> None:
    """SIGTERM to the process group we started (its own session), SIGKILL after ``timeout``."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """Our environment without Vault/OpenBao/hub/OIDC settings, the venv first on PATH."""
    drop = ("BAO_", "VAULT_", "JUPYTERHUB_", "OIDC_", "OPENBAO_", "UI_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@dataclass
class Lab:
    """``jupyter lab`` with the galata test config, in its own session."""

    port: int
    workdir: Path
    bao_addr: str
    id_token_file: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "lab.log"

    def start(self) -> None:
        if not port_free(self.port):
            raise BenchFailure(f"127.0.0.1:{self.port} is in use: pick another with --lab-port")
        tmp = self.workdir / "tmp"
        runtime = self.workdir / "runtime"
        tmp.mkdir()
        runtime.mkdir()
        env = child_env(
            {
                "UI_LAB_PORT": str(self.port),
                "OPENBAO_ADDR": self.bao_addr,
                "OIDC_ID_TOKEN_FILE": str(self.id_token_file),
                "UI_VAULT_TOKEN_FILE": str(self.workdir / "vault-token"),
                "TMPDIR": str(tmp),  # the config's and galata's mkdtemp() go here
                "JUPYTER_RUNTIME_DIR": str(runtime),
            }
        )
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "jupyter"), "lab", "--config", str(SERVER_CONFIG)],
                cwd=str(UI_TESTS),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + LAB_READY_TIMEOUT_S
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise BenchFailure(f"jupyter lab exited:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/lab").status_code == 200:
                        return
                time.sleep(0.2)
        raise BenchFailure(f"jupyter lab not ready in {LAB_READY_TIMEOUT_S:.0f} s")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        stop_group(proc)


@dataclass
class Stack:
    """What :func:`stack` started: the seeded tree, OpenBao and ``jupyter lab``."""

    tree: bench_catalog.Tree
    server: bench_catalog.DevServer
    lab: Lab


@contextlib.contextmanager
def stack(
    args: argparse.Namespace, workdir: Path, issuer: str, subject: str, name: str
) -> Iterator[Stack]:
    """OpenBao (``args.port``) seeded with the bench tree, JWT auth, ``jupyter lab``.

    Prints one line per step; stops ``jupyter lab`` and OpenBao on the way out.
    """
    tree = bench_catalog.plan_tree(args.secrets, args.folders)
    if not port_free(args.port):
        raise BenchFailure(f"127.0.0.1:{args.port} is in use: pick another with --port")
    bench_catalog.port_free = port_free  # DevServer checks the port again, the same way
    with bench_catalog.DevServer(args.port, workdir) as server:
        print(f"  OpenBao dev server at {server.addr} (pid {server.pid}), in-memory")
        _tokens, setup_s, seed_s = asyncio.run(bench_catalog.setup(server, tree))
        print(
            f"  seeded {tree.secret_count:,d} secrets in {tree.folder_count:,d} folders over "
            f"{len(tree.secrets)} mounts: {seed_s:.1f} s (setup {setup_s:.1f} s)"
        )
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        asyncio.run(configure_jwt(server, public_pem, issuer))
        id_token = mint_id_token(key, issuer, subject, name)
        id_token_file = workdir / "id_token"
        write_private(id_token_file, id_token)
        policies = check_login(server.addr, id_token)
        if POLICY not in policies:
            raise BenchFailure(f"the JWT login got policies {policies}, not {POLICY}")
        print(
            f"  auth/{AUTH_MOUNT} trusts a fresh RSA key (issuer {issuer}); role {ROLE}: "
            f"policies {', '.join(policies)}; id_token RS256, aud {AUDIENCE}, exp in 1 h"
        )

        lab = Lab(args.lab_port, workdir, server.addr, id_token_file)
        try:
            t0 = time.perf_counter()
            lab.start()
            print(
                f"  jupyter lab at {lab.url} (pid {lab.proc.pid if lab.proc else '?'}): "
                f"ready in {time.perf_counter() - t0:.1f} s"
            )
            yield Stack(tree, server, lab)
        finally:
            lab.stop()


def run_playwright(
    workdir: Path,
    base_url: str,
    spec: str,
    input_file: Path,
    output_file: Path,
    timeout_s: float = PLAYWRIGHT_TIMEOUT_S,
) -> tuple[int, str, float]:
    """Run the spec ``spec`` (a file of ui-tests/bench/) against the lab at ``base_url``."""
    if not PLAYWRIGHT.exists():
        raise BenchFailure(f"{PLAYWRIGHT} not found: npm ci in ui-tests")
    env = child_env(
        {
            "BENCH_BASE_URL": base_url,
            "BENCH_SPEC": spec,
            "BENCH_INPUT": str(input_file),
            "BENCH_OUTPUT": str(output_file),
            "BENCH_OUTPUT_DIR": str(workdir / "playwright"),
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
            "CI": "",
        }
    )
    log_path = workdir / "playwright.log"
    t0 = time.perf_counter()
    proc = None
    try:
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [str(PLAYWRIGHT), "test", "--config", PW_CONFIG],
                cwd=str(UI_TESTS),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            rc = proc.wait(timeout=timeout_s)
    finally:
        stop_group(proc)
    return rc, log_path.read_text(errors="replace"), time.perf_counter() - t0


def run_spec(
    workdir: Path, lab: Lab, spec: str, bench_input: dict[str, Any], args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Write the key script, run the spec, read its measurements and (``--profile``) profile.

    With ``--keep-output DIR`` both are copied to DIR as ``<name>-output.json`` and
    ``<name>-profile.json`` (``filter-bench``, ``palette-picker-bench``).
    """
    input_file = workdir / "bench-input.json"
    output_file = workdir / "bench-output.json"
    profile_file = Path(f"{output_file}.profile.json")
    input_file.write_text(json.dumps(bench_input))
    rc, log, seconds = run_playwright(workdir, lab.url, spec, input_file, output_file)
    print(f"  playwright finished in {seconds:.1f} s (exit {rc})")
    if rc != 0 or not output_file.exists():
        tail = "\n".join(log.splitlines()[-40:])
        raise BenchFailure(f"playwright failed:\n{tail}\n--- jupyter lab log:\n{lab.log_tail()}")
    if args.keep_output:
        name = spec.removesuffix(".spec.ts").replace(".", "-")
        args.keep_output.mkdir(parents=True, exist_ok=True)
        shutil.copy(output_file, args.keep_output / f"{name}-output.json")
        if args.profile:
            shutil.copy(profile_file, args.keep_output / f"{name}-profile.json")
    profile = json.loads(profile_file.read_text()) if args.profile else None
    return json.loads(output_file.read_text()), profile


# --------------------------------------------------------------------------------------------
# figures


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> str:
    return (
        f"median {statistics.median(values):6.2f}  p95 {p95(values):6.2f}  "
        f"max {max(values):6.2f}  n {len(values):4d}"
    )


def digits(text: str) -> int | None:
    found = re.sub(r"[^\d]", "", text or "")
    return int(found) if found else None


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def keystroke_times(r: dict[str, Any]) -> dict[str, float]:
    """One keystroke's figures (ms), from the spec's timestamps (see the spec's header).

    ``work``: keydown -> ``input`` handled, plus frame start -> rendering done: the main thread's
    time for the keystroke, without the idle wait for the frame (vsync); ``latency``: keydown ->
    rendering done, that wait included.
    """
    t0, t_input, raf_ts, t_paint = r["t0"], r["tInput"], r["rafTs"], r["tPaint"]
    frame_start = max(raf_ts, t_input)
    handling = t_input - t0
    render = t_paint - frame_start
    return {
        "work": handling + render,
        "latency": t_paint - t0,
        "handling": handling,
        "frame_wait": frame_start - t_input,
        "render": render,
        "to_next_frame": r["tRaf2"] - t0,
        "queue": t0 - r["evTs"],
    }


def event_timing(r: dict[str, Any], events: list[dict[str, Any]]) -> float | None:
    """The longest Event Timing API entry of the keystroke's key events, or None."""
    timing = [
        e["duration"]
        for e in events
        if r["evTs"] - 0.5 <= e["startTime"] <= r["tPaint"]
        and e["name"] in ("keydown", "keypress", "beforeinput", "input", "keyup")
    ]
    return max(timing) if timing else None


# --------------------------------------------------------------------------------------------
# profile (--profile): where the time goes


def trace_summary(trace: dict[str, Any], keystrokes: int) -> list[tuple[str, float]]:
    """Main-thread trace events of the renderer: total ms per keystroke, by event name.

    Style recalculations and layouts inside an ``EventDispatch`` (JavaScript asked for them,
    before the frame) are counted apart as "forced".
    """
    events = trace.get("traceEvents", trace if isinstance(trace, list) else [])
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M"
        and e.get("name") == "thread_name"
        and e.get("args", {}).get("name") == "CrRendererMain"
    }
    spans = [e for e in events if e.get("ph") == "X" and (e.get("pid"), e.get("tid")) in main]
    dispatch = sorted(
        (e["ts"], e["ts"] + e.get("dur", 0)) for e in spans if e["name"] == "EventDispatch"
    )
    totals: dict[str, float] = {}
    for e in spans:
        name = e["name"]
        if name in ("UpdateLayoutTree", "Layout") and any(a <= e["ts"] <= b for a, b in dispatch):
            name = f"{name} (forced, in an event)"
        elif name == "EventDispatch":
            name = f"EventDispatch {e.get('args', {}).get('data', {}).get('type', '?')}"
        totals[name] = totals.get(name, 0.0) + e.get("dur", 0) / 1000
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    return [(name, ms / keystrokes) for name, ms in ranked]


def cpu_summary(
    profile: dict[str, Any], keystrokes: int
) -> tuple[list[tuple[str, float]], dict[str, float]]:
    """Self time per function (ms per keystroke), and inclusive time of the extension's code."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    self_us: dict[int, float] = {}
    for sample, delta in zip(profile["samples"], [*profile["timeDeltas"][1:], 0], strict=True):
        self_us[sample] = self_us.get(sample, 0.0) + delta

    def label(node: dict[str, Any]) -> str:
        frame = node["callFrame"]
        url = frame.get("url", "")
        where = url.rsplit("/", 1)[-1] if url else ""
        name = frame.get("functionName") or "(anonymous)"
        return f"{name} {where}:{frame.get('lineNumber', -1) + 1}" if where else name

    by_self: dict[str, float] = {}
    for node_id, us in self_us.items():
        name = label(nodes[node_id])
        if name != "(idle)":
            by_self[name] = by_self.get(name, 0.0) + us
    inclusive: dict[int, float] = {}

    def total(node_id: int) -> float:
        if node_id not in inclusive:
            node = nodes[node_id]
            inclusive[node_id] = self_us.get(node_id, 0.0) + sum(
                total(c) for c in node.get("children", [])
            )
        return inclusive[node_id]

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    ours: dict[str, float] = {}
    for node_id, node in nodes.items():
        frame = node["callFrame"]
        if "vault-jwt" not in frame.get("url", "") or not frame.get("functionName"):
            continue
        # (a function that calls itself would be counted twice: none does per keystroke)
        name = frame["functionName"]
        ours[name] = ours.get(name, 0.0) + total(node_id)
    ranked = sorted(by_self.items(), key=lambda kv: -kv[1])
    return (
        [(name, us / 1000 / keystrokes) for name, us in ranked],
        {name: us / 1000 / keystrokes for name, us in ours.items()},
    )


def report_profile(profile: dict[str, Any], keystrokes: int, kind: str) -> None:
    """Print the profile of the extra rounds: ``kind`` (the measured one) against the baseline."""
    print(
        f"\n  profile (--profile; extra rounds, not counted; ms per keystroke, {keystrokes} keys)"
    )
    traces = {k: dict(trace_summary(v, keystrokes)) for k, v in profile["traces"].items()}
    names = sorted(
        {n for t in traces.values() for n, ms in t.items() if ms >= 0.05},
        key=lambda n: -traces[kind].get(n, 0.0),
    )
    print(f"   Chrome trace, main thread (events nest):  {kind:>7s} {'baseline':>9s}")
    for name in names[:18]:
        print(
            f"   {name[:40]:40s}  {traces[kind].get(name, 0.0):7.2f} "
            f"{traces['baseline'].get(name, 0.0):9.2f}"
        )
    by_self, ours = cpu_summary(profile["cpu"], keystrokes)
    print(f"   V8 CPU profile of a {kind} round (100 us sampling), top self time:")
    for name, ms in by_self[:15]:
        print(f"   {ms:7.3f}  {name[:90]}")
    if ours:
        print("   the extension's functions, inclusive time (callees included):")
        for name, ms in sorted(ours.items(), key=lambda kv: -kv[1])[:15]:
            print(f"   {ms:7.3f}  {name}")


# --------------------------------------------------------------------------------------------
# main


def parse_common_args(
    description: str, argv: list[str] | None, port: int, lab_port: int, measured: str
) -> argparse.Namespace:
    """The options both benchmarks take (default ports differ, so both can run at once)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=5, help="counted rounds (5)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds not counted (1)")
    parser.add_argument("--settle-ms", type=int, default=60, help="pause between keys (60)")
    parser.add_argument("--port", type=int, default=port, help=f"OpenBao port ({port})")
    parser.add_argument(
        "--lab-port", type=int, default=lab_port, help=f"jupyter lab port ({lab_port})"
    )
    parser.add_argument("--secrets", type=int, default=None, help="secrets to seed (10000)")
    parser.add_argument("--folders", type=int, default=None, help="folders (1000)")
    parser.add_argument("--quick", action="store_true", help="1,000 secrets, 100 folders")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"3 more rounds, not counted: Chrome trace ({measured}, baseline) and CPU "
        f"profile ({measured})",
    )
    parser.add_argument(
        "--keep-output", type=Path, default=None, help="copy the raw measurements (JSON) here"
    )
    args = parser.parse_args(argv)
    if args.secrets is None:
        args.secrets = 1000 if args.quick else 10000
    if args.folders is None:
        args.folders = 100 if args.quick else 1000
    if args.folders < 3 or args.secrets < args.folders:
        parser.error("need --folders >= 3 and --secrets >= --folders")
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be >= 1 and --warmup >= 0")
    return args


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop everything


def bench_main(
    title: str, prefix: str, run: Callable[[argparse.Namespace, Path], int], args: Any
) -> int:
    """Print the header, ``run(args, workdir)`` in a private temporary directory, the footer.

    Returns ``run``'s status, 1 on a :class:`BenchFailure`, 130 on Ctrl-C; SIGTERM exits
    (after everything was stopped).
    """
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    t_start = time.perf_counter()
    print(title)
    print(
        f"  python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}; {bench_catalog.bao_version()}"
    )
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as workdir:
            status = run(args, Path(workdir))
    except (BenchFailure, bench_catalog.BenchFailure) as e:
        print(f"\n  FAIL: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; stopped playwright, jupyter lab and OpenBao", file=sys.stderr)
        return 130
    except SystemExit:
        print("\nterminated; stopped playwright, jupyter lab and OpenBao", file=sys.stderr)
        raise
    print(
        f"  total runtime {time.perf_counter() - t_start:.1f} s; load average "
        f"{os.getloadavg()[0]:.2f}; everything stopped"
    )
    return status
