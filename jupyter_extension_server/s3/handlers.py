"""REST routes of object storage, under ``{base_url}vault-jwt/s3``.

Thin: each derives from :class:`~..handlers.BaseHandler` (authenticated, owner only, XSRF on every
verb), calls :class:`~.service.S3Credentials` and answers its state: never a key, a session token
or an id_token. See docs/security.md.
"""

from __future__ import annotations

import json

import tornado.web
from jupyter_server.auth.decorator import authorized

from ..handlers import BaseHandler
from .service import S3Status


def s3_reply(status: S3Status) -> str:
    """The JSON reply of the object storage routes (never a credential)."""
    error = status.error
    return json.dumps(
        {
            "configured": status.configured,
            "endpoint": status.endpoint,
            "s3_endpoint": status.s3_endpoint,
            "role_arn": status.role_arn,
            "region": status.region,
            "profile": status.profile,
            "credentials_file": status.credentials_file,
            "tls_verify": status.tls_verify,
            "tls_warning": status.tls_warning,
            "active": status.active,
            "expiration": status.expiration,
            "issued_at": status.issued_at,
            "assumed_role_arn": status.assumed_role_arn,
            "revoked_by_user": status.revoked_by_user,
            "error": {"code": error.code, "message": error.message} if error else None,
            "hint": status.hint,
        }
    )


class S3Handler(BaseHandler):
    """``GET vault-jwt/s3``: the credentials' state (endpoint, role, expiry, last error)."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(s3_reply(self.s3.status()))


class S3RenewHandler(BaseHandler):
    """``POST vault-jwt/s3/renew``: assume the role with the current id_token, write the profile."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        await self.s3.renew()
        self.finish(s3_reply(self.s3.status()))


class S3RevokeHandler(BaseHandler):
    """``POST vault-jwt/s3/revoke``: drop the credentials, remove the profile, stop renewing."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        await self.s3.revoke()
        self.finish(s3_reply(self.s3.status()))


class S3BucketsHandler(BaseHandler):
    """``GET vault-jwt/s3/buckets``: the buckets the credentials can list."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(json.dumps({"buckets": await self.s3.buckets()}))


class S3ObjectsHandler(BaseHandler):
    """``GET vault-jwt/s3/objects?bucket=&prefix=``: the folders and objects of one level of a
    bucket."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        bucket = self.get_query_argument("bucket", "")
        prefix = self.get_query_argument("prefix", "")
        listing = await self.s3.objects(bucket, prefix)
        self.finish(json.dumps(listing.as_json()))


def s3_routes(namespace: str, services: dict) -> list[tuple[str, type[BaseHandler], dict]]:
    """The object storage routes (``services`` as the route table gives every handler)."""
    return [
        (f"/{namespace}/s3/?", S3Handler, services),
        (f"/{namespace}/s3/renew", S3RenewHandler, services),
        (f"/{namespace}/s3/revoke", S3RevokeHandler, services),
        (f"/{namespace}/s3/buckets", S3BucketsHandler, services),
        (f"/{namespace}/s3/objects", S3ObjectsHandler, services),
    ]
