"""The OIDC access token for an STS that wants it (c.S3Credentials.use_access_token): the server
reads it from the hub's REAL id_token service (conftest's ``FakeHub`` is a plainly named fake of
the hub's API behind it) only when S3Credentials asks, and the service answers it only when the
hub's administrator allowed it. The STS is a FAKE (an httpx MockTransport recording the form).
The real hub and Keycloak are in tests/integration/test_access_token_hub.py."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

import httpx
import pytest

from jupyter_extension_server import errors
from jupyter_extension_server.hubservice import ACCESS_TOKEN_SCOPE
from jupyter_extension_server.s3 import S3Credentials

from .conftest import HUB_TOKEN, OWNER, SERVICE_PREFIX, mint_id_token

ACCESS_TOKEN = mint_id_token(lifetime=300, typ="Bearer", aud="account", azp="jupyterhub")
REFRESH_TOKEN = "opaque-refresh-token-never-handed-out"


@pytest.fixture
def hub(hub_env):
    """The FakeHub holding alice's login with an access token; the admin's setting still off."""
    hub_env.auth_state = {
        "id_token": mint_id_token(),
        "access_token": ACCESS_TOKEN,
        "refresh_token": REFRESH_TOKEN,
    }
    return hub_env


def allow(hub) -> None:
    """What configure_jupyterhub(c, allow_access_token=True) does: the service's setting and
    the scope on the server's token."""
    hub.broker.allow_access_token = True
    hub.extra_scopes.append(ACCESS_TOKEN_SCOPE)


async def test_the_server_gets_the_access_token_when_the_hub_allows_it(hub, make_service):
    allow(hub)
    service = make_service()
    service.want_access_token()
    assert await service.access_token() == ACCESS_TOKEN
    assert hub.requests == [(f"{SERVICE_PREFIX}access-token", f"token {HUB_TOKEN}")]
    assert hub.user_params == [OWNER]
    # Nothing is kept: the next call asks the hub again (its refresh keeps the token fresh).
    await service.access_token()
    assert hub.calls == 2
    # The id_token route still answers the id_token only.
    identity = await service.refresh()
    assert identity.id_token == hub.auth_state["id_token"]


async def test_the_admins_setting_off_refuses_even_a_token_with_the_scope(hub, make_service):
    hub.extra_scopes.append(ACCESS_TOKEN_SCOPE)  # the scope alone does not open it
    service = make_service()
    service.want_access_token()
    with pytest.raises(errors.AccessTokenNotAllowed) as info:
        await service.access_token()
    assert info.value.code == "access_token_not_allowed" and info.value.status == 403
    assert "allow_access_token=True" in info.value.message
    assert "use_access_token off" in info.value.message
    assert ACCESS_TOKEN not in info.value.message


async def test_a_token_without_the_scope_is_refused_when_the_setting_is_on(hub, make_service):
    hub.broker.allow_access_token = True  # but the server's token lacks the scope
    service = make_service()
    service.want_access_token()
    with pytest.raises(errors.AccessTokenNotAllowed) as info:
        await service.access_token()
    assert ACCESS_TOKEN_SCOPE in info.value.message


async def test_another_users_server_gets_no_access_token(hub, make_service):
    allow(hub)
    hub.owner = "bob"  # the hub says the server's token is bob's; it asks for alice's
    service = make_service()
    service.want_access_token()
    with pytest.raises(errors.HubError) as info:
        await service.access_token()
    assert "wrong_user" in info.value.message
    assert ACCESS_TOKEN not in info.value.message


async def test_a_server_that_did_not_opt_in_never_reads_it(hub, make_service):
    allow(hub)
    service = make_service()
    with pytest.raises(RuntimeError):
        await service.access_token()
    await service.refresh()
    assert [path for path, _ in hub.requests] == [f"{SERVICE_PREFIX}id-token"]


async def test_only_the_hub_source_has_an_access_token(make_service, tmp_path):
    token_file = tmp_path / "id_token"
    token_file.write_text(mint_id_token())
    service = make_service(token_file=str(token_file), env_var="")
    service.want_access_token()
    with pytest.raises(errors.NoAccessToken) as info:
        await service.access_token()
    assert "use_access_token off" in info.value.message


@pytest.mark.parametrize(
    ("access_token", "says"),
    [(None, "holds no access token"), (mint_id_token(lifetime=-120), "expired")],
)
async def test_no_usable_access_token_at_the_hub(hub, make_service, access_token, says):
    allow(hub)
    hub.auth_state["access_token"] = access_token
    service = make_service()
    service.want_access_token()
    with pytest.raises(errors.NoAccessToken) as info:
        await service.access_token()
    assert says in info.value.message


async def test_a_service_from_before_access_tokens(hub, make_service):
    hub.old_service = True
    service = make_service()
    service.want_access_token()
    with pytest.raises(errors.AccessTokenNotAllowed) as info:
        await service.access_token()
    assert "older version" in info.value.message


async def test_no_access_token_in_the_logs(hub, make_service, caplog):
    caplog.set_level(logging.DEBUG)
    allow(hub)
    service = make_service()
    service.want_access_token()
    await service.access_token()
    hub.broker.allow_access_token = False
    with pytest.raises(errors.AccessTokenNotAllowed):
        await service.access_token()
    assert "access_token_not_allowed" in caplog.text
    for secret in (ACCESS_TOKEN, REFRESH_TOKEN, HUB_TOKEN):
        assert secret not in caplog.text


# -- S3Credentials.use_access_token -----------------------------------------------------------


class FakeSts:
    """A fake STS recording each AssumeRoleWithWebIdentity form; answers 15-minute keys."""

    def __init__(self) -> None:
        self.forms: list[dict[str, list[str]]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.forms.append(parse_qs(request.content.decode()))
        expires = datetime.fromtimestamp(time.time() + 900, tz=timezone.utc)
        return httpx.Response(
            200,
            text=(
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                "<AccessKeyId>KEY</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>"
                f"<SessionToken>session</SessionToken><Expiration>"
                f"{expires.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration></Credentials>"
                "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
            ),
        )


@pytest.fixture
def make_s3(make_service, tmp_path, jp_asyncio_loop):
    made: list[S3Credentials] = []

    async def make(**traits) -> tuple[S3Credentials, FakeSts]:
        s3 = S3Credentials(
            identity=make_service(),
            endpoint="https://sts.example.invalid",
            role_arn="arn:aws:iam::1:role/r",
            credentials_file=str(tmp_path / ".aws" / "credentials"),
            **traits,
        )
        fake = FakeSts()
        await s3._http.aclose()
        s3._http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
        made.append(s3)
        return s3, fake

    yield make
    for s3 in made:
        jp_asyncio_loop.run_until_complete(s3.close())


async def test_use_access_token_sends_the_access_token_to_the_sts(hub, make_s3):
    allow(hub)
    s3, sts = await make_s3(use_access_token=True)
    await s3.renew()
    assert sts.forms[0]["WebIdentityToken"] == [ACCESS_TOKEN]
    status = s3.status()
    assert status.active and status.error is None
    assert ACCESS_TOKEN not in repr(status)


async def test_without_use_access_token_the_sts_gets_the_id_token(hub, make_s3):
    allow(hub)  # the hub would hand it out: this server does not ask
    s3, sts = await make_s3()
    await s3.renew()
    assert sts.forms[0]["WebIdentityToken"] == [hub.auth_state["id_token"]]
    assert f"{SERVICE_PREFIX}access-token" not in [path for path, _ in hub.requests]


async def test_use_access_token_without_the_hubs_permission_is_a_clear_error(hub, make_s3):
    s3, sts = await make_s3(use_access_token=True)
    with pytest.raises(errors.AccessTokenNotAllowed):
        await s3.renew()
    assert sts.forms == []  # the STS never got the id_token in its place
    assert s3.status().error.code == "access_token_not_allowed"
