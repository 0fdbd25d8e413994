"""Seed a running OpenBao (or Vault) dev server for the jupyterlab-vault-jwt demo and tests.

Run with the root token (read from a file; it is never printed or logged) against a dev server
started by ``scripts/openbao.sh start``; ``scripts/openbao.sh seed`` runs this script. Running it
again is harmless: mounts, auth methods and groups that exist are kept, policies, roles and auth
settings are rewritten, and secrets are written only when their data differ.

What it configures:

1. KV mounts: ``secret/`` (KV v2, already there in dev mode), ``team-kv/`` (KV v2) and
   ``legacy/`` (KV v1), with a small tree of obviously fake secrets, including one with a
   hostile-but-valid name (quotes, an apostrophe, spaces and non-ASCII letters).
2. ACL policies: ``kv-all`` (list and read everything in the three mounts, plus OpenBao's
   ``scan``) and ``kv-reader`` (a subset: list+read under ``secret/apps/billing/`` except a
   ``deny`` on ``apps/billing/stripe``, ``secret/shared/``, ``team-kv/data-science/``, and one
   exact-path read grant without list on its folder: ``secret/management/board/minutes-key``).
3. JWT auth trusting Keycloak (``--keycloak-realm-url``): auth method ``jwt`` at ``auth/jwt``
   with ``oidc_discovery_url`` and ``bound_issuer`` = the realm URL, and role ``jupyter``
   (``role_type=jwt``, ``bound_audiences``, ``user_claim=preferred_username``,
   ``groups_claim=groups``, only the ``default`` policy on the token itself, TTLs from options).
4. Optionally, for tests without Keycloak (``--test-pubkey FILE --test-issuer URL``): a second
   JWT auth method at ``auth/jwt-test`` that trusts that public key (``jwt_validation_pubkeys``),
   with the same role ``jupyter``.
5. Vault's own OIDC sign-in trusting Keycloak (with ``--keycloak-realm-url``): auth method ``oidc``
   at ``auth/oidc`` as Keycloak's confidential client ``vault-oidc``, with roles ``jupyter``
   (the pop-up comes back to the Jupyter server's ``vault-jwt/signin/vault-oidc/callback`` on
   loopback), ``jupyter-device`` (``callback_mode=device``) and ``jupyter-direct``
   (``callback_mode=direct``), and the groups ``management-oidc`` / ``reader-oidc``.
6. External identity groups that map the IdP's ``groups`` claim to policies: ``management``
   (policy ``kv-all``) and ``reader`` (``kv-reader``), each with a group alias named like the
   Keycloak group on ``auth/jwt``. An external group has exactly one alias, so the test mount
   gets its own pair, ``management-jwt-test`` and ``reader-jwt-test``, with the same policies
   and aliases ``management`` / ``reader`` on ``auth/jwt-test``.

Check mode (``--check-login USER PASSWORD``) configures nothing: it gets an id_token for USER from
Keycloak with the password grant (the demo client allows direct access grants), logs in at
``auth/jwt/login`` with role ``jupyter``, prints the policies (``--expect-policy`` makes a missing
one an error) and revokes the token again. No token is ever printed.

Examples::

    .venv/bin/python demo/openbao_seed.py --addr http://127.0.0.1:8200 \\
        --root-token-file .stack/demo/openbao/root_token \\
        --keycloak-realm-url http://127.0.0.1:8080/realms/jupyterhub
    .venv/bin/python demo/openbao_seed.py --addr http://127.0.0.1:8200 \\
        --keycloak-realm-url http://127.0.0.1:8080/realms/jupyterhub \\
        --check-login alice alice-password --expect-policy kv-all

Errors from OpenBao are printed as one short line (method, path, HTTP status and its
``errors`` list) and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

PROG = "openbao_seed"

# --- what goes in -------------------------------------------------------------------------

# mount path -> KV version
MOUNTS: dict[str, int] = {"secret": 2, "team-kv": 2, "legacy": 1}

# (mount, path) -> data. Every value is fake.
SECRETS: dict[tuple[str, str], dict[str, str]] = {
    ("secret", "apps/billing/db"): {
        "username": "billing_app",
        "password": "demo-only-billing-db-password",
    },
    ("secret", "apps/billing/stripe"): {"api_key": "sk_test_DEMO_ONLY_not_a_real_key"},
    ("secret", "apps/portal/oauth"): {
        "client_id": "portal-demo",
        "client_secret": "demo-only-portal-client-secret",
    },
    ("secret", "shared/smtp"): {
        "host": "smtp.example.invalid",
        "user": "notebooks@example.invalid",
        "password": "demo-only-smtp-password",
    },
    ("secret", 'shared/it\'s "quoted" ünïcode'): {
        "note": "a valid but hostile secret name: quotes, an apostrophe, spaces, non-ASCII",
        "value": "demo-only-value",
    },
    ("secret", "management/payroll/bank"): {"iban": "XX00 DEMO 0000 0000 0000 00"},
    ("secret", "management/board/minutes-key"): {"key": "demo-only-board-minutes-key"},
    ("team-kv", "data-science/warehouse"): {
        "dsn": "postgresql://analyst:demo-only@warehouse.example.invalid:5432/dwh",
    },
    ("team-kv", "data-science/s3/readonly"): {
        "access_key": "DEMOACCESSKEYNOTREAL",
        "secret_key": "demo-only-s3-secret-key",
    },
    ("legacy", "ldap/bind"): {
        "dn": "cn=jupyter,ou=services,dc=example,dc=invalid",
        "password": "demo-only-ldap-password",
    },
    ("legacy", "ci/deploy-token"): {"token": "demo-only-ci-deploy-token"},
}

POLICIES: dict[str, str] = {
    "kv-all": """\
# Every secret in the demo's KV mounts: browse (list; scan on OpenBao >= 2.2) and read.
path "secret/metadata/*" {
  capabilities = ["list", "scan", "read"]
}
path "secret/data/*" {
  capabilities = ["read"]
}
path "team-kv/metadata/*" {
  capabilities = ["list", "scan", "read"]
}
path "team-kv/data/*" {
  capabilities = ["read"]
}
path "legacy/*" {
  capabilities = ["list", "scan", "read"]
}
""",
    "kv-reader": """\
# A reader: parts of the tree only.
# secret/apps/billing/: list and read, except the Stripe key (deny wins over the glob).
path "secret/metadata/apps/billing/*" {
  capabilities = ["list"]
}
path "secret/data/apps/billing/*" {
  capabilities = ["read"]
}
path "secret/data/apps/billing/stripe" {
  capabilities = ["deny"]
}
# secret/shared/: list and read.
path "secret/metadata/shared/*" {
  capabilities = ["list"]
}
path "secret/data/shared/*" {
  capabilities = ["read"]
}
# team-kv/data-science/: list and read.
path "team-kv/metadata/data-science/*" {
  capabilities = ["list"]
}
path "team-kv/data/data-science/*" {
  capabilities = ["read"]
}
# One secret readable by its exact path, without list on its folder
# (a catalog finds it through sys/internal/ui/resultant-acl).
path "secret/data/management/board/minutes-key" {
  capabilities = ["read"]
}
""",
}

# identity group (and IdP group name) -> policies
GROUPS: dict[str, list[str]] = {"management": ["kv-all"], "reader": ["kv-reader"]}

KEYCLOAK_MOUNT = "jwt"
TEST_MOUNT = "jwt-test"
OIDC_MOUNT = "oidc"
#: The Keycloak client of auth/oidc (demo/realm-jupyterhub.json) and the Jupyter server's callback.
OIDC_CLIENT = "vault-oidc"
OIDC_CALLBACK = "vault-jwt/signin/vault-oidc/callback"
#: OpenBao matches loopback redirect URIs without their port (RFC 8252): one entry per host and
#: base URL covers every port. The demo's and the tests' labs run at the root.
OIDC_REDIRECT_URIS = [f"http://{host}/{OIDC_CALLBACK}" for host in ("127.0.0.1", "localhost")]


# --- a small OpenBao client ---------------------------------------------------------------


class BaoError(Exception):
    """An OpenBao request failed; the message is short and holds no token."""


class Bao:
    """Plain HTTP API client with the root token. Paths are relative to /v1/, unquoted."""

    def __init__(self, addr: str, token: str, timeout: float = 30.0) -> None:
        self.http = httpx.Client(
            base_url=f"{addr.rstrip('/')}/v1/",
            headers={"X-Vault-Token": token} if token else {},
            timeout=timeout,
        )

    def request(
        self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = ()
    ) -> tuple[int, dict]:
        """Send a request; return (status, JSON body). Statuses >= 400 not in ``ok`` raise."""
        try:
            response = self.http.request(method, quote(path, safe="/"), json=body)
        except httpx.HTTPError as error:
            raise BaoError(f"{method} {path}: {type(error).__name__}: {error}") from None
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = {"errors": [response.text[:200]]}
        if response.status_code >= 400 and response.status_code not in ok:
            errors = data.get("errors") if isinstance(data, dict) else None
            raise BaoError(f"{method} {path}: HTTP {response.status_code}: {errors or data}")
        return response.status_code, data

    def get(self, path: str, ok: tuple[int, ...] = ()) -> tuple[int, dict]:
        return self.request("GET", path, ok=ok)

    def post(self, path: str, body: Any = None) -> dict:
        return self.request("POST", path, body or {})[1]

    def close(self) -> None:
        self.http.close()


def say(message: str) -> None:
    print(f"{PROG}: {message}", flush=True)


# --- steps --------------------------------------------------------------------------------


def enable_kv_mounts(bao: Bao) -> None:
    """Enable the KV mounts that are missing; fail when one exists with another type/version."""
    _, reply = bao.get("sys/mounts")
    mounts = reply.get("data", reply)
    for mount, version in MOUNTS.items():
        existing = mounts.get(f"{mount}/")
        if existing is None:
            bao.post(f"sys/mounts/{mount}", {"type": "kv", "options": {"version": str(version)}})
            if version == 2:
                wait_until_versioned(bao, mount)
            say(f"enabled KV v{version} at {mount}/")
            continue
        have = str((existing.get("options") or {}).get("version", "1"))
        if existing.get("type") != "kv" or have != str(version):
            raise BaoError(
                f"{mount}/ is already mounted as {existing.get('type')} (version {have}), "
                f"not KV v{version}"
            )


def wait_until_versioned(bao: Bao, mount: str, timeout: float = 15.0) -> None:
    """A new KV v2 mount answers 400 ("Upgrading from non-versioned to versioned data") for a
    moment: wait until its config reads."""
    deadline = time.monotonic() + timeout
    while True:
        status, _ = bao.get(f"{mount}/config", ok=(400,))
        if status == 200:
            return
        if time.monotonic() > deadline:
            raise BaoError(f"{mount}/ (KV v2) was not ready within {timeout:.0f} s")
        time.sleep(0.2)


def kv_data_path(mount: str, path: str) -> str:
    return f"{mount}/data/{path}" if MOUNTS[mount] == 2 else f"{mount}/{path}"


def write_secrets(bao: Bao) -> None:
    """Write the secrets whose current data differ (no new KV v2 version when unchanged)."""
    written = 0
    for (mount, path), data in SECRETS.items():
        api_path = kv_data_path(mount, path)
        status, reply = bao.get(api_path, ok=(404,))
        current = (reply.get("data") or {}) if status == 200 else None
        if MOUNTS[mount] == 2 and current is not None:
            current = current.get("data")
        if current == data:
            continue
        bao.post(api_path, {"data": data} if MOUNTS[mount] == 2 else data)
        written += 1
    say(f"secrets: {written} written, {len(SECRETS) - written} unchanged")


def write_policies(bao: Bao) -> None:
    for name, policy in POLICIES.items():
        bao.request("PUT", f"sys/policies/acl/{name}", {"policy": policy})
    say(f"policies: {', '.join(POLICIES)}")


def enable_jwt_mount(bao: Bao, mount: str) -> str:
    """Enable a JWT auth method at auth/<mount> when missing; return its accessor."""
    _, reply = bao.get("sys/auth")
    methods = reply.get("data", reply)
    existing = methods.get(f"{mount}/")
    if existing is None:
        bao.post(f"sys/auth/{mount}", {"type": "jwt", "description": "JupyterHub id_tokens"})
        say(f"enabled JWT auth at auth/{mount}")
        _, reply = bao.get("sys/auth")
        existing = reply.get("data", reply)[f"{mount}/"]
    elif existing.get("type") != "jwt":
        raise BaoError(f"auth/{mount} is already enabled as {existing.get('type')}, not jwt")
    return existing["accessor"]


def configure_keycloak_trust(bao: Bao, mount: str, realm_url: str) -> None:
    """Trust the Keycloak realm: keys from its discovery document, issuer pinned."""
    bao.post(
        f"auth/{mount}/config",
        {"oidc_discovery_url": realm_url, "bound_issuer": realm_url},
    )
    say(f"auth/{mount} trusts {realm_url} (OIDC discovery)")


def configure_pubkey_trust(bao: Bao, mount: str, pubkey_pem: str, issuer: str) -> None:
    """Trust one fixed public key (for tests that mint their own id_tokens)."""
    bao.post(
        f"auth/{mount}/config",
        {"jwt_validation_pubkeys": [pubkey_pem], "bound_issuer": issuer},
    )
    say(f"auth/{mount} trusts the test public key, issuer {issuer}")


def write_role(bao: Bao, mount: str, args: argparse.Namespace) -> None:
    """Role for id_tokens: role_type must be jwt (the default, oidc, is browser login)."""
    bao.post(
        f"auth/{mount}/role/{args.role}",
        {
            "role_type": "jwt",
            "bound_audiences": [args.audience],
            "user_claim": "preferred_username",
            "groups_claim": "groups",
            "token_policies": ["default"],
            "token_ttl": args.token_ttl,
            "token_max_ttl": args.token_max_ttl,
            "token_type": "service",
        },
    )
    say(
        f"auth/{mount}/role/{args.role}: role_type=jwt, aud={args.audience}, "
        f"ttl {args.token_ttl} (max {args.token_max_ttl})"
    )


def enable_oidc_mount(bao: Bao, realm_url: str, client_secret: str) -> str:
    """auth/oidc (Vault's own OIDC sign-in) trusting the Keycloak realm as its client
    ``vault-oidc``; returns its accessor."""
    _, reply = bao.get("sys/auth")
    existing = reply.get("data", reply).get(f"{OIDC_MOUNT}/")
    if existing is None:
        bao.post(f"sys/auth/{OIDC_MOUNT}", {"type": "oidc", "description": "Vault OIDC sign-in"})
        say(f"enabled OIDC auth at auth/{OIDC_MOUNT}")
        _, reply = bao.get("sys/auth")
        existing = reply.get("data", reply)[f"{OIDC_MOUNT}/"]
    elif existing.get("type") not in ("oidc", "jwt"):
        raise BaoError(f"auth/{OIDC_MOUNT} is already enabled as {existing.get('type')}")
    bao.post(
        f"auth/{OIDC_MOUNT}/config",
        {
            "oidc_discovery_url": realm_url,
            "bound_issuer": realm_url,
            "oidc_client_id": OIDC_CLIENT,
            "oidc_client_secret": client_secret,
            "default_role": "jupyter",
        },
    )
    say(f"auth/{OIDC_MOUNT} trusts {realm_url} as client {OIDC_CLIENT}")
    return existing["accessor"]


def write_oidc_roles(bao: Bao, addr: str, args: argparse.Namespace) -> None:
    """Roles of auth/oidc: ``jupyter`` (the pop-up comes back to the Jupyter server's callback),
    ``jupyter-device`` (callback_mode=device: OpenBao runs a device flow at Keycloak) and
    ``jupyter-direct`` (callback_mode=direct: the pop-up comes back to OpenBao itself)."""
    common = {
        "role_type": "oidc",
        "bound_audiences": [OIDC_CLIENT],
        "user_claim": "preferred_username",
        "groups_claim": "groups",
        "oidc_scopes": ["profile", "email"],
        "claim_mappings": {"preferred_username": "username", "email": "email", "name": "name"},
        "token_policies": ["default"],
        "token_ttl": args.token_ttl,
        "token_max_ttl": args.token_max_ttl,
        "token_type": "service",
    }
    direct = f"{addr.rstrip('/')}/v1/auth/{OIDC_MOUNT}/oidc/callback"
    roles = {
        "jupyter": {"allowed_redirect_uris": OIDC_REDIRECT_URIS},
        # OpenBao wants redirect URIs on every oidc role, though the device flow uses none.
        "jupyter-device": {"callback_mode": "device", "allowed_redirect_uris": OIDC_REDIRECT_URIS},
        "jupyter-direct": {
            "callback_mode": "direct",
            "allowed_redirect_uris": [direct],
            "poll_interval": 1,
        },
    }
    for name, extra in roles.items():
        bao.post(f"auth/{OIDC_MOUNT}/role/{name}", {**common, **extra})
    say(f"auth/{OIDC_MOUNT} roles: {', '.join(roles)} (ttl {args.token_ttl})")


def ensure_external_group(bao: Bao, name: str, policies: list[str], accessor: str, alias: str):
    """An external identity group with these policies and one alias (IdP group) on a mount."""
    bao.post(f"identity/group/name/{name}", {"type": "external", "policies": policies})
    _, reply = bao.get(f"identity/group/name/{name}")
    group = reply["data"]
    if group.get("type") != "external":
        raise BaoError(f"identity group {name} exists but is {group.get('type')}, not external")
    current = group.get("alias") or {}
    body = {"name": alias, "mount_accessor": accessor, "canonical_id": group["id"]}
    if current.get("name") == alias and current.get("mount_accessor") == accessor:
        pass
    elif current.get("id"):
        bao.post(f"identity/group-alias/id/{current['id']}", body)
    else:
        bao.post("identity/group-alias", body)
    say(f"identity group {name} (external, policies {', '.join(policies)}) <- group {alias!r}")


def map_groups(bao: Bao, accessor: str, suffix: str = "") -> None:
    for group, policies in GROUPS.items():
        ensure_external_group(bao, group + suffix, policies, accessor, alias=group)


def check_login(bao: Bao, args: argparse.Namespace) -> None:
    """Password grant at Keycloak, then JWT login at OpenBao; print the policies, revoke."""
    if not args.keycloak_realm_url:
        raise BaoError("--check-login needs --keycloak-realm-url")
    user, password = args.check_login
    token_url = f"{args.keycloak_realm_url.rstrip('/')}/protocol/openid-connect/token"
    try:
        response = httpx.post(
            token_url,
            data={
                "grant_type": "password",
                "client_id": args.client_id,
                "client_secret": args.client_secret,
                "username": user,
                "password": password,
                "scope": "openid",
            },
            timeout=30,
        )
    except httpx.HTTPError as error:
        raise BaoError(f"Keycloak token endpoint: {type(error).__name__}: {error}") from None
    if response.status_code != 200:
        detail = response.json().get("error_description", "") if response.content else ""
        raise BaoError(f"Keycloak password grant for {user}: HTTP {response.status_code} {detail}")
    id_token = response.json().get("id_token")
    if not id_token:
        raise BaoError("Keycloak returned no id_token (is the openid scope allowed?)")

    auth = bao.post(f"auth/{KEYCLOAK_MOUNT}/login", {"role": args.role, "jwt": id_token})["auth"]
    policies = sorted(set(auth.get("policies") or []) | set(auth.get("identity_policies") or []))
    say(
        f"login as {user} at auth/{KEYCLOAK_MOUNT} (role {args.role}): "
        f"policies {', '.join(policies)}; ttl {auth.get('lease_duration')}s"
    )
    user_bao = Bao(args.addr, auth["client_token"])
    try:
        user_bao.post("auth/token/revoke-self")
    finally:
        user_bao.close()
    missing = [p for p in args.expect_policy if p not in policies]
    if missing:
        raise BaoError(f"{user}'s token lacks the expected policies: {', '.join(missing)}")


# --- command line -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Configure a running OpenBao dev server for the jupyterlab-vault-jwt demo: "
        "KV mounts and fake secrets, policies, JWT auth trusting Keycloak (and optionally a "
        "test key), external groups mapped from the id_token's groups claim.",
    )
    parser.add_argument(
        "--addr",
        default=os.environ.get("VAULT_ADDR", os.environ.get("BAO_ADDR", "http://127.0.0.1:8200")),
        help="OpenBao address [VAULT_ADDR, BAO_ADDR, else %(default)s]",
    )
    parser.add_argument(
        "--root-token-file",
        type=Path,
        help="file holding the root token (required unless --check-login)",
    )
    parser.add_argument(
        "--keycloak-realm-url",
        help="Keycloak realm URL (issuer), e.g. http://127.0.0.1:8080/realms/jupyterhub: "
        "configure auth/jwt to trust it",
    )
    parser.add_argument("--test-pubkey", type=Path, help="PEM public key for auth/jwt-test")
    parser.add_argument("--test-issuer", help="bound_issuer of auth/jwt-test")
    parser.add_argument("--role", default="jupyter", help="JWT role name [%(default)s]")
    parser.add_argument(
        "--audience", default="jupyterhub", help="bound_audiences of the role [%(default)s]"
    )
    parser.add_argument("--token-ttl", default="30m", help="token_ttl of the role [%(default)s]")
    parser.add_argument(
        "--token-max-ttl", default="2h", help="token_max_ttl of the role [%(default)s]"
    )
    parser.add_argument(
        "--check-login",
        nargs=2,
        metavar=("USER", "PASSWORD"),
        help="configure nothing; log in as USER through Keycloak and auth/jwt, print policies",
    )
    parser.add_argument(
        "--expect-policy",
        action="append",
        default=[],
        metavar="POLICY",
        help="with --check-login: fail unless the token has this policy (repeatable)",
    )
    parser.add_argument("--client-id", default="jupyterhub", help="Keycloak client [%(default)s]")
    parser.add_argument(
        "--client-secret",
        default=os.environ.get("KC_CLIENT_SECRET", "jupyterhub-demo-secret"),
        help="Keycloak client secret [KC_CLIENT_SECRET, else the demo realm's]",
    )
    parser.add_argument(
        "--oidc-client-secret",
        default=os.environ.get("KC_VAULT_OIDC_SECRET", "vault-oidc-demo-secret"),
        help="secret of the Keycloak client vault-oidc that auth/oidc signs in with "
        "[KC_VAULT_OIDC_SECRET, else the demo realm's]",
    )
    args = parser.parse_args(argv)
    if bool(args.test_pubkey) != bool(args.test_issuer):
        parser.error("--test-pubkey and --test-issuer go together")
    if not args.check_login and not args.root_token_file:
        parser.error("--root-token-file is required")
    return args


def seed(bao: Bao, args: argparse.Namespace) -> None:
    enable_kv_mounts(bao)
    write_secrets(bao)
    write_policies(bao)
    if args.keycloak_realm_url:
        realm_url = args.keycloak_realm_url.rstrip("/")
        accessor = enable_jwt_mount(bao, KEYCLOAK_MOUNT)
        configure_keycloak_trust(bao, KEYCLOAK_MOUNT, realm_url)
        write_role(bao, KEYCLOAK_MOUNT, args)
        map_groups(bao, accessor)
        accessor = enable_oidc_mount(bao, realm_url, args.oidc_client_secret)
        write_oidc_roles(bao, args.addr, args)
        map_groups(bao, accessor, suffix=f"-{OIDC_MOUNT}")
    if args.test_pubkey:
        accessor = enable_jwt_mount(bao, TEST_MOUNT)
        configure_pubkey_trust(bao, TEST_MOUNT, args.test_pubkey.read_text(), args.test_issuer)
        write_role(bao, TEST_MOUNT, args)
        map_groups(bao, accessor, suffix=f"-{TEST_MOUNT}")
    if not args.keycloak_realm_url and not args.test_pubkey:
        say("no JWT auth configured (give --keycloak-realm-url and/or --test-pubkey)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.check_login:
            bao = Bao(args.addr, "")
            try:
                check_login(bao, args)
            finally:
                bao.close()
            return 0
        token = args.root_token_file.read_text().strip()
        if not token:
            raise BaoError(f"{args.root_token_file} is empty")
        bao = Bao(args.addr, token)
        try:
            seed(bao, args)
        finally:
            bao.close()
    except (BaoError, OSError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    say(f"done: {args.addr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
