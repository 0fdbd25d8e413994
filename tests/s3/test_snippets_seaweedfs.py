"""The object storage Python snippet (``src/s3/snippets.ts``, rendered from the TypeScript
sources by ``tests/snippets/render.cjs``) run for real: a Python interpreter reads an object and
lists a bucket of the real SeaweedFS with the profile the server wrote from a real Keycloak
id_token. The object's name is hostile (quotes, ``$(touch …)``, backslash, newline...): it must
stay a name. The keys reach the snippet only through the credentials file."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from conftest import ROLE, S3_ENDPOINT, companion, id_token

pytestmark = pytest.mark.asyncio

REPO = Path(__file__).resolve().parents[2]
RENDER = REPO / "tests/snippets/render.cjs"
PWNED = Path(f"/tmp/pwned-s3-{uuid.uuid4().hex[:8]}")  # noqa: S108
HOSTILE_KEY = f"it's \"q\" '''x''' back\\slash $(touch {PWNED}) `tick` ; é 🔑 ?#& \n line/obj.txt"
#: Runs a snippet as a kernel cell would, then reports what it read (digests only).
HARNESS = """
import hashlib, json, sys
ns = {}
exec(compile(sys.stdin.read(), "<cell>", "exec"), ns)
print(json.dumps({
    "body": hashlib.sha256(ns["body"]).hexdigest() if "body" in ns else None,
    "keys": [o["Key"] for o in ns["listing"].get("Contents", [])] if "listing" in ns else None,
    "rows": ns["df"].to_dict("records") if "df" in ns else None,
}))
"""


def admin_client():
    """boto3 as SeaweedFS's admin identity (scripts/seaweedfs.sh keeps its keys, 0600)."""
    keys = Path(os.environ.get("STACK_DIR", REPO / ".stack")) / "seaweedfs" / "admin_keys"
    if not keys.exists():
        pytest.fail(f"{keys} is missing: set STACK_DIR as for scripts/seaweedfs.sh", pytrace=False)
    access, secret, _ = keys.read_text().split()
    return boto3.client(
        "s3",
        endpoint_url=S3_ENDPOINT,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
    )


async def render(target: dict) -> str:
    process = await asyncio.create_subprocess_exec(
        "node",
        str(RENDER),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    request = [{"template": "s3", "ref": {"language": "python", "target": target}}]
    out, _ = await asyncio.wait_for(process.communicate(json.dumps(request).encode()), 120)
    (result,) = json.loads(out)
    assert "code" in result, result
    return result["code"]


async def run(code: str, credentials: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k == "AWS_CA_BUNDLE"}
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials)
    env["AWS_CONFIG_FILE"] = str(credentials.parent / "config")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HARNESS,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(code.encode()), 120)
    assert process.returncode == 0, err.decode()[-2000:]
    return json.loads(out)


async def test_the_python_snippet_reads_a_hostile_object_name_and_lists_the_bucket(tmp_path):
    body = f"hostile object {uuid.uuid4()}".encode()
    admin = admin_client()
    admin.put_object(Bucket="reader-data", Key=HOSTILE_KEY, Body=body)
    c = companion(tmp_path, id_token("bob"), role_arn=ROLE.format("reader"))
    try:
        await c.s3.renew()
        status = c.s3.status()
        target = {
            "endpoint": status.s3_endpoint,
            "region": status.region,
            "profile": status.profile,
            "bucket": "reader-data",
        }
        code = await render({**target, "key": HOSTILE_KEY})
        assert "s3cr3t" not in code and "aws_secret_access_key" not in code
        read = await run(code, c.credentials_file)
        assert read["body"] == hashlib.sha256(body).hexdigest()
        listed = await run(await render({**target, "key": None}), c.credentials_file)
        # SeaweedFS stores a backslash of a key as a slash: compare with what it lists.
        stored = [o["Key"] for o in admin.list_objects_v2(Bucket="reader-data")["Contents"]]
        assert sorted(listed["keys"]) == sorted(stored) and len(stored) == 2
        assert not await asyncio.to_thread(PWNED.exists)
    finally:
        await c.close()
        admin.delete_object(Bucket="reader-data", Key=HOSTILE_KEY)


async def test_the_python_csv_snippet_reads_team_csv_into_pandas_with_boto3(tmp_path):
    c = companion(tmp_path, id_token("bob"), role_arn=ROLE.format("reader"))
    try:
        await c.s3.renew()
        status = c.s3.status()
        code = await render(
            {
                "endpoint": status.s3_endpoint,
                "region": status.region,
                "profile": status.profile,
                "bucket": "reader-data",
                "key": "team.csv",
            }
        )
        assert "s3fs" not in code and "storage_options" not in code
        read = await run(code, c.credentials_file)
        # scripts/seaweedfs.sh seed wrote it.
        assert read["rows"] == [
            {"name": "alice", "team": "reader-data"},
            {"name": "bob", "team": "reader-data"},
        ]
    finally:
        await c.close()
