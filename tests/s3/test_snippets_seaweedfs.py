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

import pytest
from conftest import ROLE, admin_client, companion, id_token

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/kernel_cell.py
from kernel_cell import run_cell

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


# --- the Bash snippet (the AWS CLI) in a real bash kernel ---------------------------------------
# The R snippet (aws.s3) is not run: neither Debian (r-cran-aws.s3, r-cran-paws.storage) nor the
# package indexes this project may use serve aws.s3 or paws (CRAN is not reachable here).

#: Every character that is special in bash (a newline, which S3 allows, too).
BASH_KEY = f'it\'s "q" $(touch {PWNED}) ${{HOME}} `tick` ; é 🔑 ?#& \n line/obj.txt'


class BashKernel:
    """A real bash_kernel 0.10.0 (an interactive bash fed line by line), HOME = the user's home
    where the server wrote ~/.aws/credentials; no AWS_* variable."""

    def __init__(self, home: Path, specs: Path, cwd: Path) -> None:
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        (specs / "bash").mkdir(parents=True)
        (specs / "bash" / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "bash_kernel", "-f", "{connection_file}"],
                    "display_name": "Bash",
                    "language": "bash",
                }
            )
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            HOME=str(home),
            LC_ALL="C.UTF-8",
            PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        )
        self.manager = KernelManager(
            kernel_name="bash", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)])
        )
        self.manager.start_kernel(env=env, cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code: str) -> tuple[str, str | None]:
        """One cell: its stdout and its error (or None)."""
        return run_cell(self.client, code, timeout=120)

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


async def render_for(language: str, target: dict) -> str:
    process = await asyncio.create_subprocess_exec(
        "node", str(RENDER), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    request = [{"template": "s3", "ref": {"language": language, "target": target}}]
    out, _ = await asyncio.wait_for(process.communicate(json.dumps(request).encode()), 120)
    (result,) = json.loads(out)
    assert "code" in result, result
    return result["code"]


async def test_the_bash_snippet_reads_a_hostile_object_and_lists_the_bucket_in_a_bash_kernel(
    tmp_path,
):
    body = f"hostile object for bash {uuid.uuid4()}".encode()
    admin = admin_client()
    admin.put_object(Bucket="reader-data", Key=BASH_KEY, Body=body)
    c = companion(tmp_path, id_token("bob"), role_arn=ROLE.format("reader"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    kernel = None
    try:
        await c.s3.renew()
        status = c.s3.status()
        target = {
            "endpoint": status.s3_endpoint,
            "region": status.region,
            "profile": status.profile,
            "bucket": "reader-data",
        }
        read_code = await render_for("bash", {**target, "key": BASH_KEY})
        list_code = await render_for("bash", {**target, "key": None})
        for code in (read_code, list_code):  # nothing a line editor acts on
            assert all(" " <= ch <= "~" for line in code.split("\n") for ch in line), code
        home = c.credentials_file.parent.parent  # ~/.aws/credentials, where the server wrote
        kernel = await asyncio.to_thread(BashKernel, home, tmp_path / "kernels", cwd)
        out, error = await asyncio.to_thread(kernel.run, f"{read_code} | sha256sum")
        assert error is None, error
        assert out.split()[0] == hashlib.sha256(body).hexdigest()
        out, error = await asyncio.to_thread(kernel.run, list_code)
        assert error is None, error
        assert "team.csv" in out
        # a bucket the role may not read fails plainly (the CLI's exit status)
        refused = list_code.replace("reader-data", "management-data")
        _, error = await asyncio.to_thread(kernel.run, refused)
        assert error is not None
    finally:
        if kernel is not None:
            await asyncio.to_thread(kernel.close)
        await c.close()
        admin.delete_object(Bucket="reader-data", Key=BASH_KEY)
    assert os.listdir(cwd) == [] and not await asyncio.to_thread(PWNED.exists)


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
