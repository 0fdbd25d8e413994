"""The hub's id_token path at fleet scale: N simulated single-user servers against the REAL hub
(demo/jupyterhub_config.py with its id_token service), Keycloak (60 s tokens) and OpenBao.

Not part of the test suite; prints its figures. Needs Keycloak and OpenBao running and seeded,
as scripts/test.sh starts them (same environment variables: KC_URL, OPENBAO_ADDR; Keycloak with
KC_TOKEN_LIFESPAN=60). It starts its own JupyterHub (the demo config, plus a bench-only admin
service whose token creates the users) on BENCH_HUB_PORT [18400 + TEST_PORT_OFFSET] (+1 proxy
API, +81 hub API, +82 id_token service), state in a temporary directory, stopped at the end.

How the fleet is made (documented in docs/deploying.md, "Sizing"):

1. For each user ``fleet-NNNN``: a Keycloak user (admin API, idempotent), a password grant
   (Keycloak's token endpoint, client ``jupyterhub``: the tokens a browser login would leave),
   the hub user (``POST /hub/api/users/<name>``) and its auth_state as the authenticator stores
   it after a login (``PATCH /hub/api/users/<name>`` with ``auth_state``: id, access and
   refresh token), then the user's server API token: ``POST /hub/api/users/<name>/tokens`` with
   ``roles: ["server"]``, the role JupyterHub gives ``$JUPYTERHUB_API_TOKEN`` (no process is
   spawned: 1,000 JupyterLab servers do not fit a 2-core machine; the hub's side of each server
   is only that token).
2. Each simulated server (an asyncio task; all share one pooled httpx client) does what the
   server companion and the panel do: look the service's URL up once
   (``GET /hub/api/services/vault-jwt-id-token``), then ``GET <url>/services/<name>/id-token``
   with its own token; log in to OpenBao (``auth/jwt/login``, role ``jupyter``) with every new
   id_token; ask again ``--client-lead`` seconds before the token expires (the panel's refresh
   lead), 5-30 s later when the hub handed back the same token, 15 s after a failure. Starts
   are spread over the first ``--ramp`` seconds.
3. A fetch counts as valid when the id_token's signature verifies against the realm's JWKS,
   with the right issuer and audience, not expired, for that user.

Figures: share of valid fetches; IdP refresh grants (the hub's refresh hook logs one line per
grant) per user per token lifetime; p50/p99 of the hub's own request times (from its log) and
of the service as a server sees it; CPU seconds of the hub, the service and the proxy (from
/proc) per 1,000 user-hours, and the users per hub CPU core that implies.

JupyterHub uses pycurl for its HTTP client when it is installed, as it recommends for many users
(``pip install pycurl==7.45.7`` in this environment; the bench prints which client the hub used).

    python bench/hub_fleet.py                      # 1,000 users, 10 minutes
    python bench/hub_fleet.py --users 200 --duration 300
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt

REPO = Path(__file__).resolve().parent.parent
OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "0"))
SERVICE = "vault-jwt-id-token"
CLIENT_ID = "jupyterhub"
CLIENT_SECRET = os.environ.get("KC_CLIENT_SECRET", "jupyterhub-demo-secret")
KC_ADMIN = os.environ.get("KC_BOOTSTRAP_ADMIN_USERNAME", "admin")
KC_ADMIN_PASSWORD = os.environ.get("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin")
# "[I 2026-12-07 01:07:59.026 JupyterHub log:192] 200 GET /hub/api/user (alice@127.0.0.1) 143.06ms"
HUB_REQUEST = re.compile(
    r"\] (\d{3}) (GET|POST|PATCH) (/hub/api/[^ ?]+)\S* \(([^@)]*)@[^)]*\) ([\d.]+)ms$"
)
# JupyterHub uses pycurl for its HTTP client (the IdP refreshes) when the hub's Python has it; the
# bench's hub runs in this interpreter's environment.
PYCURL = importlib.util.find_spec("pycurl") is not None
GRANT = re.compile(r"The id_token of (\S+) .*: refreshing the tokens\.")
BENCH_CONFIG = """\
# hub_fleet.py: the demo hub, plus an admin service for the benchmark's set-up.
load_subconfig({demo!r})
c.JupyterHub.services.append({{"name": "hub-fleet-bench", "api_token": {token!r}}})
c.JupyterHub.load_roles.append(
    {{
        "name": "hub-fleet-bench",
        "scopes": ["admin:users", "tokens", "list:users"],
        "services": ["hub-fleet-bench"],
    }}
)
c.JupyterHub.log_level = "INFO"
"""
MAX_CLIENTS_CONFIG = """\
# --hub-max-clients: tornado's HTTP clients (simple and pycurl) make at most 10 requests at once
# (to the IdP). JupyterHub picks its client (pycurl when installed) after reading this file, which
# resets any max_clients set here, so size the client right after that choice.
from jupyterhub.app import JupyterHub
from tornado.httpclient import AsyncHTTPClient
_init_pycurl = JupyterHub.init_pycurl


def _init_pycurl_then_size(self):
    _init_pycurl(self)
    AsyncHTTPClient.configure(AsyncHTTPClient.configured_class(), max_clients={max_clients})


JupyterHub.init_pycurl = _init_pycurl_then_size
"""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def find_pid(env_key: str, env_value: str, api_url: str) -> int | None:
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            entries = environ.read_bytes().split(b"\0")
        except OSError:
            continue
        env = dict(e.decode(errors="replace").partition("=")[::2] for e in entries if b"=" in e)
        if env.get(env_key) == env_value and env.get("JUPYTERHUB_API_URL") == api_url:
            return int(environ.parent.name)
    return None


class BenchHub:
    """The demo JupyterHub with a bench admin service, in a temporary state directory."""

    def __init__(
        self, port: int, kc_url: str, lead: float, refresh_age: int, vault: str, max_clients: int
    ):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.api = f"http://127.0.0.1:{port + 81}/hub/api"
        self.admin_token = secrets.token_hex(32)
        self.dir = Path(tempfile.mkdtemp(prefix="hub-fleet-"))
        self.log_path = self.dir / "hub" / "jupyterhub.log"
        (self.dir / "hub").mkdir()
        config = self.dir / "bench_config.py"
        config.write_text(
            BENCH_CONFIG.format(
                demo=str(REPO / "demo/jupyterhub_config.py"), token=self.admin_token
            )
        )
        env = {
            **os.environ,
            "STACK_DIR": str(self.dir),
            "HUB_PORT": str(port),
            "KC_URL": kc_url,
            "HUB_REFRESH_LEAD_SECONDS": str(lead),
            "HUB_AUTH_REFRESH_AGE": str(refresh_age),
            "JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32),
            "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32),
            "VAULT_ADDR": vault,
        }
        env.pop("HUB_SINGLEUSER_TESTING", None)
        self.log_file = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [str(REPO / ".venv/bin/jupyterhub"), "-f", str(config)],
            cwd=self.dir,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the bench hub exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/services/{SERVICE}/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the bench hub did not start in {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log_file.close()


@dataclass
class Stats:
    fetches: int = 0
    valid: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    lookups: int = 0
    new_tokens: int = 0
    vault_logins: int = 0
    vault_failures: int = 0
    tokens_seen: dict[str, set[str]] = field(default_factory=dict)


class Keycloak:
    def __init__(self, kc_url: str):
        base = kc_url.rstrip("/").split("/realms/")[0]
        self.base = base
        self.realm = f"{base}/realms/jupyterhub"
        self.admin = f"{base}/admin/realms/jupyterhub"
        self.oidc = httpx.get(f"{self.realm}/.well-known/openid-configuration", timeout=30).json()
        self.jwks = jwt.PyJWKClient(self.oidc["jwks_uri"], cache_keys=True)
        self._admin: tuple[float, dict[str, str]] | None = None
        self._admin_lock = asyncio.Lock()

    async def admin_headers(self, http: httpx.AsyncClient) -> dict[str, str]:
        """The master realm admin's bearer header (its token lives 60 s: renewed after 30 s)."""
        async with self._admin_lock:
            if self._admin is None or time.monotonic() - self._admin[0] > 30:
                self._admin = (time.monotonic(), await self._admin_login(http))
            return self._admin[1]

    async def _admin_login(self, http: httpx.AsyncClient) -> dict[str, str]:
        response = await http.post(
            f"{self.base}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": KC_ADMIN,
                "password": KC_ADMIN_PASSWORD,
            },
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def verify(self, token: str, user: str) -> bool:
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=CLIENT_ID,
                issuer=self.oidc["issuer"],
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.PyJWTError:
            return False
        return claims.get("preferred_username") == user


async def make_user(http: httpx.AsyncClient, kc: Keycloak, hub: BenchHub, name: str) -> str:
    """Keycloak user, login tokens, hub user with auth_state, server token: the token."""
    password = f"{name}-password"
    admin = await kc.admin_headers(http)
    response = await http.post(
        f"{kc.admin}/users",
        headers=admin,
        json={
            "username": name,
            "enabled": True,
            "email": f"{name}@example.org",
            "emailVerified": True,
            "firstName": "Fleet",
            "lastName": name,
            "credentials": [{"type": "password", "value": password, "temporary": False}],
            # OpenBao's role jupyter reads the groups claim (demo/openbao_seed.py).
            "groups": ["/reader"],
        },
    )
    if response.status_code == 409:  # made by an earlier run: make sure it is in the group
        found = (
            await http.get(
                f"{kc.admin}/users", headers=admin, params={"exact": "true", "username": name}
            )
        ).json()
        groups = (
            await http.get(f"{kc.admin}/groups", headers=admin, params={"search": "reader"})
        ).json()
        group = next(g["id"] for g in groups if g["name"] == "reader")
        await http.put(f"{kc.admin}/users/{found[0]['id']}/groups/{group}", headers=admin)
    elif response.status_code != 201:
        raise SystemExit(f"Keycloak refused user {name}: HTTP {response.status_code}")
    response = await http.post(
        kc.oidc["token_endpoint"],
        data={
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": name,
            "password": password,
            "scope": "openid profile email",
        },
    )
    if response.status_code != 200:
        raise SystemExit(f"Keycloak refused the login of {name}: HTTP {response.status_code}")
    tokens = response.json()
    hub_auth = {"Authorization": f"token {hub.admin_token}"}
    response = await http.post(f"{hub.api}/users/{name}", headers=hub_auth)
    if response.status_code not in (201, 409):
        raise SystemExit(f"the hub refused user {name}: HTTP {response.status_code}")
    auth_state = {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "id_token": tokens["id_token"],
        "scope": tokens.get("scope", "").split(),
        "token_response": tokens,
        "oauth_user": {"preferred_username": name},
    }
    response = await http.patch(
        f"{hub.api}/users/{name}", headers=hub_auth, json={"auth_state": auth_state}
    )
    if response.status_code != 200:
        raise SystemExit(f"the hub refused the auth_state of {name}: HTTP {response.status_code}")
    response = await http.post(
        f"{hub.api}/users/{name}/tokens",
        headers=hub_auth,
        json={"roles": ["server"], "note": f"Server at /user/{name}/ (hub_fleet)"},
    )
    if response.status_code != 201:
        raise SystemExit(f"the hub refused a server token for {name}: {response.text[:200]}")
    return response.json()["token"]


async def simulated_server(
    http: httpx.AsyncClient,
    hub: BenchHub,
    kc: Keycloak,
    vault: str | None,
    name: str,
    token: str,
    stats: Stats,
    start_at: float,
    end_at: float,
    client_lead: float,
) -> None:
    headers = {"Authorization": f"token {token}"}
    await asyncio.sleep(max(0, start_at - time.monotonic()))
    url = None
    while url is None and time.monotonic() < end_at:
        stats.lookups += 1
        try:
            response = await http.get(f"{hub.api}/services/{SERVICE}", headers=headers)
            model = response.json()
            url = f"{model['url'].rstrip('/')}{model['prefix']}id-token"
        except (httpx.HTTPError, ValueError, KeyError) as e:
            key = f"lookup {type(e).__name__}"
            stats.errors[key] = stats.errors.get(key, 0) + 1
            await asyncio.sleep(15)
    last = None
    seen = stats.tokens_seen.setdefault(name, set())
    while url is not None and time.monotonic() < end_at:
        started = time.monotonic()
        try:
            response = await http.get(url, headers=headers, params={"user": name})
            code = "ok" if response.status_code == 200 else response.json()["error"]["code"]
        except (httpx.HTTPError, ValueError, KeyError) as e:
            code = type(e).__name__
        stats.latencies.append(time.monotonic() - started)
        stats.fetches += 1
        delay = 15.0
        if code == "ok":
            id_token = response.json()["id_token"]
            ok = await asyncio.to_thread(kc.verify, id_token, name)
            if ok:
                stats.valid += 1
            else:
                stats.errors["invalid_token"] = stats.errors.get("invalid_token", 0) + 1
            exp = jwt.decode(id_token, options={"verify_signature": False})["exp"]
            left = exp - time.time()
            if id_token != last:
                if last is not None:
                    stats.new_tokens += 1
                last = id_token
                seen.add(id_token)
                if vault:
                    try:
                        login = await http.post(
                            f"{vault}/v1/auth/jwt/login", json={"role": "jupyter", "jwt": id_token}
                        )
                        login_ok = login.status_code == 200
                    except httpx.HTTPError:
                        login_ok = False
                    stats.vault_logins += 1
                    stats.vault_failures += not login_ok
                delay = max(1.0, left - client_lead)
            else:
                delay = min(30.0, max(5.0, left / 4))
        else:
            stats.errors[code] = stats.errors.get(code, 0) + 1
        await asyncio.sleep(min(delay, max(0.0, end_at - time.monotonic())))


def parse_hub_log(path: Path, since: float, until: float) -> tuple[dict, int]:
    """Request times (ms) by route kind, and refresh grants, between two wall-clock times."""
    times: dict[str, list[float]] = {"whoami": [], "users": [], "services": [], "other": []}
    grants = 0
    stamp = re.compile(r"^\[\w (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)")
    for line in path.read_text(errors="replace").splitlines():
        m = stamp.match(line)
        if not m:
            continue
        t = time.mktime(time.strptime(m.group(1).split(".")[0], "%Y-%m-%d %H:%M:%S"))
        if not since <= t <= until:
            continue
        if GRANT.search(line):
            grants += 1
        r = HUB_REQUEST.search(line)
        if r:
            path_ = r.group(3)
            kind = (
                "whoami"
                if path_ == "/hub/api/user"
                else "users"
                if path_.startswith("/hub/api/users/")
                else "services"
                if path_.startswith("/hub/api/services/")
                else "other"
            )
            times[kind].append(float(r.group(5)))
    return times, grants


async def run(args: argparse.Namespace) -> None:
    kc = Keycloak(args.kc_url)
    lifespan = None
    hub = BenchHub(
        args.hub_port,
        args.kc_url,
        args.hub_lead,
        args.refresh_age,
        args.vault or "",
        args.hub_max_clients,
    )
    try:
        await asyncio.to_thread(hub.wait_up)
        names = [f"fleet-{i:04d}" for i in range(args.users)]
        limits = httpx.Limits(
            max_connections=args.connections, max_keepalive_connections=args.connections
        )
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            t0 = time.monotonic()
            sem = asyncio.Semaphore(args.setup_concurrency)

            async def one(name: str) -> str:
                async with sem:
                    return await make_user(http, kc, hub, name)

            tokens = await asyncio.gather(*(one(n) for n in names))
            first = jwt.decode(
                (
                    await http.post(
                        kc.oidc["token_endpoint"],
                        data={
                            "grant_type": "password",
                            "client_id": CLIENT_ID,
                            "client_secret": CLIENT_SECRET,
                            "username": names[0],
                            "password": f"{names[0]}-password",
                            "scope": "openid",
                        },
                    )
                ).json()["id_token"],
                options={"verify_signature": False},
            )
            lifespan = first["exp"] - first["iat"]
            print(
                f"set-up: {args.users} users with auth_state and server tokens in "
                f"{time.monotonic() - t0:.0f}s; "
                f"Keycloak id_token lifespan {lifespan}s",
                flush=True,
            )

            service_pid = find_pid("JUPYTERHUB_SERVICE_NAME", SERVICE, hub.api)
            proxy_pid = int((hub.dir / "hub" / "jupyterhub-proxy.pid").read_text().strip())
            pids = {
                "hub": hub.proc.pid,
                "service": service_pid,
                "proxy": proxy_pid,
                "bench": os.getpid(),
            }
            stats = Stats()
            start = time.monotonic()
            end = start + args.duration
            wall_start = time.time()
            cpu0 = {k: cpu_seconds(p) for k, p in pids.items() if p}
            load0 = os.getloadavg()
            await asyncio.gather(
                *(
                    simulated_server(
                        http,
                        hub,
                        kc,
                        args.vault,
                        name,
                        token,
                        stats,
                        start + random.uniform(0, args.ramp),
                        end,
                        args.client_lead,
                    )
                    for name, token in zip(names, tokens, strict=True)
                )
            )
            cpu1 = {k: cpu_seconds(p) for k, p in pids.items() if p}
            load1 = os.getloadavg()
            wall_end = time.time()
    finally:
        await asyncio.to_thread(hub.stop)
    elapsed = wall_end - wall_start
    times, grants = parse_hub_log(hub.log_path, wall_start, wall_end)
    cpu = {k: cpu1[k] - cpu0[k] for k in cpu0}
    user_hours = args.users * elapsed / 3600
    print()
    print(
        f"hub_fleet: {args.users} simulated servers for {elapsed:.0f}s against JupyterHub "
        f"(demo config, refresh lead {args.hub_lead:g}s, auth_refresh_age {args.refresh_age}s, "
        f"HTTP client {'pycurl' if PYCURL else 'tornado simple (no pycurl)'}, max_clients "
        f"{args.hub_max_clients or '10 (default)'}), "
        f"Keycloak ({lifespan}s id_tokens), OpenBao "
        f"({'login with each new id_token' if args.vault else 'not used'})"
    )
    print(
        f"  fetches: {stats.fetches}, valid id_tokens: {stats.valid} = "
        f"{100 * stats.valid / max(1, stats.fetches):.2f}% (target 100%); "
        f"errors: {stats.errors or 'none'}"
    )
    # A server asks client-lead seconds before its id_token expires; the hub refreshes when the
    # token expires within hub-lead seconds. So an id_token is in use for lifespan minus the
    # smaller lead (one cycle), and each server's first ask refreshes the set-up's stale token:
    # users x (1 + active time / cycle) grants is the floor, one per id_token lifetime (target 1).
    cycle = lifespan - min(args.client_lead, args.hub_lead)
    cycles = args.users * (1 + max(0.0, elapsed - args.ramp / 2) / cycle)
    print(
        f"  IdP refresh grants: {grants} = {grants / max(cycles, 1e-9):.2f} per user per token "
        f"lifetime in use ({lifespan}s id_tokens, in use {cycle:g}s; target 1); per {lifespan}s: "
        f"{grants / max(args.users * elapsed / lifespan, 1e-9):.2f}; "
        f"refreshed id_tokens the servers got: {stats.new_tokens} "
        f"(= {stats.new_tokens / max(1, grants):.2f} per grant)"
    )
    if args.vault:
        print(f"  OpenBao logins: {stats.vault_logins}, failed: {stats.vault_failures}")
    for kind, label in (
        ("whoami", "GET /hub/api/user (caller's token; refresh hook runs here)"),
        ("users", "GET /hub/api/users/<name> (service's token, auth_state)"),
    ):
        values = times[kind]
        print(
            f"  hub {label}: {len(values)} requests, p50 {percentile(values, 50):.1f} ms, "
            f"p99 {percentile(values, 99):.1f} ms"
        )
    lat = [1000 * v for v in stats.latencies]
    print(
        f"  service (GET id-token as a server sees it): p50 {percentile(lat, 50):.1f} ms, "
        f"p99 {percentile(lat, 99):.1f} ms, "
        f"mean {statistics.fmean(lat) if lat else float('nan'):.1f} ms"
    )
    for name in ("hub", "service", "proxy", "bench"):
        if name in cpu:
            print(
                f"  CPU {name}: {cpu[name]:.1f}s = {cpu[name] / elapsed * 100:.1f}% of a core = "
                f"{cpu[name] / user_hours * 1000:.0f} CPU-s per 1,000 user-hours"
            )
    hub_side = cpu.get("hub", 0) + cpu.get("service", 0)
    print(
        "  users per hub CPU core: hub process "
        f"{args.users * elapsed / max(cpu['hub'], 1e-9):.0f}; "
        f"hub + service {args.users * elapsed / max(hub_side, 1e-9):.0f} (at this refresh cadence)"
    )
    print(
        f"  machine: {os.cpu_count()} cores, load average {load0[0]:.1f} at the start, "
        f"{load1[0]:.1f} at the end (everything else running on it competes for the cores)"
    )
    print(f"  hub log: {hub.log_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="simulated servers [1000]")
    parser.add_argument("--duration", type=float, default=600, help="seconds [600]")
    parser.add_argument("--ramp", type=float, default=60, help="spread the starts over [60] s")
    parser.add_argument(
        "--client-lead",
        type=float,
        default=15,
        help="ask this many seconds before the id_token expires [15]",
    )
    parser.add_argument("--hub-lead", type=float, default=20, help="hub refresh_lead_seconds [20]")
    parser.add_argument("--refresh-age", type=int, default=10, help="hub auth_refresh_age [10]")
    parser.add_argument("--connections", type=int, default=200, help="HTTP pool size [200]")
    parser.add_argument(
        "--hub-max-clients",
        type=int,
        default=0,
        help="the hub's HTTP client's max_clients (0: tornado's default, 10, with or without "
        "pycurl) [0]",
    )
    parser.add_argument("--setup-concurrency", type=int, default=8, help="[8]")
    parser.add_argument(
        "--hub-port", type=int, default=int(os.environ.get("BENCH_HUB_PORT", 18400 + OFFSET))
    )
    parser.add_argument(
        "--kc-url", default=os.environ.get("KC_URL", f"http://127.0.0.1:{18080 + OFFSET}")
    )
    parser.add_argument(
        "--vault",
        default=os.environ.get("OPENBAO_ADDR", f"http://127.0.0.1:{18200 + OFFSET}"),
        help="OpenBao address; '' to skip the logins",
    )
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
