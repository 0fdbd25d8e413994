"""The OIDC access token on the real hub and Keycloak (issue 15, c.S3Credentials.use_access_token).

scripts/test.sh starts the hub with HUB_TEST_ACCESS_TOKEN_SERVICE=1: demo/jupyterhub_config.py
then runs the main id_token service as by default (access tokens NOT allowed) and a second one,
``vault-jwt-access-token``, with ``configure_jupyterhub(c, allow_access_token=True)`` (which also
grants the ``custom:vault-jwt:access-token`` scope to the user and server roles). So one hub
shows both settings: off, every caller is refused; on, alice's server gets alice's current
Keycloak access token (Keycloak's userinfo endpoint accepts it) and every other caller is
refused."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import jwt
import pytest
from integration_stack import (
    CLIENT_ID,
    HUB_API_URL,
    HUB_URL,
    SERVICE_URL,
    _jwks_client,
    oidc_configuration,
    personal_token,
    server_token_of,
    service_id_token,
    unverified_claims,
    wait_until_hub_refreshes,
)

from jupyter_extension_server import errors
from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.s3 import S3Credentials

ALLOWING = "vault-jwt-access-token"
ALLOWING_URL = f"{HUB_URL}/services/{ALLOWING}/"
SCOPE = "custom:vault-jwt:access-token"


@pytest.fixture(scope="module", autouse=True)
def allowing_service():
    """The second service answers (scripts/hub.sh waits for it when it runs it)."""
    try:
        response = httpx.get(ALLOWING_URL, timeout=10)
    except httpx.HTTPError as e:
        response = None
        problem = type(e).__name__
    else:
        problem = f"HTTP {response.status_code}"
    if response is None or response.status_code != 200:
        pytest.fail(
            f"the hub runs no {ALLOWING} service at {ALLOWING_URL} ({problem}): start it with "
            "HUB_TEST_ACCESS_TOKEN_SERVICE=1 scripts/hub.sh start (scripts/test.sh does)",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def alice_server(alice):
    alice.start_server("alice")
    try:
        assert alice.open_server("alice").status_code == 200
        yield server_token_of("alice")
    finally:
        alice.stop_server("alice")


@pytest.fixture(scope="module")
def bob_server(bob):
    bob.start_server("bob")
    try:
        yield server_token_of("bob")
    finally:
        bob.stop_server("bob")


def ask_access_token(token: str | None, url: str, user: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"token {token}"} if token is not None else {}
    params = {"user": user} if user is not None else None
    return httpx.post(f"{url}access-token", headers=headers, params=params, timeout=30)


def refusal(response: httpx.Response) -> tuple[int, str]:
    assert "eyJ" not in response.text, "a JWT in a refusal"
    return response.status_code, response.json()["error"]["code"]


def keycloak_userinfo(access_token: str) -> httpx.Response:
    return httpx.get(
        oidc_configuration()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=30,
    )


def verify_access_token(token: str) -> dict:
    """The claims of a Keycloak access token of our client: signature (realm JWKS), issuer,
    not expired, issued to the hub's client, a bearer token; and Keycloak's userinfo endpoint
    accepts it."""
    key = _jwks_client().get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        issuer=oidc_configuration()["issuer"],
        options={"verify_aud": False, "require": ["exp", "iat", "iss", "sub"]},
    )
    assert claims["typ"] == "Bearer" and claims["azp"] == CLIENT_ID, claims
    response = keycloak_userinfo(token)
    assert response.status_code == 200, response.status_code
    assert response.json()["sub"] == claims["sub"]
    return claims


def test_with_the_setting_off_every_caller_is_refused(alice, alice_server):
    """The main service (allow_access_token off): alice's server token (as a kernel or a
    terminal of her server can read it) and her personal token are refused, although both hold
    the scope; the id_token route still answers the id_token alone."""
    tokens = {"server": alice_server, "personal": personal_token(alice)}
    for what, token in tokens.items():
        scopes = httpx.get(
            f"{HUB_API_URL}/user", headers={"Authorization": f"token {token}"}, timeout=30
        ).json()["scopes"]
        assert SCOPE in scopes, (what, scopes)
        response = ask_access_token(token, SERVICE_URL, user="alice")
        assert refusal(response) == (403, "access_token_not_allowed"), what
        assert service_id_token(token, user="alice")  # only {"id_token"}: checked there


def test_with_the_setting_on_the_server_gets_a_valid_keycloak_access_token(alice, alice_server):
    response = ask_access_token(alice_server, ALLOWING_URL, user="alice")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token"}  # never the refresh_token, nor the id_token
    claims = verify_access_token(body["access_token"])
    assert claims["preferred_username"] == "alice"
    assert claims["exp"] > time.time()
    assert keycloak_userinfo(body["access_token"]).json()["preferred_username"] == "alice"


def test_the_server_companion_reads_it_through_the_real_service(alice, alice_server):
    """IdTokenService's hub source (what S3Credentials.use_access_token uses), with alice's
    server token, against the real hub and the allowing service."""

    async def read() -> tuple[str, str]:
        service = IdTokenService(
            hub_api_url=HUB_API_URL,
            hub_user="alice",
            hub_api_token=alice_server,
            hub_service_name=ALLOWING,
            sources=["hub"],
        )
        try:
            with pytest.raises(RuntimeError):
                await service.access_token()  # not asked for: never read
            service.want_access_token()
            return await service.access_token(), (await service.refresh()).id_token
        finally:
            await service.close()

    access_token, id_token = asyncio.run(read())
    assert access_token != id_token
    assert verify_access_token(access_token)["preferred_username"] == "alice"


def test_the_setting_on_still_refuses_everyone_else(alice, bob, alice_server, bob_server):
    # bob's server and bob's own token, asking for alice's: refused (without a name, bob's).
    for bob_token in (bob_server, personal_token(bob)):
        assert refusal(ask_access_token(bob_token, ALLOWING_URL, user="alice")) == (
            403,
            "wrong_user",
        )
        mine = ask_access_token(bob_token, ALLOWING_URL)
        assert verify_access_token(mine.json()["access_token"])["preferred_username"] == "bob"
    # A personal token of alice made with the service's scope only, not the access token's.
    narrow = personal_token(
        alice, note="service only", scopes=[f"access:services!service={ALLOWING}"]
    )
    assert refusal(ask_access_token(narrow, ALLOWING_URL)) == (403, "access_token_not_allowed")
    assert service_id_token(narrow, url=ALLOWING_URL)  # the id_token it may still get
    # A token of alice without the service's scope at all.
    other = personal_token(alice, note="name only", scopes=["read:users:name!user"])
    assert refusal(ask_access_token(other, ALLOWING_URL)) == (403, "forbidden")
    # No token, a bogus one, alice's browser cookies.
    assert refusal(ask_access_token(None, ALLOWING_URL)) == (401, "unauthenticated")
    assert refusal(ask_access_token("not-a-hub-token", ALLOWING_URL)) == (401, "login_required")
    response = alice.client.post(f"{ALLOWING_URL}access-token")
    assert refusal(response) == (401, "unauthenticated")


def test_the_access_token_is_refreshed_with_the_id_token(alice, alice_server):
    """With 60 s tokens: the hub's refresh (run when the service asks who is calling) replaces
    the access token together with the id_token."""
    first = ask_access_token(alice_server, ALLOWING_URL).json()["access_token"]
    id_token = service_id_token(alice_server, url=ALLOWING_URL)
    wait_until_hub_refreshes(id_token)
    second = ask_access_token(alice_server, ALLOWING_URL).json()["access_token"]
    assert second != first
    claims = verify_access_token(second)
    assert claims["exp"] > unverified_claims(first)["exp"]


S3_ENDPOINT = os.environ.get("S3_ENDPOINT", "http://127.0.0.1:18300").rstrip("/")


def test_s3_credentials_from_the_access_token_on_the_real_hub_and_seaweedfs(
    alice, alice_server, tmp_path
):
    """The whole path: alice's server companion (her real server token) with
    c.S3Credentials.use_access_token asks the hub for her access token and assumes her group's
    role at the real SeaweedFS (scripts/test.sh keeps it running for these tests); under the
    service that does not allow it, the card's error is access_token_not_allowed."""
    try:
        seaweed = httpx.get(f"{S3_ENDPOINT}/status", timeout=10).status_code
    except httpx.HTTPError as e:
        seaweed = type(e).__name__
    if seaweed != 200:
        pytest.fail(
            f"SeaweedFS does not answer at {S3_ENDPOINT} ({seaweed}): `scripts/seaweedfs.sh "
            "start && scripts/seaweedfs.sh seed` (scripts/test.sh runs it for these tests)",
            pytrace=False,
        )

    async def renew(service_name: str) -> tuple[S3Credentials, list[str] | None]:
        identity = IdTokenService(
            hub_api_url=HUB_API_URL,
            hub_user="alice",
            hub_api_token=alice_server,
            hub_service_name=service_name,
            sources=["hub"],
        )
        s3 = S3Credentials(
            identity=identity,
            endpoint=S3_ENDPOINT,
            role_arn="arn:aws:iam::role/jupyter-management",
            duration_seconds=900,
            credentials_file=str(tmp_path / service_name / "credentials"),
            use_access_token=True,
        )
        try:
            try:
                await s3.renew()
            except errors.VaultJwtError:
                return s3, None
            return s3, await s3.buckets()
        finally:
            await s3.close()
            await identity.close()

    s3, buckets = asyncio.run(renew(ALLOWING))
    assert buckets == ["management-data"], s3.status().error
    s3, buckets = asyncio.run(renew("vault-jwt-id-token"))
    assert buckets is None
    assert s3.status().error.code == "access_token_not_allowed"
