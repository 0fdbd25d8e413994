"""The buckets the credentials can list: S3 ``ListBuckets`` (``GET /``), signed with SigV4.

The request is signed by botocore's ``SigV4Auth`` (the signer the AWS SDK for Python uses) and
sent with the server's async HTTP client; the XML reply is parsed with ``defusedxml``. S3 servers
that filter the list by the caller's policy (SeaweedFS, MinIO) answer only the buckets the role may
use; AWS answers every bucket of the account when the role has ``s3:ListAllMyBuckets``.
"""

from __future__ import annotations

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .errors import S3AccessDenied, S3Error, StsTimeout, StsUnreachable
from .sts import MAX_REPLY_BYTES, StsCredentials, _find, _local, _parse_xml


def signed_headers(url: str, credentials: StsCredentials, region: str) -> dict[str, str]:
    """The headers of a signed ``GET url`` (SigV4, service ``s3``, empty payload)."""
    request = AWSRequest(method="GET", url=url, headers={})
    request.headers["x-amz-content-sha256"] = (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256 of b""
    )
    creds = Credentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
    SigV4Auth(creds, "s3", region).add_auth(request)
    return dict(request.headers.items())


def parse_buckets(body: bytes) -> list[str]:
    """The bucket names of a ``ListAllMyBucketsResult``."""
    root = _parse_xml(body)
    names = []
    for element in root.iter():
        if _local(element.tag) == "Bucket":
            for child in element:
                if _local(child.tag) == "Name" and child.text:
                    names.append(child.text)
    return sorted(names)


async def list_buckets(
    client: httpx.AsyncClient, s3_url: str, credentials: StsCredentials, region: str
) -> list[str]:
    """The buckets the credentials may list.

    Raises
    ------
    S3AccessDenied
        403 (the role may not list buckets).
    S3Error
        Other failures (unreachable, timeout, unexpected reply).
    """
    url = f"{s3_url.rstrip('/')}/"
    try:
        response = await client.get(url, headers=signed_headers(url, credentials, region))
    except httpx.TimeoutException as e:
        raise StsTimeout(f"The object storage at {s3_url} did not answer in time.") from e
    except httpx.TransportError as e:
        raise StsUnreachable(
            f"The object storage at {s3_url} cannot be reached ({type(e).__name__})."
        ) from e
    body = response.content[: MAX_REPLY_BYTES * 16]
    if response.status_code == 403:
        code = ""
        try:
            code = _find(_parse_xml(body), "Code") or ""
        except S3Error:
            pass
        raise S3AccessDenied(
            f"The object storage refused to list buckets ({code or 'HTTP 403'}): the role's "
            "policy may not allow s3:ListAllMyBuckets; its buckets can still be used by name."
        )
    if response.status_code != 200:
        raise S3Error(f"The object storage answered HTTP {response.status_code} to ListBuckets.")
    return parse_buckets(body)
