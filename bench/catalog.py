"""Catalog benchmark: our CatalogBuilder against a naive hvac script, on a real OpenBao dev server.

What is measured: the time and the number of HTTP requests it takes to find every KV secret a
token can read, in a tree of ``--secrets`` secrets (10,000) in ``--folders`` folders (a tenth) over
three mounts (``bench-a/`` and ``bench-b/`` KV v2, ``bench-c/`` KV v1), by

1. naive: the way a user scripts it with hvac: a recursive ``LIST`` one folder at a time
   (``client.secrets.kv.v2/v1.list_secrets``) and one ``sys/capabilities-self`` per secret
   (``client.sys.get_capabilities([path])``), one request at a time, with a token whose policy
   ``bench-list`` grants list + read on the three mounts;
2. ours, LIST mode: ``CatalogBuilder(VaultApi(addr), token, concurrency=8, batch_size=500)``
   with the same token;
3. ours, SCAN mode: the same with a token whose policy ``bench-scan`` also grants OpenBao's
   ``scan`` on the list paths.

All three must find exactly the seeded set of readable paths (the run fails at once otherwise).
Every "folder" counts: each mount's root is one of the ``--folders``, and every folder holds at
least one secret, so the number of listable folders is exact and so is the LIST budget.

The machine is shared and noisy, so the figure to compare is the ratio naive/ours measured in one
run: the three measurements run ``--runs`` times (3), interleaved and in rotating order, and the
ratio of the medians is reported. Each measurement builds its own client (hvac on a fresh
``requests.Session``; ours on a fresh ``VaultApi``) inside the timed section, so both pay for
opening their connections. Requests are counted on the client side: a response hook on hvac's
session, ``VaultApi.requests`` for ours (cross-checked with ``CatalogBuilder.requests``).
The CPU seconds of OpenBao (Linux ``/proc``) and of this process are printed too: client and
server share the machine's CPUs, so (OpenBao + client CPU) / CPUs is a floor under each wall time,
and says which side a time is spent on.

Targets (PASS/FAIL each; the exit status is 0 only when all are met):

* the three find the same readable paths, which are the seeded ones;
* requests of ours LIST <= folders + ceil(leaves / 500) + 3;
* requests of ours SCAN <= mounts + ceil(leaves / 500) + 3 (and SCAN was really used).

naive/ours is printed without a target of its own: how fast LIST mode can be depends on how much
CPU OpenBao spends per path on this machine, so the target is relative to the floor (below).

The OpenBao dev server (``.venv/bin/bao server -dev``) is started by this script on 127.0.0.1
(``--port``, 18210), with a random root token given through ``BAO_DEV_ROOT_TOKEN_ID`` (never
printed), and always stopped at the end (also on Ctrl-C or SIGTERM). Seeding (async httpx, 32
writes at a time) is timed and printed apart: it is not part of the comparison.

* GET vault/catalog's reply (paths grouped by folder) <= 2 MB gzipped;
* ours LIST's wall time <= 1.2 x its CPU floor (printed with the OpenBao CPU per secret, and
  naive / floor: the best ratio LIST mode could reach on this machine).

Usage: .venv/bin/python bench/catalog.py [--secrets 10000] [--folders secrets/10] [--runs 3]
       [--port 18210] [--quick]   (--quick: 1,000 secrets in 100 folders)
       e.g. --secrets 100000 (100,000 secrets in 10,000 folders) --runs 1
Needs hvac (``.venv/bin/pip install hvac==2.4.0``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import math
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # import the extension from this checkout

from jupyter_extension_server.handlers import catalog_reply  # noqa: E402
from jupyter_extension_server.vault.api import VaultApi  # noqa: E402
from jupyter_extension_server.vault.catalog import CatalogBuilder  # noqa: E402
from jupyter_extension_server.vault.compact import gzipped  # noqa: E402

try:
    import hvac
    import hvac.exceptions
    import requests
except ImportError:  # pragma: no cover - told below
    hvac = None

BAO = REPO / ".venv/bin/bao"
HVAC_PIN = "2.4.0"
MOUNTS = (("bench-a", 2), ("bench-b", 2), ("bench-c", 1))  # (path without slash, KV version)
BRANCHING = 10  # subfolders per folder: 334 folders per mount are 1 + 10 + 100 + 223 (depth 3)
LEVEL_NAMES = ("team", "app", "env", "part", "unit", "leaf")
SEED_CONCURRENCY = 32
CONCURRENCY = 8
BATCH_SIZE = 500
#: ours LIST's wall time / its CPU floor ((OpenBao + client CPU) / CPUs), at most.
FLOOR_TARGET = 1.2
#: The catalog reply (GET vault/catalog, gzipped), at most.
REPLY_TARGET_BYTES = 2_000_000
READY_TIMEOUT_S = 30.0


class BenchFailure(Exception):
    """A precondition or a correctness check failed: the figures would mean nothing."""


# --------------------------------------------------------------------------------------------
# the tree


@dataclass
class Tree:
    """The seeded secrets: mount path (no slash) -> secret paths relative to the mount."""

    secrets: dict[str, list[str]] = field(default_factory=dict)
    folders: dict[str, list[str]] = field(default_factory=dict)  # "" is the mount's root

    @property
    def folder_count(self) -> int:
        return sum(len(f) for f in self.folders.values())

    @property
    def secret_count(self) -> int:
        return sum(len(s) for s in self.secrets.values())

    def paths(self) -> set[tuple[str, str]]:
        return {(m, p) for m, paths in self.secrets.items() for p in paths}

    def depth(self, mount: str) -> int:
        return max(f.count("/") for f in self.folders[mount])


def plan_tree(n_secrets: int, n_folders: int) -> Tree:
    """``n_folders`` folders (each mount's root included) holding ``n_secrets`` secrets.

    Folders are split evenly over the mounts; in a mount, folder ``i`` (0 is the root) is a child
    of folder ``(i - 1) // BRANCHING``. Secret ``j`` goes to folder ``j % n_folders`` (counting
    over all mounts), so every folder holds at least one secret and therefore exists.
    """
    tree = Tree()
    all_folders: list[tuple[str, str]] = []
    for index, (mount, _version) in enumerate(MOUNTS):
        count = n_folders // len(MOUNTS) + (1 if index < n_folders % len(MOUNTS) else 0)
        names = [""]
        for i in range(1, count):
            parent = names[(i - 1) // BRANCHING]
            level = parent.count("/")
            names.append(f"{parent}{LEVEL_NAMES[min(level, len(LEVEL_NAMES) - 1)]}-{i:03d}/")
        tree.folders[mount] = names
        tree.secrets[mount] = []
        all_folders.extend((mount, name) for name in names)
    for j in range(n_secrets):
        mount, folder = all_folders[j % len(all_folders)]
        tree.secrets[mount].append(f"{folder}secret-{j:05d}")
    return tree


# --------------------------------------------------------------------------------------------
# OpenBao dev server


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class DevServer:
    """``bao server -dev`` on 127.0.0.1:``port``, in its own session, stopped on exit.

    The root token is random, goes in through the environment (not the command line, which ps
    shows) and is never printed; the server's log (which repeats it) lives in a private temporary
    directory removed at the end, and any tail shown on failure has the token masked.
    """

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.addr = f"http://127.0.0.1:{port}"
        self.root_token = secrets.token_hex(24)
        self.log_path = workdir / "bao.log"
        self._proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def __enter__(self) -> DevServer:
        if not BAO.exists():
            raise BenchFailure(f"{BAO} not found: run scripts/openbao.sh install")
        if not port_free(self.port):
            raise BenchFailure(f"127.0.0.1:{self.port} is in use: pick another with --port")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAO_", "VAULT_"))}
        env["BAO_DEV_ROOT_TOKEN_ID"] = self.root_token
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                [
                    str(BAO),
                    "server",
                    "-dev",
                    "-dev-no-store-token",
                    f"-dev-listen-address=127.0.0.1:{self.port}",
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches this script only, which stops it
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    raise BenchFailure(
                        f"bao exited with {self._proc.returncode}:\n{self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.addr}/v1/sys/health").status_code == 200:
                        return
                time.sleep(0.1)
        raise BenchFailure(f"OpenBao not ready in {READY_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.replace(self.root_token, "<root token>").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s; waits for the process to end."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(timeout=15)


def bao_version() -> str:
    out = subprocess.run(
        [str(BAO), "version"], capture_output=True, text=True, timeout=30, check=False
    )
    return out.stdout.strip() or "unknown"


# --------------------------------------------------------------------------------------------
# setup: mounts, policies, tokens, secrets (root token)


def policy(scan: bool) -> str:
    """HCL of ``bench-list`` (scan=False) or ``bench-scan``: list (+scan) and read everywhere."""
    listing = '["list", "scan"]' if scan else '["list"]'
    rules = []
    for mount, version in MOUNTS:
        if version == 2:
            rules.append(f'path "{mount}/metadata/*" {{ capabilities = {listing} }}')
            rules.append(f'path "{mount}/data/*" {{ capabilities = ["read"] }}')
        else:
            both = '["list", "scan", "read"]' if scan else '["list", "read"]'
            rules.append(f'path "{mount}/*" {{ capabilities = {both} }}')
    return "\n".join(rules) + "\n"


async def root_call(
    client: httpx.AsyncClient, method: str, path: str, json: Any = None, retries: int = 0
) -> dict[str, Any]:
    """One request with the root token; retried on 5xx and KV v2's "upgrading" 400."""
    for attempt in range(retries + 1):
        response = await client.request(method, path, json=json)
        if response.status_code < 400:
            return response.json() if response.content else {}
        transient = response.status_code >= 500 or "upgrad" in response.text.lower()
        if not transient or attempt == retries:
            raise BenchFailure(
                f"setup: {method} {path}: HTTP {response.status_code} {response.text[:300]}"
            )
        await asyncio.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def root_client(server: DevServer, connections: int = 1) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{server.addr}/v1/",
        headers={"X-Vault-Token": server.root_token},
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        timeout=30.0,
        trust_env=False,
    )


async def setup(server: DevServer, tree: Tree) -> tuple[dict[str, str], float, float]:
    """Mounts, policies and the two tokens; then seed the tree.

    Seeding runs ``SEED_CONCURRENCY`` workers, each with its own ``httpx.AsyncClient`` of one
    connection: one client with a pool of 32 connections wrote 4x slower (httpx's per-request
    pool bookkeeping grows with the pool).

    Returns the tokens by policy name, the setup time and the seeding time (seconds).
    """
    t0 = time.perf_counter()
    async with root_client(server) as client:
        # the dev server's own secret/ (KV v2) would be a fourth KV mount, outside the tree
        await root_call(client, "DELETE", "sys/mounts/secret")
        for mount, version in MOUNTS:
            await root_call(
                client,
                "POST",
                f"sys/mounts/{mount}",
                {"type": "kv", "options": {"version": str(version)}},
            )
        for name, scan in (("bench-list", False), ("bench-scan", True)):
            await root_call(client, "PUT", f"sys/policies/acl/{name}", {"policy": policy(scan)})
        tokens = {}
        for name in ("bench-list", "bench-scan"):
            reply = await root_call(
                client,
                "POST",
                "auth/token/create",
                {"policies": ["default", name], "ttl": "2h", "display_name": name},
            )
            tokens[name] = reply["auth"]["client_token"]
        for mount, version in MOUNTS:  # a new KV v2 mount may answer "upgrading" for a moment
            if version == 2:
                await root_call(client, "GET", f"{mount}/config", retries=50)
    setup_s = time.perf_counter() - t0

    todo = [(mount, version, path) for mount, version in MOUNTS for path in tree.secrets[mount]]
    writes = 0

    async def worker(first: int) -> None:
        nonlocal writes
        async with root_client(server) as client:
            for mount, version, path in todo[first::SEED_CONCURRENCY]:
                value = {
                    "username": f"user-{path.rsplit('-', 1)[-1]}",
                    "password": secrets.token_hex(8),
                }
                if version == 2:
                    where, body = f"{mount}/data/{quote(path)}", {"data": value}
                else:
                    where, body = f"{mount}/{quote(path)}", value
                await root_call(client, "POST", where, body, retries=5)
                writes += 1

    t1 = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(SEED_CONCURRENCY)))
    seed_s = time.perf_counter() - t1
    if writes != tree.secret_count:
        raise BenchFailure(f"seeding wrote {writes} secrets, not {tree.secret_count}")
    return tokens, setup_s, seed_s


# --------------------------------------------------------------------------------------------
# the three measurements


@dataclass
class Result:
    """One measurement: what it found, its requests and its time."""

    paths: set[tuple[str, str]]
    requests: int
    seconds: float
    methods: dict[str, str] = field(default_factory=dict)
    server_cpu: float | None = None  # OpenBao's CPU seconds during the measurement
    client_cpu: float = 0.0  # this process's CPU seconds during the measurement
    machine_busy: float | None = None  # CPU seconds every process of the machine used meanwhile
    machine_idle: float | None = None  # CPU seconds the machine's CPUs were idle meanwhile
    busy2: float | None = None  # share of the wall time with >= 2 requests in flight (ours)
    batches2: float | None = None  # ... with >= 2 capabilities batches in flight
    retried: int = 0  # requests sent again after a timeout, a transport failure, 429 or 5xx
    reply_bytes: tuple[int, int] = (0, 0)  # GET vault/catalog's reply: raw, gzipped


def process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) of a process, from Linux ``/proc``; None elsewhere."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_cpu() -> tuple[float, float] | None:
    """CPU seconds of the whole machine so far, (busy, idle), from Linux ``/proc/stat``."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system (idle iowait) irq softirq steal
    return busy / tick, idle / tick


def measured(fn: Callable[[], Result], server_pid: int | None) -> Result:
    """``fn()``, with OpenBao's CPU time, ours and the machine's added to its result."""
    machine0 = machine_cpu()
    server0, client0 = process_cpu(server_pid), time.process_time()
    result = fn()
    server1 = process_cpu(server_pid)
    result.client_cpu = time.process_time() - client0
    machine1 = machine_cpu()
    if server0 is not None and server1 is not None:
        result.server_cpu = server1 - server0
    if machine0 is not None and machine1 is not None:
        result.machine_busy = machine1[0] - machine0[0]
        result.machine_idle = machine1[1] - machine0[1]
    return result


def naive(addr: str, token: str) -> Result:
    """A user's hvac script: recursive LIST, one capabilities-self per secret, one at a time."""
    requests_sent = 0

    def count(response: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal requests_sent
        requests_sent += 1

    found: set[tuple[str, str]] = set()
    t0 = time.perf_counter()
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy
    session.hooks["response"].append(count)
    try:
        client = hvac.Client(url=addr, token=token, session=session)

        def walk(kv: Any, mount: str, read_prefix: str, folder: str) -> None:
            try:
                reply = kv.list_secrets(path=folder, mount_point=mount)
            except (hvac.exceptions.InvalidPath, hvac.exceptions.Forbidden):
                return
            for key in reply["data"]["keys"]:
                if key.endswith("/"):
                    walk(kv, mount, read_prefix, folder + key)
                    continue
                path = read_prefix + folder + key
                caps = client.sys.get_capabilities([path])
                allowed = caps.get(path) or (caps.get("data") or {}).get(path) or []
                if "read" in allowed or "root" in allowed:
                    found.add((mount, folder + key))

        for mount, version in MOUNTS:
            kv = client.secrets.kv.v2 if version == 2 else client.secrets.kv.v1
            walk(kv, mount, f"{mount}/data/" if version == 2 else f"{mount}/", "")
    finally:
        session.close()
    return Result(found, requests_sent, time.perf_counter() - t0)


class TimedApi(VaultApi):
    """A ``VaultApi`` that notes when each request was in flight (for :func:`overlap`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spans: list[tuple[float, float, bool]] = []  # start, end, a capabilities batch

    async def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        t0 = time.perf_counter()
        try:
            return await super().request(method, path, **kwargs)
        finally:
            self.spans.append((t0, time.perf_counter(), "capabilities-self" in path))


def overlap(spans: list[tuple[float, float, bool]], t0: float, t1: float, at_least: int) -> float:
    """The share of [t0, t1] with at least ``at_least`` of ``spans`` in flight."""
    edges = sorted([(s, 1) for s, _, _ in spans] + [(e, -1) for _, e, _ in spans])
    covered, level, since = 0.0, 0, t0
    for when, step in edges:
        if level >= at_least:
            covered += max(0.0, min(when, t1) - max(since, t0))
        level += step
        since = when
    return covered / (t1 - t0) if t1 > t0 else 0.0


async def ours(addr: str, token: str) -> Result:
    """``CatalogBuilder(VaultApi(addr), token, concurrency=8, batch_size=500).build()``."""
    t0 = time.perf_counter()
    api = TimedApi(addr)
    try:
        builder = CatalogBuilder(api, token, concurrency=CONCURRENCY, batch_size=BATCH_SIZE)
        catalog = await builder.build()
    finally:
        await api.aclose()
    t1 = time.perf_counter()
    seconds = t1 - t0
    if builder.requests != api.requests or catalog.requests != api.requests:
        raise BenchFailure(
            f"request counters disagree: VaultApi {api.requests}, builder {builder.requests}, "
            f"catalog {catalog.requests}"
        )
    errors = [f"{m.mount.path}: {m.error.message}" for m in catalog.mounts if m.error]
    if errors:
        raise BenchFailure("the catalog reports errors: " + "; ".join(errors))
    paths = {
        (m.mount.path.rstrip("/"), p) for m in catalog.mounts for p in (*m.secrets, *m.unlisted)
    }
    methods = {m.mount.path: m.method for m in catalog.mounts}
    # the REST reply the browser gets (after the timed section)
    body = catalog_reply(catalog, cached=False)
    return Result(
        paths,
        api.requests,
        seconds,
        methods,
        retried=catalog.retried,
        reply_bytes=(len(body), len(gzipped(body))),
        busy2=overlap(api.spans, t0, t1, 2),
        batches2=overlap([span for span in api.spans if span[2]], t0, t1, 2),
    )


def check_paths(label: str, result: Result, expected: set[tuple[str, str]]) -> None:
    if result.paths == expected:
        return
    missing = sorted(expected - result.paths)
    extra = sorted(result.paths - expected)
    raise BenchFailure(
        f"{label} found {len(result.paths)} readable paths, not the {len(expected)} seeded: "
        f"{len(missing)} missing (e.g. {['/'.join(p) for p in missing[:5]]}), "
        f"{len(extra)} extra (e.g. {['/'.join(p) for p in extra[:5]]})"
    )


# --------------------------------------------------------------------------------------------
# main


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run(args: argparse.Namespace, server: DevServer, tree: Tree) -> int:
    tokens, setup_s, seed_s = asyncio.run(setup(server, tree))
    n_folders, n_leaves, n_mounts = tree.folder_count, tree.secret_count, len(MOUNTS)
    print(
        f"  setup (mounts, policies, 2 tokens) {setup_s:.2f} s; seeding {n_leaves:,d} writes, "
        f"{SEED_CONCURRENCY} at a time: {seed_s:.2f} s ({n_leaves / seed_s:,.0f} writes/s) "
        "(not part of the comparison)"
    )

    expected = tree.paths()
    batches = math.ceil(n_leaves / BATCH_SIZE)
    list_budget = n_folders + batches + 3
    scan_budget = n_mounts + batches + 3
    naive_expected = n_folders + n_leaves

    measures: dict[str, Callable[[], Result]] = {
        "naive": lambda: naive(server.addr, tokens["bench-list"]),
        "LIST": lambda: asyncio.run(ours(server.addr, tokens["bench-list"])),
        "SCAN": lambda: asyncio.run(ours(server.addr, tokens["bench-scan"])),
    }
    labels = {
        "naive": "naive hvac (bench-list)",
        "LIST": "ours LIST (bench-list)",
        "SCAN": "ours SCAN (bench-scan)",
    }
    order = list(measures)
    results: dict[str, list[Result]] = {name: [] for name in order}
    print(
        f"\n  {args.runs} round(s), interleaved, order rotated each round "
        f"(ours: concurrency {CONCURRENCY}, batch_size {BATCH_SIZE})"
    )
    for round_no in range(args.runs):
        shift = round_no % len(order)
        figures = []
        for name in order[shift:] + order[:shift]:
            result = measured(measures[name], server.pid)
            check_paths(labels[name], result, expected)
            results[name].append(result)
            figures.append(f"{name} {result.seconds:.3f} s ({result.requests:,d} req)")
        print(f"   round {round_no + 1}: " + ", ".join(figures))

    medians = {name: statistics.median(r.seconds for r in rs) for name, rs in results.items()}
    # Retries (a request that timed out or failed on a busy machine, sent again) are counted
    # apart: the budgets are the algorithm's.
    worst = {name: max(r.requests - r.retried for r in rs) for name, rs in results.items()}
    retried = {name: sum(r.retried for r in rs) for name, rs in results.items()}
    if any(retried.values()):
        print(
            "   requests sent again after a failure (not in the counts below): "
            + ", ".join(f"{name} {n}" for name, n in retried.items())
        )
    budgets = {"naive": naive_expected, "LIST": list_budget, "SCAN": scan_budget}
    print(
        f"\n   {'':26s} {'median s':>9s} {'min s':>8s} {'max s':>8s} {'requests':>9s} "
        f"{'budget':>7s} {'naive/this':>11s}"
    )
    for name in order:
        secs = [r.seconds for r in results[name]]
        ratio = medians["naive"] / medians[name]
        budget = f"{budgets[name]:,d}" if name != "naive" else f"({budgets[name]:,d})"
        print(
            f"   {labels[name]:26s} {medians[name]:>9.3f} {min(secs):>8.3f} {max(secs):>8.3f} "
            f"{worst[name]:>9,d} {budget:>7s} {f'x{ratio:.1f}':>11s}"
        )
    cpus = os.cpu_count() or 1
    print(
        f"\n   CPU seconds (medians; OpenBao from /proc, client = this process; the wall time "
        f"cannot be below (OpenBao + client) / {cpus} CPUs):"
    )
    floors: dict[str, float] = {}
    for name in order:
        server_cpu = [r.server_cpu for r in results[name] if r.server_cpu is not None]
        client_cpu = statistics.median(r.client_cpu for r in results[name])
        if server_cpu:
            total = statistics.median(server_cpu) + client_cpu
            floors[name] = total / cpus
            print(
                f"   {labels[name]:26s} OpenBao {statistics.median(server_cpu):6.2f}, client "
                f"{client_cpu:6.2f}, floor {total / cpus:6.2f} s of wall time, wall/floor "
                f"x{medians[name] / floors[name]:.2f}, OpenBao CPU per secret "
                f"{statistics.median(server_cpu) / n_leaves * 1000:.3f} ms"
            )
        else:
            print(f"   {labels[name]:26s} OpenBao n/a, client {client_cpu:6.2f}")
    # The machine is shared: other processes take CPU time the floor above does not count.
    # With theirs counted too, ((OpenBao + client + others) / CPUs), the wall time left over is
    # time the CPUs stood idle: what a build that keeps both cores busy does not leave.
    for name in ("LIST", "SCAN"):
        rs = [r for r in results[name] if r.machine_busy is not None and r.server_cpu is not None]
        if not rs:
            continue
        others = statistics.median(
            max(0.0, r.machine_busy - r.server_cpu - r.client_cpu) for r in rs
        )
        idle = statistics.median(r.machine_idle / (r.machine_busy + r.machine_idle) for r in rs)
        busy_floor = statistics.median(r.machine_busy / cpus for r in rs)
        print(
            f"   {labels[name]:26s} other processes {others:6.2f} s of CPU meanwhile; with "
            f"theirs, floor {busy_floor:6.2f} s, wall/floor x{medians[name] / busy_floor:.2f}; "
            f"the CPUs idle {idle:.0%} of the wall time"
        )
    # What keeps OpenBao's CPUs busy whatever else runs: requests in flight (OpenBao works on
    # each in its own goroutine; a capabilities batch is most of its CPU).
    for name in ("LIST", "SCAN"):
        rs = [r for r in results[name] if r.busy2 is not None]
        if rs:
            print(
                f"   {labels[name]:26s} >= 2 requests in flight "
                f"{statistics.median(r.busy2 for r in rs):.0%} of the wall time, >= 2 "
                f"capabilities batches {statistics.median(r.batches2 for r in rs):.0%}"
            )
    if "LIST" in floors:
        print(
            f"   naive / (ours LIST's CPU floor): x{medians['naive'] / floors['LIST']:.1f}, the "
            f"best ratio LIST mode could reach on {cpus} CPUs (it reaches "
            f"x{medians['naive'] / medians['LIST']:.1f})"
        )
    print(
        f"   (naive's count, {n_folders:,d} LISTs + {n_leaves:,d} capabilities checks, is not a "
        f"target; LIST budget = folders + ceil(leaves/{BATCH_SIZE}) + 3, SCAN budget = mounts + "
        f"ceil(leaves/{BATCH_SIZE}) + 3)"
    )
    scan_methods = {m for r in results["SCAN"] for m in r.methods.values()}
    list_methods = {m for r in results["LIST"] for m in r.methods.values()}
    print(
        f"   methods used per mount: LIST mode {sorted(list_methods)}, "
        f"SCAN mode {sorted(scan_methods)}"
    )

    list_ratio = medians["naive"] / medians["LIST"]
    scan_ratio = medians["naive"] / medians["SCAN"]
    checks = [
        (
            True,  # check_paths raised otherwise
            f"naive, ours LIST and ours SCAN found the same {n_leaves:,d} readable paths "
            "(the seeded ones), every round",
        ),
        (
            worst["LIST"] <= list_budget and list_methods == {"list"},
            f"ours LIST requests {worst['LIST']:,d} <= budget {list_budget:,d} "
            f"({n_folders:,d} folders + {batches} + 3), LIST only",
        ),
        (
            worst["SCAN"] <= scan_budget and scan_methods == {"scan"},
            f"ours SCAN requests {worst['SCAN']:,d} <= budget {scan_budget:,d} "
            f"({n_mounts} mounts + {batches} + 3), SCAN only",
        ),
    ]
    if "LIST" in floors:
        within = medians["LIST"] / floors["LIST"]
        checks.append(
            (
                within <= FLOOR_TARGET,
                f"ours LIST wall time within x{FLOOR_TARGET:g} of its CPU floor: x{within:.2f}",
            )
        )
    raw, packed = results["LIST"][-1].reply_bytes
    checks.append(
        (
            packed <= REPLY_TARGET_BYTES,
            f"GET vault/catalog's reply gzipped {packed / 1e6:.2f} MB <= "
            f"{REPLY_TARGET_BYTES / 1e6:g} MB (x{packed / REPLY_TARGET_BYTES:.2f}; raw "
            f"{raw / 1e6:.2f} MB, paths grouped by folder)",
        )
    )
    print(f"\n   naive/ours LIST (ratio of medians) x{list_ratio:.1f} (target: the floor, below)")
    print(f"   naive/ours SCAN (ratio of medians) x{scan_ratio:.1f} (no target)")
    print(
        f"   requests naive/ours: LIST x{worst['naive'] / worst['LIST']:.1f}, "
        f"SCAN x{worst['naive'] / worst['SCAN']:.1f}"
    )
    if worst["naive"] != naive_expected:
        print(f"   note: naive sent {worst['naive']:,d} requests, expected {naive_expected:,d}")
    print()
    for ok, text in checks:
        print(f"  {verdict(ok)}: {text}")
    return 0 if all(ok for ok, _ in checks) else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--secrets", type=int, default=None, help="secrets to seed (10000)")
    parser.add_argument(
        "--folders", type=int, default=None, help="folders, each mount's root included (1000)"
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds of the three measurements (3)")
    parser.add_argument("--port", type=int, default=18210, help="OpenBao port on 127.0.0.1 (18210)")
    parser.add_argument(
        "--quick", action="store_true", help="a fast check: 1,000 secrets in 100 folders"
    )
    args = parser.parse_args(argv)
    if args.secrets is None:
        args.secrets = 1000 if args.quick else 10000
    if args.folders is None:
        args.folders = max(len(MOUNTS), args.secrets // 10)
    if args.folders < len(MOUNTS):
        parser.error(f"--folders must be at least {len(MOUNTS)} (one root per mount)")
    if args.secrets < args.folders:
        parser.error("--secrets must be at least --folders (every folder holds a secret)")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not 1 <= args.port <= 65535:
        parser.error("--port must be a TCP port")
    return args


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops OpenBao


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if hvac is None:
        print(f"hvac is not installed: .venv/bin/pip install hvac=={HVAC_PIN}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # Ctrl-C: KeyboardInterrupt, as usual
    t_start = time.perf_counter()
    tree = plan_tree(args.secrets, args.folders)
    print("catalog: finding every readable KV secret, naive hvac script vs CatalogBuilder")
    print(
        f"  python {platform.python_version()}, httpx {httpx.__version__}, hvac "
        f"{importlib.metadata.version('hvac')}, requests {requests.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"  {bao_version()}")
    mounts = ", ".join(
        f"{m}/ (KV v{v}: {len(tree.folders[m])} folders, depth {tree.depth(m)}, "
        f"{len(tree.secrets[m]):,d} secrets)"
        for m, v in MOUNTS
    )
    print(
        f"  tree: {tree.secret_count:,d} secrets in {tree.folder_count:,d} folders (mount roots "
        f"included) over {len(MOUNTS)} mounts: {mounts}"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="catalog-bench-") as workdir:
            with DevServer(args.port, Path(workdir)) as server:
                print(f"  OpenBao dev server at {server.addr} (pid {server.pid}), in-memory")
                status = run(args, server, tree)
    except BenchFailure as e:
        print(f"\n  FAIL: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; stopped OpenBao", file=sys.stderr)
        return 130
    except SystemExit:
        print("\nterminated; stopped OpenBao", file=sys.stderr)
        raise
    print(f"  total runtime {time.perf_counter() - t_start:.1f} s; OpenBao stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())
