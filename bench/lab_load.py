"""JupyterLab load time with the extension enabled vs without it (issue 17), interleaved.

Prints, for a 5-minute id_token and for one expiring in 2100, the ratio (with the extension /
without) of three load figures, each with a 95% confidence interval, and the target (ratio of
the mean times <= 1.05):

- time to ``app.restored`` (from the navigation's start, in the page);
- time to the Launcher visible (the first animation frame where it is laid out);
- JavaScript bytes loaded (resource timing: encoded, as sent; decoded);

and the ``POST vault-jwt/identity/refresh`` requests made during the loads (target 0: neither
token is due for a refresh during a load).

Set-up, all on 127.0.0.1 and stopped at the end: three ``jupyter lab`` servers of this
virtualenv, each with its own config dir, workspaces and root dir, no authentication (a bench,
loopback only) and no galata helper extension:

- ``short``: the extension, its id_token in a file (OIDC_ID_TOKEN_FILE), rewritten before each
  of its loads with a fresh 5-minute token that the server reads then (outside the timed load);
- ``far``: the extension, an id_token expiring on 2100-01-01;
- ``off``: without the extension: its server extension is off and its labextension is not on the
  labextensions path (a disabled labextension would still be downloaded: JupyterLab fetches
  every federated extension and only skips activating a disabled one).

No Vault is configured (the issue's set-up: plain ``jupyter lab``). Playwright (Debian
chromium, headless) runs ui-tests/bench/lab-load.bench.spec.ts: each round loads each server in
a new browser context (cold cache), ``off`` twice (paired with each token), in an order that
alternates between rounds; one warm-up round is not counted. The confidence intervals are
percentile bootstraps over the rounds (paired: each round's loads are resampled together, so
drift in the machine's load hits both sides alike), 10,000 resamples, fixed seed.

Usage: .venv/bin/python bench/lab_load.py [--rounds 30] [--warmup 1] [--keep-output DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from _browser_bench import (  # noqa: E402
    VENV_BIN,
    BenchFailure,
    child_env,
    run_playwright,
    stop_group,
)

SPEC = "lab-load.bench.spec.ts"
EXTENSION = "jupyterlab-vault-jwt"
SERVER_EXTENSION = "jupyter_extension_server"
TARGET = 1.05
SHORT_LIFETIME = 300
EXP_2100 = 4102444800  # 2100-01-01T00:00:00Z
READY_TIMEOUT_S = 120.0
PLAYWRIGHT_TIMEOUT_S = 60 * 60.0
METRICS = (
    ("restored", "time to app.restored", "ms"),
    ("launcher", "time to the Launcher visible", "ms"),
    ("jsEncoded", "JS bytes loaded (encoded)", "B"),
    ("jsDecoded", "JS bytes loaded (decoded)", "B"),
)
# Each round's order; rounds alternate between them (position effects cancel out).
ORDERS = (("short", "off", "far", "off"), ("off", "far", "off", "short"))

CONFIG = '''\
"""Written by bench/lab_load.py for one run (loopback only, no authentication)."""

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = {port}
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
c.ServerApp.allow_root = True
c.ServerApp.root_dir = {root!r}
c.IdentityProvider.token = ""
c.ServerApp.password = ""
c.ServerApp.disable_check_xsrf = True
c.LabApp.expose_app_in_browser = True
c.LabApp.workspaces_dir = {workspaces!r}
'''
WITHOUT = """
c.ServerApp.jpserver_extensions = {{{server_extension!r}: False}}
c.LabApp.labextensions_path = [{labextensions!r}]
"""


def free_port() -> int:
    """An ephemeral loopback port, free now (the server gets port_retries = 0)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def labextensions_without_ours(workdir: Path) -> Path:
    """A labextensions directory with every installed labextension but this one (symlinks)."""
    from jupyter_core.paths import jupyter_path

    target = workdir / "labextensions-without"
    target.mkdir()
    for base in map(Path, jupyter_path("labextensions")):
        if not base.is_dir():
            continue
        for entry in base.iterdir():
            names = (
                [(f"{entry.name}/{child.name}", child) for child in entry.iterdir()]
                if entry.name.startswith("@") and entry.is_dir()
                else [(entry.name, entry)]
            )
            for name, path in names:
                link = target / name
                if name == EXTENSION or link.exists():
                    continue
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path)
    return target


@dataclass
class LabServer:
    """One ``jupyter lab`` of this virtualenv, in its own session and directories."""

    name: str
    workdir: Path
    with_extension: bool
    token_file: Path | None = None
    proc: subprocess.Popen | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "lab.log"

    def start(self, labextensions: Path) -> None:
        self.workdir.mkdir(parents=True)
        for sub in ("root", "workspaces", "config", "runtime", "tmp"):
            (self.workdir / sub).mkdir()
        self.port = free_port()
        config = CONFIG.format(
            port=self.port,
            root=str(self.workdir / "root"),
            workspaces=str(self.workdir / "workspaces"),
        )
        if not self.with_extension:
            config += WITHOUT.format(
                server_extension=SERVER_EXTENSION, labextensions=str(labextensions)
            )
        config_file = self.workdir / "bench_lab_config.py"
        config_file.write_text(config)
        extra = {
            "JUPYTER_CONFIG_DIR": str(self.workdir / "config"),
            "JUPYTER_RUNTIME_DIR": str(self.workdir / "runtime"),
            "TMPDIR": str(self.workdir / "tmp"),
        }
        if self.token_file is not None:
            extra["OIDC_ID_TOKEN_FILE"] = str(self.token_file)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "jupyter"), "lab", "--config", str(config_file)],
                cwd=str(self.workdir),
                env=child_env(extra),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise BenchFailure(f"jupyter lab ({self.name}) exited:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/lab").status_code == 200:
                        return
                time.sleep(0.2)
        raise BenchFailure(f"jupyter lab ({self.name}) not ready in {READY_TIMEOUT_S:.0f} s")

    def check(self) -> str:
        """What this server serves of the extension (a precondition of the figures)."""
        with httpx.Client(base_url=self.url, trust_env=False, timeout=30.0) as client:
            page = client.get("/lab").text
            listed = f'"name": "{EXTENSION}"' in page or f'"name":"{EXTENSION}"' in page
            identity = client.get("/vault-jwt/identity")
        if self.with_extension:
            reply = identity.json() if identity.status_code == 200 else {}
            if not listed or reply.get("source") != "file" or not reply.get("id_token"):
                raise BenchFailure(
                    f"{self.name}: the extension is not served as expected "
                    f"(labextension listed {listed}, GET identity HTTP {identity.status_code})"
                )
            return f"labextension listed, GET vault-jwt/identity: source {reply['source']!r}"
        if listed or identity.status_code != 404:
            raise BenchFailure(
                f"{self.name}: the extension is still there (labextension listed {listed}, "
                f"GET identity HTTP {identity.status_code})"
            )
        return "labextension not listed, GET vault-jwt/identity: HTTP 404"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        stop_group(proc)


def write_token(path: Path, exp: int) -> None:
    """An unsigned-looking HS256 id_token (no Vault here: nothing checks its signature)."""
    import jwt

    now = int(time.time())
    claims = {
        "iss": "https://bench.invalid",
        "aud": "jupyterhub",
        "sub": "bench-user",
        "preferred_username": "alice",
        "iat": now,
        "exp": exp,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(jwt.encode(claims, os.urandom(32).hex(), algorithm="HS256"))


@contextlib.contextmanager
def servers(workdir: Path) -> Iterator[dict[str, LabServer]]:
    labextensions = labextensions_without_ours(workdir)
    short_token = workdir / "short-id_token"
    far_token = workdir / "far-id_token"
    write_token(short_token, int(time.time()) + SHORT_LIFETIME)
    write_token(far_token, EXP_2100)
    labs = {
        "short": LabServer("short", workdir / "short", True, short_token),
        "far": LabServer("far", workdir / "far", True, far_token),
        "off": LabServer("off", workdir / "off", False),
    }
    try:
        for lab in labs.values():
            t0 = time.perf_counter()
            lab.start(labextensions)
            print(
                f"  jupyter lab '{lab.name}' at {lab.url}: ready in "
                f"{time.perf_counter() - t0:.1f} s; {lab.check()}"
            )
        yield labs
    finally:
        for lab in labs.values():
            lab.stop()


def run_spec(workdir: Path, labs: dict[str, LabServer], args: argparse.Namespace) -> dict:
    input_file = workdir / "bench-input.json"
    output_file = workdir / "bench-output.json"
    input_file.write_text(
        json.dumps(
            {
                "rounds": args.rounds,
                "warmup": args.warmup,
                "order": [list(order) for order in ORDERS],
                "labs": {
                    "short": {
                        "url": labs["short"].url,
                        "tokenFile": str(labs["short"].token_file),
                        "lifetime": SHORT_LIFETIME,
                    },
                    "far": {"url": labs["far"].url},
                    "off": {"url": labs["off"].url},
                },
            }
        )
    )
    rc, log, seconds = run_playwright(
        workdir, labs["off"].url, SPEC, input_file, output_file, PLAYWRIGHT_TIMEOUT_S
    )
    print(f"  playwright finished in {seconds:.0f} s (exit {rc})")
    if rc != 0 or not output_file.exists():
        tail = "\n".join(log.splitlines()[-40:])
        raise BenchFailure(f"playwright failed:\n{tail}")
    if args.keep_output:
        args.keep_output.mkdir(parents=True, exist_ok=True)
        shutil.copy(output_file, args.keep_output / "lab-load-output.json")
    return json.loads(output_file.read_text())


# --------------------------------------------------------------------------------------------
# figures


def ratio_ci(
    rounds: Sequence[tuple[list[float], list[float]]], resamples: int, seed: int
) -> tuple[float, float, float]:
    """Ratio of means (with / without) and its 95% percentile-bootstrap CI over the rounds."""

    def ratio(sample: Sequence[tuple[list[float], list[float]]]) -> float:
        with_ = [v for w, _ in sample for v in w]
        without = [v for _, o in sample for v in o]
        return statistics.fmean(with_) / statistics.fmean(without)

    rng = random.Random(seed)
    boots = sorted(ratio(rng.choices(rounds, k=len(rounds))) for _ in range(resamples))
    return ratio(rounds), boots[int(0.025 * resamples)], boots[int(0.975 * resamples) - 1]


def describe(values: Sequence[float], unit: str) -> str:
    if unit == "B":
        return f"mean {statistics.fmean(values):>11,.0f} B"
    return (
        f"mean {statistics.fmean(values):7.0f} ms, median {statistics.median(values):7.0f} ms, "
        f"sd {statistics.stdev(values):5.0f} ms"
    )


def report(output: dict[str, Any], args: argparse.Namespace) -> bool:
    loads = output["loads"]
    by_round: dict[int, dict[str, list[dict]]] = {}
    for load in loads:
        by_round.setdefault(load["round"], {}).setdefault(load["lab"], []).append(load)
    chromium = output["userAgent"]
    print(f"\n  {len(loads)} timed loads in {len(by_round)} rounds (chromium {chromium})")
    ok = True
    for token, label in (("short", "5-minute id_token"), ("far", "id_token expiring in 2100")):
        print(f"\n  {label}: with the extension ('{token}') vs without ('off')")
        for key, name, unit in METRICS:
            rounds = [
                ([x[key] for x in r[token]], [x[key] for x in r["off"]])
                for _, r in sorted(by_round.items())
            ]
            with_values = [v for w, _ in rounds for v in w]
            without_values = [v for _, o in rounds for v in o]
            point, low, high = ratio_ci(rounds, args.resamples, args.seed)
            print(f"    {name}")
            print(f"      with    {describe(with_values, unit)}  (n {len(with_values)})")
            print(f"      without {describe(without_values, unit)}  (n {len(without_values)})")
            line = f"      ratio {point:.3f} (95% CI {low:.3f}-{high:.3f})"
            if key in ("restored", "launcher"):
                meets = point <= TARGET
                ok = ok and meets
                line += (
                    f"; target <= {TARGET}: {'meets' if meets else 'MISSES'}"
                    f" (CI upper bound {'within' if high <= TARGET else 'above'} it)"
                )
            print(line)
        refreshes = [x["refreshes"] for r in by_round.values() for x in r[token]]
        print(
            f"    POST identity/refresh during the loads: {sum(refreshes)} in {len(refreshes)} "
            "loads (target 0)"
        )
        ok = ok and sum(refreshes) == 0
    return ok


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds (30)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds not counted (1)")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=17, help="bootstrap seed (17)")
    parser.add_argument(
        "--keep-output", type=Path, default=None, help="copy the raw measurements (JSON) there"
    )
    args = parser.parse_args(argv)
    if args.rounds < 2 or args.warmup < 0:
        parser.error("--rounds must be at least 2, --warmup at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t_start = time.perf_counter()
    print("lab_load: JupyterLab load with jupyterlab-vault-jwt vs without (issue 17)")
    print(
        f"  python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="labload-") as tmp:
            workdir = Path(tmp)
            with servers(workdir) as labs:
                output = run_spec(workdir, labs, args)
    except BenchFailure as e:
        print(f"\nFAILED: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; stopped the servers", file=sys.stderr)
        return 130
    ok = report(output, args)
    print(
        f"\n  load average at the end {os.getloadavg()[0]:.2f}; "
        f"total runtime {time.perf_counter() - t_start:.0f} s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
