"""Soak of the real stack: a kernel reading a secret every few seconds for 30 minutes while
60 s id_tokens and 2-minute Vault tokens are replaced under it.

Set-up (all on 127.0.0.1, started by this script with the repo's scripts the way
scripts/test.sh does, and stopped at the end, also on Ctrl-C and SIGTERM): OpenBao
(``scripts/openbao.sh start``, port 28200, dev mode also uses 28201), Keycloak
(``scripts/keycloak.sh start``, port 28080, ``KC_TOKEN_LIFESPAN=60``), OpenBao seeded with
``demo/openbao_seed.py`` (``auth/jwt`` trusting that Keycloak; role ``jupyter`` with
``BAO_TOKEN_TTL=2m``, ``BAO_TOKEN_MAX_TTL=10m``, so Vault tokens are renewed and replaced during the
soak), and JupyterHub (``scripts/hub.sh start``, port 28000, proxy API 28001, hub 28081) with
``HUB_REFRESH_LEAD_SECONDS=45``, ``HUB_AUTH_REFRESH_AGE=10`` and ``HUB_SINGLEUSER_TESTING=1``
(single-user servers at DEBUG; their log is the hub's, ``.stack/soak/hub/jupyterhub.log``). Its
own state in ``<repo>/.stack/soak`` (removed at start), so it runs alongside the test suite (18xxx)
and the demo (8xxx). VAULT_* / BAO_* of the caller are unset; only the hub gets ``VAULT_ADDR``.
The demo realm's client ``jupyterhub`` allows the callbacks of the hubs on 8000 and 18000 only:
this hub's (28000) is added to it through the soak Keycloak's admin API, in its database only.

Then alice logs in to the hub through Keycloak's login form (``HubBrowser`` of
tests/integration/integration_stack.py, an httpx client: no browser), starts and opens her server,
and does what the panel does on load: reads the identity and the Vault state and, as the panel's
``autoLogin`` does, ``POST vault-jwt/vault/login``. The server companion logs in to OpenBao and
writes ``~/.vault-token`` (``.stack/soak/hub/home/alice/.vault-token``).

During the soak (``--minutes``, 30):

* the "kernel": every ``--read-interval`` seconds (5) the token file is read afresh and one secret
  (``secret/apps/billing/db``, key ``password``) is read with hvac, the way an inserted snippet
  does (``hvac.Client(url=..., token=<the file's content>)``); a failure is any exception or a
  missing value (its time, class and message are kept; token and secret values never are);
* the "panel": every ``--panel-interval`` seconds (30, the Vault card's poll) ``GET
  vault-jwt/identity`` and ``GET vault-jwt/vault`` through the hub's proxy with alice's cookies
  and a browser fetch's headers (``Sec-Fetch-Mode: cors``, JupyterLab's ``X-XSRFToken``).
  The real panel also POSTs ``vault-jwt/identity/refresh`` on its own schedule; that is not done
  here, so the hub calls counted are the server's own (identity reads once the copy in memory has
  expired, Vault logins).

Printed (no timing is asserted): reads attempted / failed (target 0 failed: PASS or MISS), the
failures and the read times; distinct id_tokens the panel saw (distinct iat/exp); distinct Vault
tokens in the file (counted by a sha256 prefix, never shown); the single-user server's ``GET
/hub/api/users/alice`` calls per hour, counted in the hub log during the soak (the script itself
calls no hub API then, so every such line is the server's), and the id_token refreshes the hub's
refresh hook did (jupyter_extension_server/hub.py's log lines); the single-user server's RSS
(``VmRSS``) after the first successful read and at the end, its delta and ratio; warnings and errors
in the hub log (hub and single-user server) during the soak, grouped; whether any token seen appears
in that log; the script's wall time. A one-line progress is printed every minute.

Exit status: 0 when the soak ran to its end (whatever the figures), 1 when the set-up failed,
130 / 143 when interrupted.

Usage: .venv/bin/python bench/soak.py [--minutes 30] [--read-interval 5] [--panel-interval 30]
Needs scripts/setup.sh to have run (it is run when .venv/bin/jupyterhub is missing), and hvac.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STACK_DIR = REPO / ".stack" / "soak"
HUB_DIR = STACK_DIR / "hub"
HUB_LOG = HUB_DIR / "jupyterhub.log"
KC_PORT = 28080
HUB_PORT = 28000  # proxy API on HUB_PORT + 1, the hub itself on HUB_PORT + 81
BAO_PORT = 28200  # dev mode also listens on BAO_PORT + 1
KC_URL = f"http://127.0.0.1:{KC_PORT}"
HUB_URL = f"http://127.0.0.1:{HUB_PORT}"
HUB_API_URL = f"http://127.0.0.1:{HUB_PORT + 81}/hub/api"
BAO_ADDR = f"http://127.0.0.1:{BAO_PORT}"
USER = "alice"
PASSWORD = "alice-password"  # the demo realm's (demo/realm-jupyterhub.json)
TOKEN_FILE = HUB_DIR / "home" / USER / ".vault-token"
SERVER_URL = f"{HUB_URL}/user/{USER}"
# One secret alice (policy kv-all) can read: demo/openbao_seed.py.
SECRET_MOUNT, SECRET_PATH, SECRET_KEY = "secret", "apps/billing/db", "password"
STACK_ENV = {
    "STACK_DIR": str(STACK_DIR),
    "KC_PORT": str(KC_PORT),
    "HUB_PORT": str(HUB_PORT),
    "BAO_PORT": str(BAO_PORT),
    "KC_URL": KC_URL,
    "HUB_URL": HUB_URL,
    "KC_TOKEN_LIFESPAN": "60",
    "HUB_REFRESH_LEAD_SECONDS": "45",
    "HUB_AUTH_REFRESH_AGE": "10",
    "BAO_TOKEN_TTL": "2m",
    "BAO_TOKEN_MAX_TTL": "10m",
    "HUB_SINGLEUSER_TESTING": "1",
}
TOKEN_FILE_TIMEOUT_S = 90.0
# Log lines: "[I 2026-11-23 07:52:14.502 JupyterHub log:192] 200 GET /hub/api/users/alice (...)"
LOG_LINE = re.compile(r"^\[([DIWEC]) \S+ \S+ (\S+)[^\]]*\] ?(.*)$")
HUB_USER_CALL = re.compile(rf"^(\d{{3}}) GET /hub/api/users/{USER} \(")
HUB_TOKEN_CHECK = re.compile(r"^(\d{3}) GET /hub/api/user \(")
HUB_REFRESHING = re.compile(rf"^The id_token of {USER} .*: refreshing the tokens\.")
HUB_REFRESHED = re.compile(rf"^Refreshed the tokens of {USER}: ")
# Anything token-like is masked in the log lines and error messages printed (belt and braces:
# the product logs no tokens, and the values this script holds are also masked literally).
TOKEN_LIKE = re.compile(r"\b(?:eyJ[\w-]+\.[\w-]+\.[\w-]*|[hsb]v[sbr]\.[\w.-]{16,}|s\.[\w]{20,})")


class SetupFailed(Exception):
    """The stack could not be started or alice could not get a Vault token file."""


# --------------------------------------------------------------------------------------------
# the stack


class Stack:
    """OpenBao, Keycloak and JupyterHub on the soak's ports, through scripts/*.sh."""

    def __init__(self) -> None:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_", "OPENBAO_"))
        }
        env.update(STACK_ENV)
        env["PATH"] = f"{REPO / '.venv/bin'}{os.pathsep}{env.get('PATH', '')}"
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        self.env = env
        self.started = False

    def script(self, *args: str, extra: dict[str, str] | None = None, check: bool = True) -> str:
        """Run ``scripts/<args>``; its output is printed indented. Raises SetupFailed."""
        env = dict(self.env, **(extra or {}))
        t0 = time.monotonic()
        proc = subprocess.run(
            [str(REPO / "scripts" / args[0]), *args[1:]],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        out = (proc.stdout + proc.stderr).strip()
        for line in out.splitlines():
            print(f"    | {TOKEN_LIKE.sub('<token>', line)}")
        if check and proc.returncode != 0:
            raise SetupFailed(f"scripts/{' '.join(args)} failed (exit {proc.returncode})")
        print(f"    scripts/{' '.join(args)}: {time.monotonic() - t0:.1f} s")
        return out

    def start(self) -> None:
        if not (REPO / ".venv/bin/jupyterhub").exists():
            print("  .venv/bin/jupyterhub is missing: running scripts/setup.sh")
            self.script("setup.sh")
        self.stop(quiet=True)  # what a previous soak may have left, before its state goes
        shutil.rmtree(STACK_DIR, ignore_errors=True)
        self.started = True
        self.script("openbao.sh", "start")
        self.script("keycloak.sh", "start")
        self.allow_hub_in_keycloak()
        self.script("openbao.sh", "seed")
        self.script("hub.sh", "start", extra={"VAULT_ADDR": BAO_ADDR})

    def allow_hub_in_keycloak(self) -> None:
        """Add this hub's callback to the realm's client ``jupyterhub`` (its own Keycloak).

        demo/realm-jupyterhub.json allows the hubs of the demo (8000) and the tests (18000)
        only; the soak's hub (28000) is added through Keycloak's admin API (the bootstrap admin
        of scripts/keycloak.sh), in this Keycloak's database only.
        """
        import httpx

        user = self.env.get("KC_BOOTSTRAP_ADMIN_USERNAME") or self.env.get("KEYCLOAK_ADMIN")
        password = self.env.get("KC_BOOTSTRAP_ADMIN_PASSWORD") or self.env.get(
            "KEYCLOAK_ADMIN_PASSWORD"
        )
        try:
            with httpx.Client(base_url=KC_URL, timeout=30, trust_env=False) as kc:
                r = kc.post(
                    "/realms/master/protocol/openid-connect/token",
                    data={
                        "grant_type": "password",
                        "client_id": "admin-cli",
                        "username": user or "admin",
                        "password": password or "admin",
                    },
                )
                r.raise_for_status()
                headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
                r = kc.get(
                    "/admin/realms/jupyterhub/clients",
                    params={"clientId": "jupyterhub"},
                    headers=headers,
                )
                r.raise_for_status()
                client = r.json()[0]
                client["redirectUris"] = [*client["redirectUris"], f"{HUB_URL}/hub/oauth_callback"]
                client["webOrigins"] = [*client["webOrigins"], HUB_URL]
                attributes = client.setdefault("attributes", {})
                logout = attributes.get("post.logout.redirect.uris")
                attributes["post.logout.redirect.uris"] = "##".join(
                    filter(None, [logout, f"{HUB_URL}/hub/*"])
                )
                r = kc.put(
                    f"/admin/realms/jupyterhub/clients/{client['id']}",
                    json=client,
                    headers=headers,
                )
                r.raise_for_status()
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as e:
            raise SetupFailed(
                f"could not allow {HUB_URL} in Keycloak's client jupyterhub: {type(e).__name__}"
            ) from e
        print(f"    Keycloak client jupyterhub: {HUB_URL}/hub/oauth_callback allowed")

    def stop(self, quiet: bool = False) -> None:
        for name in ("hub.sh", "keycloak.sh", "openbao.sh"):
            if quiet:
                subprocess.run(
                    [str(REPO / "scripts" / name), "stop"],
                    cwd=REPO,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    check=False,
                )
            else:
                self.script(name, "stop", check=False)


def server_pid() -> int | None:
    """Pid of alice's single-user server of this hub (its environment names this hub's API)."""
    want = {f"JUPYTERHUB_API_URL={HUB_API_URL}".encode(), f"JUPYTERHUB_USER={USER}".encode()}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"jupyterhub-singleuser" not in (proc / "cmdline").read_bytes():
                continue
            environ = set((proc / "environ").read_bytes().split(b"\0"))
        except OSError:
            continue
        if want <= environ:
            return int(proc.name)
    return None


def rss_kib(pid: int | None) -> int | None:
    """VmRSS of ``pid`` in KiB (None when it is gone)."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def clock(seconds: float) -> str:
    return f"{int(seconds // 60):d}:{int(seconds % 60):02d}"


# --------------------------------------------------------------------------------------------
# the soak


@dataclass
class Figures:
    """Everything counted during the soak. Token values are kept only to check the log."""

    t0: float = 0.0
    reads: int = 0
    read_times: list[float] = field(default_factory=list)
    failures: list[tuple[float, str, str]] = field(default_factory=list)
    vault_fingerprints: set[str] = field(default_factory=set)
    vault_tokens: set[str] = field(default_factory=set)  # never printed
    file_changes: int = 0
    last_fingerprint: str | None = None
    panel_gets: int = 0
    panel_max: float = 0.0
    panel_errors: Counter = field(default_factory=Counter)
    id_token_claims: set[tuple[Any, Any]] = field(default_factory=set)
    id_tokens: set[str] = field(default_factory=set)  # never printed
    id_token_ids: set[str] = field(default_factory=set)
    min_left: float | None = None
    vault_states: Counter = field(default_factory=Counter)
    vault_errors: Counter = field(default_factory=Counter)
    accessors: set[str] = field(default_factory=set)  # never printed
    pid: int | None = None
    rss_start: int | None = None
    rss_peak: int | None = None
    rss_samples: list[tuple[float, int]] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.t0


def mask(text: str, secrets: set[str]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, "<token>")
    return TOKEN_LIKE.sub("<token>", text)


def kernel_read(hvac: Any, fig: Figures) -> None:
    """One read as a snippet in a kernel does it: the token file afresh, then the secret."""
    fig.reads += 1
    token = ""
    t0 = time.monotonic()
    try:
        token = TOKEN_FILE.read_text(encoding="utf-8").strip()
        if not token:
            raise ValueError("the token file is empty")
        fingerprint = hashlib.sha256(token.encode()).hexdigest()[:16]
        if fingerprint != fig.last_fingerprint:
            if fig.last_fingerprint is not None:
                fig.file_changes += 1
            fig.last_fingerprint = fingerprint
        fig.vault_fingerprints.add(fingerprint)
        fig.vault_tokens.add(token)
        client = hvac.Client(url=BAO_ADDR, token=token, timeout=10)
        try:
            reply = client.secrets.kv.v2.read_secret_version(
                path=SECRET_PATH, mount_point=SECRET_MOUNT, raise_on_deleted_version=True
            )
        finally:
            with contextlib.suppress(Exception):
                client.adapter.close()
        value = ((reply or {}).get("data") or {}).get("data", {}).get(SECRET_KEY)
        if not value:
            raise ValueError(f"no {SECRET_KEY!r} in the reply")
    except Exception as e:  # any failure counts; the kernel would see it
        message = " ".join(mask(str(e), {token} if token else set()).split())
        if len(message) > 240:  # requests' messages: the cause is at the end
            message = f"{message[:110]} ... {message[-120:]}"
        fig.failures.append((fig.now(), type(e).__name__, message))
        return
    fig.read_times.append(time.monotonic() - t0)
    if fig.rss_start is None:
        fig.pid = server_pid()
        fig.rss_start = rss_kib(fig.pid)


def panel_headers(browser: Any) -> dict[str, str]:
    """Headers of the panel's requests: a browser's fetch() and JupyterLab's X-XSRFToken (sent
    on every request when the server set the _xsrf cookie)."""
    headers = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"}
    xsrf = browser.client.cookies.get("_xsrf", path=f"/user/{USER}/")
    if xsrf:
        headers["X-XSRFToken"] = xsrf
    return headers


def panel_poll(browser: Any, jwt: Any, fig: Figures) -> None:
    """What the panel polls: the identity (claims of the id_token) and the Vault state."""
    fig.panel_gets += 1
    t0 = time.monotonic()
    headers = panel_headers(browser)
    try:
        r = browser.client.get(f"{SERVER_URL}/vault-jwt/identity", headers=headers)
        if r.status_code != 200:
            fig.panel_errors[f"identity HTTP {r.status_code}"] += 1
        else:
            body = r.json()
            claims = body.get("claims")  # the reply holds claims, never the raw token
            if not claims:
                fig.panel_errors["identity: no id_token"] += 1
            else:
                fig.id_token_claims.add((claims.get("iat"), claims.get("exp")))
                if body["token_id"] not in fig.id_token_ids:
                    # The raw token (to look for it in the logs), as the copy action gets it.
                    fig.id_token_ids.add(body["token_id"])
                    t = browser.client.post(
                        f"{SERVER_URL}/vault-jwt/identity/token", headers=headers
                    )
                    if t.status_code == 200:
                        fig.id_tokens.add(t.json()["id_token"])
                left = float(claims["exp"]) - float(body.get("server_time") or time.time())
                fig.min_left = left if fig.min_left is None else min(fig.min_left, left)
        r = browser.client.get(f"{SERVER_URL}/vault-jwt/vault", headers=headers)
        if r.status_code != 200:
            fig.panel_errors[f"vault HTTP {r.status_code}"] += 1
        else:
            body = r.json()
            fig.vault_states[body.get("state")] += 1
            if body.get("error"):
                fig.vault_errors[body["error"].get("code")] += 1
            accessor = (body.get("token") or {}).get("accessor")
            if accessor:
                fig.accessors.add(accessor)
    except Exception as e:
        fig.panel_errors[type(e).__name__] += 1
    fig.panel_max = max(fig.panel_max, time.monotonic() - t0)


@dataclass
class LogFigures:
    """The hub log (hub and single-user server) from an offset on."""

    user_calls: Counter = field(default_factory=Counter)  # status -> GET /hub/api/users/alice
    token_checks: int = 0
    refreshing: int = 0
    refreshed: int = 0
    hook_warnings: int = 0
    problems: Counter = field(default_factory=Counter)  # (level, app, template) -> count
    examples: dict[tuple[str, str, str], str] = field(default_factory=dict)
    text: str = ""


def scan_log(offset: int) -> LogFigures:
    out = LogFigures()
    try:
        with HUB_LOG.open("rb") as f:
            f.seek(offset)
            out.text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return out
    for line in out.text.splitlines():
        m = LOG_LINE.match(line)
        if not m:
            continue
        level, app, message = m.groups()
        if app == "JupyterHub":
            call = HUB_USER_CALL.match(message)
            if call:
                out.user_calls[call.group(1)] += 1
            elif HUB_TOKEN_CHECK.match(message):
                out.token_checks += 1
            elif HUB_REFRESHING.match(message):
                out.refreshing += 1
            elif HUB_REFRESHED.match(message):
                out.refreshed += 1
            elif level in "WE" and f" of {USER}" in message and "token" in message:
                out.hook_warnings += 1
        if level in "WEC":
            template = re.sub(r"\d+(\.\d+)?", "N", message)[:120]
            key = (level, app, template)
            out.problems[key] += 1
            out.examples.setdefault(key, message)
    return out


def log_size() -> int:
    try:
        return HUB_LOG.stat().st_size
    except OSError:
        return 0


def import_clients() -> tuple[Any, Any, Any]:
    """hvac, PyJWT and HubBrowser (which reads HUB_URL and KC_URL at import)."""
    os.environ["HUB_URL"] = HUB_URL
    os.environ["KC_URL"] = KC_URL
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    sys.path.insert(0, str(REPO / "tests" / "integration"))
    try:
        import hvac
        import jwt
        from integration_stack import HubBrowser
    except ImportError as e:
        raise SetupFailed(f"{e}: run this with the project's .venv/bin/python") from e
    return hvac, jwt, HubBrowser


def open_session(HubBrowser: Any, fig: Figures, jwt: Any) -> Any:
    """alice: hub login through Keycloak, her server started and opened, the panel's first
    reads and its automatic Vault login; returns once ~/.vault-token exists."""
    browser = HubBrowser(HUB_URL)
    t0 = time.monotonic()
    try:
        browser.login(USER, PASSWORD)
        print(f"  {USER} logged in to the hub through Keycloak ({time.monotonic() - t0:.1f} s)")
        t0 = time.monotonic()
        browser.start_server(USER)
        lab = browser.open_server(USER)
        if lab.status_code != 200:
            raise SetupFailed(f"opening {SERVER_URL}/lab: HTTP {lab.status_code}")
        print(f"  her server started and opened ({time.monotonic() - t0:.1f} s)")
    except AssertionError as e:
        raise SetupFailed(f"hub login or server start failed: {e}") from e
    t0 = time.monotonic()
    panel_poll(browser, jwt, Figures())  # the panel's first reads (not counted in the soak)
    login_posted = False
    while not TOKEN_FILE.exists():
        if time.monotonic() - t0 > TOKEN_FILE_TIMEOUT_S:
            raise SetupFailed(f"no {TOKEN_FILE} within {TOKEN_FILE_TIMEOUT_S:.0f} s")
        if not login_posted and time.monotonic() - t0 > 3:
            # The panel's autoLogin: the server logs in only when asked.
            r = browser.client.post(
                f"{SERVER_URL}/vault-jwt/vault/login", headers=panel_headers(browser)
            )
            login_posted = True
            state = r.json().get("state") if r.status_code == 200 else None
            print(
                f"  POST vault-jwt/vault/login (the panel's autoLogin): "
                f"HTTP {r.status_code}, {state}"
            )
        time.sleep(0.5)
    print(f"  ~/.vault-token written ({time.monotonic() - t0:.1f} s after the panel's first read)")
    return browser


def progress(fig: Figures, offset: int) -> None:
    logf = scan_log(offset)
    rss = rss_kib(fig.pid)
    if rss is not None:
        fig.rss_samples.append((fig.now(), rss))
        fig.rss_peak = max(fig.rss_peak or 0, rss)
    print(
        f"  [{clock(fig.now())}] reads {fig.reads} ({len(fig.failures)} failed), "
        f"id_tokens {len(fig.id_token_claims)}, Vault tokens {len(fig.vault_fingerprints)}, "
        f"hub GET users/{USER} {sum(logf.user_calls.values())}, "
        f"hub refreshes {logf.refreshed}, RSS {mib(rss)}",
        flush=True,
    )


def soak(
    args: argparse.Namespace, hvac: Any, jwt: Any, browser: Any, fig: Figures, offset: int
) -> None:
    """The soak loop, to its end. Prints a line every minute."""
    duration = args.minutes * 60
    fig.t0 = time.monotonic()
    next_read = next_panel = 0.0
    next_progress = 60.0
    print(
        f"\nsoak: {args.minutes:g} min, a read every {args.read_interval:g} s, the panel's poll "
        f"every {args.panel_interval:g} s",
        flush=True,
    )
    while True:
        now = fig.now()
        if now >= duration:
            break
        if now >= next_read:
            kernel_read(hvac, fig)
            next_read += args.read_interval
        if now >= next_panel:
            panel_poll(browser, jwt, fig)
            next_panel += args.panel_interval
        if now >= next_progress:
            progress(fig, offset)
            next_progress += 60.0
        time.sleep(max(0.0, min(next_read, next_panel, next_progress, duration) - fig.now()))


def report(fig: Figures, minutes_run: float, offset: int) -> None:
    logf = scan_log(offset)
    hours = minutes_run / 60
    per_hour = (lambda n: f"{n / hours:.0f}/h") if hours > 0 else (lambda n: "n/a")
    failed = len(fig.failures)
    rss_end = rss_kib(fig.pid)
    if rss_end is not None:
        fig.rss_peak = max(fig.rss_peak or 0, rss_end)
    print(f"\nfigures ({minutes_run:.1f} min of soak)")
    print(
        f"  reads attempted {fig.reads}, failed {failed} (target 0 failed): "
        f"{'PASS' if failed == 0 and fig.reads else 'MISS'}"
    )
    if fig.read_times:
        times = sorted(fig.read_times)
        print(
            f"    successful read time: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms; panel poll (2 GETs) max {fig.panel_max * 1000:.0f} ms"
        )
    if fig.failures:
        print(f"    failures by class: {dict(Counter(kind for _, kind, _ in fig.failures))}")
    for at, kind, message in fig.failures[:20]:
        print(f"    at {clock(at)}: {kind}: {message}")
    if failed > 20:
        print(f"    ... and {failed - 20} more")
    lefts = "n/a" if fig.min_left is None else f"{fig.min_left:.0f} s"
    print(
        f"  id_tokens seen by the panel: {len(fig.id_token_claims)} distinct (iat/exp) in "
        f"{fig.panel_gets} polls; least time left seen {lefts}"
        + (f"; errors {dict(fig.panel_errors)}" if fig.panel_errors else "; no errors")
    )
    print(
        f"  Vault tokens in ~/.vault-token: {len(fig.vault_fingerprints)} distinct (sha256, "
        f"never shown), the file changed {fig.file_changes} times; the panel saw "
        f"{len(fig.accessors)} token accessors, states {dict(fig.vault_states)}"
        + (f", errors {dict(fig.vault_errors)}" if fig.vault_errors else "")
    )
    calls = sum(logf.user_calls.values())
    print(
        f"  hub calls by the server (GET /hub/api/users/{USER}): {calls} = {per_hour(calls)} "
        f"(statuses {dict(logf.user_calls)}); its cookie checks (GET /hub/api/user): "
        f"{logf.token_checks}"
    )
    print(
        f"  id_token refreshes by the hub's hook: {logf.refreshing} started, {logf.refreshed} "
        f"done = {per_hour(logf.refreshed)}; hook warnings {logf.hook_warnings}"
    )
    start, end = fig.rss_start, rss_end
    delta = ratio = "n/a"
    if start and end:
        delta = f"{(end - start) / 1024:+.1f} MiB"
        ratio = f"x{end / start:.2f}"
    print(
        f"  single-user server (pid {fig.pid}) RSS: start {mib(start)} (after the first "
        f"successful read), end {mib(end)}, delta {delta}, end/start {ratio}, "
        f"peak sampled {mib(fig.rss_peak)}"
    )
    secrets = fig.vault_tokens | fig.id_tokens
    leaked = sum(1 for value in secrets if value in logf.text)
    print(
        f"  token hygiene: {leaked} of the {len(fig.vault_tokens)} Vault tokens and "
        f"{len(fig.id_tokens)} id_tokens seen appear in the hub/single-user log of the soak"
    )
    total = sum(logf.problems.values())
    print(f"  warnings and errors in the hub log during the soak: {total}")
    for (level, app, _), count in logf.problems.most_common(10):
        example = mask(logf.examples[(level, app, _)], secrets)[:160]
        print(f"    {count:5d} x [{level} {app}] {example}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="soak duration (30)")
    parser.add_argument(
        "--read-interval", type=float, default=5.0, help="seconds between kernel reads (5)"
    )
    parser.add_argument(
        "--panel-interval", type=float, default=30.0, help="seconds between panel polls (30)"
    )
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.read_interval <= 0 or args.panel_interval <= 0:
        parser.error("--minutes, --read-interval and --panel-interval must be positive")
    return args


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops the stack


def _note_signal(signum: int, frame: object) -> None:
    print(f"(signal {signum} while stopping the stack: stopping goes on)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # for nohup logs
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # Ctrl-C: KeyboardInterrupt, as usual
    t_start = time.monotonic()
    print("soak: jupyterlab-vault-jwt on the real stack (Keycloak, JupyterHub, OpenBao)")
    print(
        f"  python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  stack: {STACK_DIR.relative_to(REPO)}, Keycloak {KC_URL} (60 s id_tokens), hub "
        f"{HUB_URL}, OpenBao {BAO_ADDR} (Vault tokens 2m, max 10m); user {USER}"
    )
    stack = Stack()
    fig = Figures()
    status = 0
    completed = False
    browser = None
    offset = 0
    try:
        hvac, jwt, hub_browser = import_clients()
        print("\nset-up")
        t0 = time.monotonic()
        stack.start()
        browser = open_session(hub_browser, fig, jwt)
        print(f"  set-up done in {time.monotonic() - t0:.1f} s")
        offset = log_size()
        soak(args, hvac, jwt, browser, fig, offset)
        completed = True
        report(fig, fig.now() / 60, offset)
    except SetupFailed as e:
        print(f"\nset-up failed: {e}", file=sys.stderr)
        if HUB_LOG.exists():
            tail = HUB_LOG.read_text(errors="replace").splitlines()[-30:]
            print("  last lines of the hub log:", file=sys.stderr)
            for line in tail:
                print(f"    {mask(line, set())[:200]}", file=sys.stderr)
        status = 1
    except (KeyboardInterrupt, SystemExit) as e:
        status = e.code if isinstance(e, SystemExit) and isinstance(e.code, int) else 130
        print(f"\ninterrupted (exit {status})", file=sys.stderr)
        if fig.t0:
            report(fig, fig.now() / 60, offset)
    finally:
        signal.signal(signal.SIGINT, _note_signal)
        signal.signal(signal.SIGTERM, _note_signal)
        if browser is not None:
            browser.close()
        if stack.started:
            print("\nstopping the stack")
            stack.stop()
    print(f"  wall time of the script {time.monotonic() - t_start:.1f} s")
    if completed and status == 0:
        return 0
    return status or 1


if __name__ == "__main__":
    sys.exit(main())
