"""One level of a bucket: S3 ``ListObjectsV2`` with delimiter ``/``, signed with SigV4.

The card browses a bucket one folder at a time: the folders (``CommonPrefixes``) and objects
(``Contents``) right under a prefix. Keys are asked for URL-encoded (``encoding-type=url``) and
decoded here, so a key holding characters XML cannot carry (control characters) comes back
intact. The listing is bounded: at most :data:`MAX_PAGES` pages and :data:`MAX_ENTRIES` entries,
each page's reply at most :data:`MAX_PAGE_BYTES`; a listing cut there says so (``truncated``).

What the browser sends is checked before any request: a bucket name as S3 defines it, and a
prefix without empty, ``.`` or ``..`` segments (plain or percent-encoded) or backslashes (the
rules of Vault names: some S3 servers, SeaweedFS among them, collapse such paths).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_plus

import httpx

from ..errors import BadRequest, UnsafePath
from ..vault.paths import shown, unsafe_reason
from .buckets import signed_headers
from .errors import S3AccessDenied, S3Error, S3NoSuchBucket, StsTimeout, StsUnreachable
from .sts import StsCredentials, _find, _local, _parse_xml

#: Keys asked for per page (S3's own maximum).
PAGE_KEYS = 1000
#: Pages read at most for one listing.
MAX_PAGES = 5
#: Entries (folders + objects) answered at most.
MAX_ENTRIES = 2000
#: Largest reply of one page read.
MAX_PAGE_BYTES = 4 * 1024 * 1024
#: Longest prefix accepted (S3 keys are at most 1024 bytes).
MAX_PREFIX_LENGTH = 1024

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass
class S3Object:
    """An object of a listing: its full key, size in bytes and last change (ISO 8601)."""

    key: str
    size: int
    last_modified: str


@dataclass
class S3Listing:
    """The folders and objects right under ``prefix`` of ``bucket``."""

    bucket: str
    prefix: str
    folders: list[str] = field(default_factory=list)
    objects: list[S3Object] = field(default_factory=list)
    truncated: bool = False

    def as_json(self) -> dict:
        """The REST reply."""
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "folders": self.folders,
            "objects": [
                {"key": o.key, "size": o.size, "last_modified": o.last_modified}
                for o in self.objects
            ],
            "truncated": self.truncated,
        }


def check_bucket(name: str) -> str:
    """Refuse a bucket name S3 does not allow (3-63 of ``a-z 0-9 . -``), before any request.

    Raises
    ------
    BadRequest
        No bucket named.
    UnsafePath
    """
    if not name:
        raise BadRequest("Which bucket? The parameter 'bucket' is missing.")
    if not _BUCKET.match(name) or ".." in name:
        raise UnsafePath(
            f"'{shown(name)}' is not a bucket name: 3 to 63 lowercase letters, digits, '.' and "
            "'-', starting and ending with a letter or digit."
        )
    return name


def check_prefix(prefix: str) -> str:
    """Refuse a prefix (a folder: ``a/b/``, or empty for the bucket's top) that could mean
    another path to the S3 server.

    Raises
    ------
    UnsafePath
    """
    if not prefix:
        return prefix
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise UnsafePath(
            f"That folder is {len(prefix)} characters long; S3 keys are at most "
            f"{MAX_PREFIX_LENGTH}."
        )
    reason = unsafe_reason(prefix, trailing_slash=True)
    if reason is not None:
        raise UnsafePath(
            f"The folder '{shown(prefix)}' {reason}: folders with empty, '.' or '..' segments "
            "(plain or percent-encoded) or backslashes cannot be browsed here."
        )
    return prefix


def _query(params: dict[str, str]) -> str:
    """A query string encoded as SigV4 canonicalises it (so the signature matches)."""
    return "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params.items())
    )


def page_url(s3_url: str, bucket: str, prefix: str, token: str | None) -> str:
    """The URL of one ``ListObjectsV2`` page (path style)."""
    params = {
        "list-type": "2",
        "delimiter": "/",
        "encoding-type": "url",
        "max-keys": str(PAGE_KEYS),
        "prefix": prefix,
    }
    if token:
        params["continuation-token"] = token
    return f"{s3_url.rstrip('/')}/{bucket}?{_query(params)}"


def parse_page(body: bytes) -> tuple[list[str], list[S3Object], str | None]:
    """Folders, objects and the next continuation token (None on the last page) of a
    ``ListBucketResult``."""
    root = _parse_xml(body)
    encoded = (_find(root, "EncodingType") or "").lower() == "url"

    def decode(value: str) -> str:
        return unquote_plus(value) if encoded else value

    folders: list[str] = []
    objects: list[S3Object] = []
    for element in root:
        tag = _local(element.tag)
        if tag == "CommonPrefixes":
            for child in element:
                if _local(child.tag) == "Prefix" and child.text:
                    folders.append(decode(child.text))
        elif tag == "Contents":
            parts = {_local(child.tag): child.text or "" for child in element}
            if not parts.get("Key"):
                continue
            try:
                size = int(parts.get("Size") or 0)
            except ValueError:
                size = 0
            objects.append(S3Object(decode(parts["Key"]), size, parts.get("LastModified", "")))
    truncated = (_find(root, "IsTruncated") or "").lower() == "true"
    token = _find(root, "NextContinuationToken") if truncated else None
    return folders, objects, token or None


async def _get_page(
    client: httpx.AsyncClient, url: str, s3_url: str, credentials: StsCredentials, region: str
) -> tuple[int, bytes]:
    try:
        async with client.stream(
            "GET", url, headers=signed_headers(url, credentials, region)
        ) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise S3Error(
                        f"The object storage's listing page is larger than {MAX_PAGE_BYTES} bytes."
                    )
            return response.status_code, body
    except httpx.TimeoutException as e:
        raise StsTimeout(f"The object storage at {s3_url} did not answer in time.") from e
    except httpx.TransportError as e:
        raise StsUnreachable(
            f"The object storage at {s3_url} cannot be reached ({type(e).__name__})."
        ) from e


def _refusal(status: int, body: bytes, bucket: str) -> S3Error:
    code = ""
    try:
        code = _find(_parse_xml(body), "Code") or ""
    except S3Error:
        pass
    if status == 404 or code == "NoSuchBucket":
        return S3NoSuchBucket(f"There is no bucket '{bucket}' at the object storage.")
    if status == 403:
        return S3AccessDenied(
            f"The object storage refused to list bucket '{bucket}' ({code or 'HTTP 403'}): the "
            "role's policy does not allow s3:ListBucket on it."
        )
    return S3Error(f"The object storage answered HTTP {status} to ListObjectsV2 of '{bucket}'.")


async def list_objects(
    client: httpx.AsyncClient,
    s3_url: str,
    credentials: StsCredentials,
    region: str,
    bucket: str,
    prefix: str,
) -> S3Listing:
    """The folders and objects right under ``prefix`` of ``bucket`` (names checked first).

    Raises
    ------
    UnsafePath
        A bucket or prefix refused before any request.
    S3AccessDenied
        The role may not list the bucket.
    S3NoSuchBucket
        No such bucket.
    S3Error
        Other failures (unreachable, timeout, unexpected reply).
    """
    check_bucket(bucket)
    check_prefix(prefix)
    listing = S3Listing(bucket=bucket, prefix=prefix)
    token: str | None = None
    for _ in range(MAX_PAGES):
        url = page_url(s3_url, bucket, prefix, token)
        status, body = await _get_page(client, url, s3_url, credentials, region)
        if status != 200:
            raise _refusal(status, body, bucket)
        folders, objects, token = parse_page(body)
        listing.folders += folders
        listing.objects += objects
        if token is None or len(listing.folders) + len(listing.objects) >= MAX_ENTRIES:
            break
    total = len(listing.folders) + len(listing.objects)
    listing.truncated = token is not None or total > MAX_ENTRIES
    listing.folders = listing.folders[:MAX_ENTRIES]
    listing.objects = listing.objects[: MAX_ENTRIES - len(listing.folders)]
    return listing
