"""One level of a bucket (``S3Credentials.objects``: ListObjectsV2 with delimiter ``/``) with
credentials the real SeaweedFS STS minted from real Keycloak id_tokens: alice lists her bucket's
folders and objects, is refused bob's, and hostile object names come back intact."""

from __future__ import annotations

import uuid

import pytest
from conftest import ROLE, admin_client, companion, id_token

from jupyter_extension_server.errors import UnsafePath
from jupyter_extension_server.s3.errors import S3AccessDenied, S3NoSuchBucket

pytestmark = pytest.mark.asyncio

#: Names S3 allows that are code in some language, or odd for a listing (no backslash:
#: SeaweedFS stores it as a slash).
HOSTILE_NAMES = [
    "it's \"q\" '''x'''.txt",
    "$(touch pwned-objects) `tick` ; rm -rf ~ &.csv",
    "new\nline & <xml> &amp; é 🔑 ?#%2e%2e+plus.bin",
    " leading and trailing space ",
]


@pytest.fixture
def tree():
    """management-data/<run>/: two objects, a hostile-named one each, and a sub-folder."""
    admin = admin_client()
    top = f"objects-{uuid.uuid4().hex[:8]}/"
    keys = [f"{top}a.csv", f"{top}sub/deeper.txt", *(top + name for name in HOSTILE_NAMES)]
    for key in keys:
        admin.put_object(Bucket="management-data", Key=key, Body=b"x" * 3)
    try:
        yield top, keys
    finally:
        for key in keys:
            admin.delete_object(Bucket="management-data", Key=key)


async def test_alice_lists_one_level_of_her_bucket_with_hostile_names_intact(tmp_path, tree):
    top, keys = tree
    c = companion(tmp_path, id_token("alice"), role_arn=ROLE.format("management"))
    try:
        await c.s3.renew()
        root = await c.s3.objects("management-data", "")
        assert top in root.folders
        assert [o.key for o in root.objects] == ["team.csv"]
        assert root.objects[0].size > 0 and root.objects[0].last_modified
        assert not root.truncated

        level = await c.s3.objects("management-data", top)
        assert level.folders == [f"{top}sub/"]
        listed = sorted(o.key for o in level.objects)
        assert listed == sorted(k for k in keys if "/sub/" not in k)
        assert all(o.size == 3 for o in level.objects)

        deeper = await c.s3.objects("management-data", f"{top}sub/")
        assert (deeper.folders, [o.key for o in deeper.objects]) == ([], [f"{top}sub/deeper.txt"])
        assert (await c.s3.objects("management-data", f"{top}nothing-here/")).objects == []
    finally:
        await c.close()


async def test_alice_is_refused_bobs_bucket_by_name(tmp_path):
    c = companion(tmp_path, id_token("alice"), role_arn=ROLE.format("management"))
    try:
        await c.s3.renew()
        with pytest.raises(S3AccessDenied) as e:
            await c.s3.objects("reader-data", "")
        assert "reader-data" in e.value.message and "s3:ListBucket" in e.value.message
        with pytest.raises((S3AccessDenied, S3NoSuchBucket)):
            await c.s3.objects("no-such-bucket-here", "")
    finally:
        await c.close()


@pytest.mark.parametrize(
    ("bucket", "prefix"),
    [
        ("../reader-data", ""),
        ("Management-Data", ""),
        ("management-data", "../reader-data/"),
        ("management-data", "a//b/"),
        ("management-data", "%2e%2e/"),
        ("management-data", "a\\b/"),
    ],
)
async def test_names_that_mean_another_path_are_refused_before_any_request(
    tmp_path, bucket, prefix
):
    c = companion(tmp_path, id_token("alice"), endpoint="http://127.0.0.1:9")  # nothing there
    try:
        with pytest.raises(UnsafePath):
            await c.s3.objects(bucket, prefix)
    finally:
        await c.close()
