"""SeaweedFS's STS accepts Keycloak ACCESS tokens too (c.S3Credentials.use_access_token sends the
access token that the hub's id_token service hands out when allowed; that path is tested on the real
hub in tests/integration/test_access_token_hub.py and against a fake STS in the unit tests): the
test realm's access tokens carry the hub's client id in ``aud`` and the ``groups`` claim, which
the STS's OIDC provider (clientId) and the roles' trust policies check."""

from __future__ import annotations

import boto3
import botocore.exceptions
import httpx
import jwt
import pytest
from conftest import HUB_CLIENT, ROLE, S3_ENDPOINT, access_token

from jupyter_extension_server.s3.errors import StsRoleNotTrusted
from jupyter_extension_server.s3.sts import assume_role_with_web_identity, request_form

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    ("user", "group", "other"), [("alice", "management", "reader"), ("bob", "reader", "management")]
)
async def test_an_access_token_gets_credentials_for_exactly_the_users_bucket(user, group, other):
    token = access_token(user)
    claims = jwt.decode(token, options={"verify_signature": False})
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert claims["typ"] == "Bearer" and HUB_CLIENT in audiences, claims
    async with httpx.AsyncClient(timeout=60) as client:
        credentials = await assume_role_with_web_identity(
            client, S3_ENDPOINT, request_form(ROLE.format(group), token, user, 900)
        )
        # The trust policy still binds the groups: the other group's role is refused.
        with pytest.raises(StsRoleNotTrusted):
            await assume_role_with_web_identity(
                client, S3_ENDPOINT, request_form(ROLE.format(other), token, user, 900)
            )
    s3 = boto3.client(
        "s3",
        endpoint_url=S3_ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )
    listed = s3.list_objects_v2(Bucket=f"{group}-data")
    assert [o["Key"] for o in listed["Contents"]] == ["team.csv"]
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        s3.list_objects_v2(Bucket=f"{other}-data")
    assert denied.value.response["Error"]["Code"] in ("AccessDenied", "403")
