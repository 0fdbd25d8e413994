"""The S3 credentials kept fresh by themselves, against a FAKE STS (an httpx MockTransport that
answers AssumeRoleWithWebIdentity with short-lived credentials, or fails on demand): renewal before
expiry, and removal of the profile when the credentials expire while the STS is failing. The real
STS (whose shortest lifetime is 15 minutes) is in tests/s3."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.s3 import S3Credentials
from jupyter_extension_server.s3.errors import S3Error
from jupyter_extension_server.s3.profile import read_profile

from .conftest import mint_id_token

pytestmark = pytest.mark.asyncio

#: The repository (the subprocess imports the package from there).
REPO = str(Path(__file__).resolve().parents[2])
LIFETIME = 12.0  # the keeper renews 10 s (MIN_RENEW_LEAD_SECONDS) before expiry


class FakeSts:
    """A fake STS: counts calls, checks the form, answers credentials of LIFETIME seconds."""

    def __init__(self) -> None:
        self.calls = 0
        self.failing = False
        self.forms: list[dict[str, list[str]]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.forms.append(parse_qs(request.content.decode()))
        if self.failing:
            return httpx.Response(
                503,
                text="<ErrorResponse><Error><Code>ServiceUnavailable</Code>"
                "</Error></ErrorResponse>",
            )
        expires = datetime.fromtimestamp(time.time() + LIFETIME, tz=timezone.utc)
        return httpx.Response(
            200,
            text=(
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                f"<AccessKeyId>KEY{self.calls}</AccessKeyId><SecretAccessKey>s{self.calls}"
                f"</SecretAccessKey><SessionToken>t{self.calls}</SessionToken><Expiration>"
                f"{expires.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration></Credentials>"
                "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
            ),
        )


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.1)


async def test_credentials_are_renewed_before_expiry_and_removed_when_they_expire(
    tmp_path, monkeypatch
):
    for var in ("JUPYTERHUB_API_URL", "JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", "OIDC_ID_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    id_file = tmp_path / "id_token"
    id_file.write_text(mint_id_token(lifetime=600, preferred_username="alice"))
    credentials = tmp_path / ".aws" / "credentials"
    identity = IdTokenService(env_var="", token_file=str(id_file), sources=["file"])
    s3 = S3Credentials(
        identity=identity,
        endpoint="https://sts.example.invalid",
        role_arn="arn:aws:iam::1:role/r",
        duration_seconds=900,
        credentials_file=str(credentials),
    )
    fake = FakeSts()
    await s3._http.aclose()
    s3._http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))

    def key() -> str | None:
        if not credentials.exists():
            return None
        return read_profile(credentials.read_text(), "jupyter").get("aws_access_key_id")

    try:
        await s3.renew()
        assert key() == "KEY1"
        form = fake.forms[0]
        assert form["Action"] == ["AssumeRoleWithWebIdentity"]
        assert form["RoleSessionName"] == ["alice"] and form["DurationSeconds"] == ["900"]
        assert form["WebIdentityToken"] == [id_file.read_text()]
        await until(lambda: key() == "KEY2", 20, "the keeper's renewal before expiry")
        fake.failing = True
        await until(lambda: credentials.read_text() == "", 40, "the expired profile removed")
        assert not s3.status().active and s3.status().error.code == "s3_error"
    finally:
        await s3.close()
        await identity.close()


async def test_an_sts_down_at_the_first_renew_is_recovered_by_itself(tmp_path, monkeypatch):
    for var in ("JUPYTERHUB_API_URL", "JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", "OIDC_ID_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    id_file = tmp_path / "id_token"
    id_file.write_text(mint_id_token(lifetime=600))
    credentials = tmp_path / ".aws" / "credentials"
    identity = IdTokenService(env_var="", token_file=str(id_file), sources=["file"])
    s3 = S3Credentials(
        identity=identity,
        endpoint="https://sts.example.invalid",
        role_arn="arn:aws:iam::1:role/r",
        credentials_file=str(credentials),
    )
    fake = FakeSts()
    fake.failing = True
    await s3._http.aclose()
    s3._http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    try:
        with pytest.raises(S3Error):
            await s3.renew()
        assert not credentials.exists()
        fake.failing = False  # the STS answers again
        await until(lambda: s3.status().active, 20, "credentials without another click")
        assert "aws_session_token" in credentials.read_text()
        assert s3.status().error is None
    finally:
        await s3.close()
        await identity.close()


#: A server process whose event loop ends with KeyboardInterrupt (SIGINT without a terminal,
#: what JupyterHub's spawners send first): close() never runs, the interpreter exits.
_ENDED_BY_SIGINT = """
import asyncio, sys
import httpx
from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.s3 import S3Credentials
from jupyter_extension_server.tests.test_s3_keeper import FakeSts

async def main():
    identity = IdTokenService(env_var="", token_file=sys.argv[1], sources=["file"])
    s3 = S3Credentials(identity=identity, endpoint="https://sts.example.invalid",
                       role_arn="arn:aws:iam::1:role/r", credentials_file=sys.argv[2])
    await s3._http.aclose()
    s3._http = httpx.AsyncClient(transport=httpx.MockTransport(FakeSts().handle))
    await s3.renew()
    print(open(sys.argv[2]).read().count("aws_session_token"), flush=True)
    raise KeyboardInterrupt

asyncio.run(main())
"""


async def test_an_interpreter_exit_without_close_removes_the_profile(tmp_path, monkeypatch):
    for var in ("JUPYTERHUB_API_URL", "JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", "OIDC_ID_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    id_file = tmp_path / "id_token"
    id_file.write_text(mint_id_token(lifetime=600, preferred_username="alice"))
    credentials = tmp_path / ".aws" / "credentials"
    credentials.parent.mkdir()
    mine = "# the user's own\n[default]\naws_access_key_id = MINE\n"
    credentials.write_text(mine)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _ENDED_BY_SIGINT,
        str(id_file),
        str(credentials),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert out.decode().strip() == "1", err.decode()[-2000:]  # the profile was written
    assert b"KeyboardInterrupt" in err
    assert credentials.read_text() == mine
