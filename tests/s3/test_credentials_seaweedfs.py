"""S3 credentials minted from real Keycloak id_tokens by the real SeaweedFS STS, used with boto3
against the real SeaweedFS S3 API: who reads what, renewal, the credentials file, the errors."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import stat
import sys
import time

import boto3
import botocore.exceptions
import httpx
import pytest
from conftest import ROLE, S3_ENDPOINT, companion, id_token, wait_for

from jupyter_extension_server.s3.errors import (
    S3NoCredentials,
    StsAudienceRejected,
    StsIdTokenExpired,
    StsRoleNotFound,
    StsRoleNotTrusted,
    StsUnreachable,
)
from jupyter_extension_server.s3.profile import read_profile
from jupyter_extension_server.s3.sts import assume_role_with_web_identity, request_form

pytestmark = pytest.mark.asyncio

USER_FILE = """# my own credentials: keep this comment
[default]
aws_access_key_id = AKIAUSERSOWNKEY
aws_secret_access_key = users-own-secret ; inline text stays too

; the prod profile, with a comment above it
[prod]
region = eu-west-1
"""


def s3_client(credentials_file, profile: str = "jupyter"):
    """boto3 as a kernel would use it: the profile in the shared credentials file."""
    session = boto3.Session(profile_name=profile, region_name="us-east-1")
    return session.client("s3", endpoint_url=S3_ENDPOINT)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    """The SDK reads only the test's files (never the machine's ~/.aws)."""
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "home/.aws/credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "home/.aws/config"))
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)


def denied(call) -> bool:
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"] in ("AccessDenied", "403")
    return False


@pytest.mark.parametrize(
    ("user", "group", "other"), [("alice", "management", "reader"), ("bob", "reader", "management")]
)
async def test_each_user_lists_and_reads_exactly_their_bucket(tmp_path, user, group, other):
    c = companion(tmp_path, id_token(user), role_arn=ROLE.format(group))
    old_umask = os.umask(0)  # the file must be 0600 whatever the umask
    try:
        await c.s3.renew()
    finally:
        os.umask(old_umask)
    try:
        assert stat.S_IMODE(c.credentials_file.stat().st_mode) == 0o600
        s3 = s3_client(c.credentials_file)
        listed = s3.list_objects_v2(Bucket=f"{group}-data")
        assert [o["Key"] for o in listed["Contents"]] == ["team.csv"]
        body = s3.get_object(Bucket=f"{group}-data", Key="team.csv")["Body"].read().decode()
        assert body.startswith("name,team\n") and f"{group}-data" in body
        assert denied(lambda: s3.get_object(Bucket=f"{other}-data", Key="team.csv"))
        assert denied(lambda: s3.list_objects_v2(Bucket=f"{other}-data"))
        assert denied(lambda: s3.get_object(Bucket="nobody-data", Key="team.csv"))
        assert await c.s3.buckets() == [f"{group}-data"]
        status = c.s3.status()
        assert status.active and status.error is None
        assert status.expiration is not None and status.expiration > time.time() + 600
        # the file holds this user's keys only: one profile, ours
        text = c.credentials_file.read_text()
        assert text.count("[") == 1 and text.startswith("[jupyter]\n")
    finally:
        await c.close()


async def test_a_new_id_token_brings_new_credentials(tmp_path):
    c = companion(tmp_path, id_token("alice"))
    try:
        await c.s3.renew()
        first = read_profile(c.credentials_file.read_text(), "jupyter")
        await c.new_id_token(id_token("alice"))
        await wait_for(
            lambda: (
                read_profile(c.credentials_file.read_text(), "jupyter").get("aws_access_key_id")
                != first["aws_access_key_id"]
            ),
            60,
            "new keys in the profile after a new id_token",
        )
        s3 = s3_client(c.credentials_file)
        assert s3.get_object(Bucket="management-data", Key="team.csv")["Body"].read()
    finally:
        await c.close()


async def test_the_file_keeps_other_profiles_comments_and_its_mode(tmp_path):
    c = companion(tmp_path, id_token("alice"))
    c.credentials_file.parent.mkdir(parents=True)
    c.credentials_file.write_text(USER_FILE)
    c.credentials_file.chmod(0o600)
    try:
        await c.s3.renew()
        text = c.credentials_file.read_text()
        assert text.startswith(USER_FILE)  # everything of the user's, byte for byte
        assert "\n[jupyter]\naws_access_key_id = " in text
        assert stat.S_IMODE(c.credentials_file.stat().st_mode) == 0o600
        # the user's default profile is still what boto3 reads for "default"
        default = boto3.Session(profile_name="default").get_credentials()
        assert default.access_key == "AKIAUSERSOWNKEY"
        await c.new_id_token(id_token("alice"))
        await c.s3.renew()
        assert c.credentials_file.read_text().startswith(USER_FILE)
        await c.s3.revoke()  # the logout of the card
        assert c.credentials_file.read_text() == USER_FILE
        assert stat.S_IMODE(c.credentials_file.stat().st_mode) == 0o600
        assert not c.s3.status().active
        with pytest.raises(S3NoCredentials):
            await c.s3.buckets()
    finally:
        await c.close()


async def test_shutdown_removes_the_profile(tmp_path):
    c = companion(tmp_path, id_token("bob"), role_arn=ROLE.format("reader"))
    await c.s3.renew()
    assert "[jupyter]" in c.credentials_file.read_text()
    await c.close()
    assert c.credentials_file.read_text() == ""


async def credential_process(credentials_file) -> tuple[int, str, str]:
    """Run the helper as the SDKs do: exit status, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "jupyter_extension_server.s3",
        "credential-process",
        "--profile",
        "jupyter",
        "--file",
        str(credentials_file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_credential_process_prints_what_the_sdks_expect(tmp_path):
    c = companion(tmp_path, id_token("alice"))
    try:
        await c.s3.renew()
        rc, out, _ = await credential_process(c.credentials_file)
        assert rc == 0
        doc = json.loads(out)
        assert doc["Version"] == 1
        assert set(doc) == {
            "Version",
            "AccessKeyId",
            "SecretAccessKey",
            "SessionToken",
            "Expiration",
        }
        # boto3 through credential_process (how a long-lived kernel session gets renewed keys)
        config = c.credentials_file.parent / "config"
        config.write_text(
            "[profile refreshing]\ncredential_process = "
            f"{sys.executable} -m jupyter_extension_server.s3 credential-process "
            f"--profile jupyter --file {c.credentials_file}\n"
        )
        s3 = boto3.Session(profile_name="refreshing", region_name="us-east-1").client(
            "s3", endpoint_url=S3_ENDPOINT
        )
        assert s3.get_object(Bucket="management-data", Key="team.csv")["Body"].read()
        await c.s3.revoke()
        rc, out, err = await credential_process(c.credentials_file)
        assert rc == 1 and out == ""
        assert doc["SecretAccessKey"] not in err
    finally:
        await c.close()


async def test_wrong_audience_is_named(tmp_path, other_client, caplog):
    token = id_token("alice", client_id=other_client, secret=None)
    c = companion(tmp_path, token)
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(StsAudienceRejected) as e:
            await c.s3.renew()
        assert "audience" in e.value.message
        assert c.s3.status().error.code == "sts_audience_rejected"
        assert not c.credentials_file.exists()
        assert token not in caplog.text and token not in e.value.message
    finally:
        await c.close()


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("untrusted", StsRoleNotTrusted),
        ("reader", StsRoleNotTrusted),
        ("no-such-role", StsRoleNotFound),
    ],
)
async def test_a_role_that_does_not_trust_the_user_is_named(tmp_path, role, error, caplog):
    token = id_token("alice")  # alice is in group management: reader's trust leaves her out
    c = companion(tmp_path, token, role_arn=ROLE.format(role))
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(error) as e:
            await c.s3.renew()
        assert ROLE.format(role) in e.value.message
        assert token not in caplog.text
    finally:
        await c.close()


async def test_an_expired_id_token_is_named():
    token = id_token("alice")
    import jwt

    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    lifespan = exp - time.time()
    if lifespan > 120:
        pytest.skip("Keycloak's tokens live longer than 2 min here (scripts/test.sh sets 60 s)")
    await wait_for(lambda: time.time() > exp + 2, lifespan + 10, "the id_token to expire")
    async with httpx.AsyncClient(timeout=30) as client:
        with pytest.raises(StsIdTokenExpired) as e:
            await assume_role_with_web_identity(
                client, S3_ENDPOINT, request_form(ROLE.format("management"), token, "alice", 900)
            )
    assert token not in e.value.message


async def test_sts_down_is_named_and_recovers_when_it_answers(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = companion(tmp_path, id_token("alice"), endpoint=f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(StsUnreachable):
            await c.s3.renew()
        assert c.s3.status().error.code == "sts_unreachable"
        c.s3.endpoint = S3_ENDPOINT  # the STS is back
        await c.s3.renew()
        assert c.s3.status().error is None and c.s3.status().active
    finally:
        await c.close()


async def test_readers_never_fail_while_credentials_are_replaced(tmp_path):
    """A reader making a new boto3 session from the profile for every read (as a kernel
    starting a new cell does) while new id_tokens keep replacing the credentials: 0 failures,
    and the keys it used did change."""
    c = companion(tmp_path, id_token("alice"))
    await c.s3.renew()
    reads, failures, keys = 0, [], set()
    stop = asyncio.Event()

    def read_once() -> str:
        session = boto3.Session(profile_name="jupyter", region_name="us-east-1")
        client = session.client("s3", endpoint_url=S3_ENDPOINT)
        assert client.get_object(Bucket="management-data", Key="team.csv")["Body"].read()
        return session.get_credentials().access_key

    async def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                keys.add(await asyncio.to_thread(read_once))
            except Exception as e:  # every failure counts
                failures.append(repr(e))
            reads += 1
            await asyncio.sleep(0.2)

    task = asyncio.ensure_future(reader())
    try:
        for _ in range(6):  # a new id_token every few seconds, as a hub refresh brings it
            await asyncio.sleep(3)
            await c.new_id_token(await asyncio.to_thread(id_token, "alice"))
        await wait_for(lambda: len(keys) >= 4, 60, "the reader to see several keys")
    finally:
        stop.set()
        await task
        await c.close()
    assert failures == [] and reads >= 10
