"""Check the demo's object storage (``scripts/seaweedfs.sh sts-check``) as a user would get it.

Gets USER's id_token from Keycloak with the password grant (the demo client allows it), assumes
ROLE at the STS with it (``AssumeRoleWithWebIdentity``, boto3), and with those temporary
credentials lists the buckets (they must be exactly the BUCKETs given) and reads ``team.csv`` of
the first one (seeded by ``scripts/seaweedfs.sh seed``). Prints what it found, never a key or
token; exits 1 with a message when something differs.

    python demo/s3_check.py --s3 http://127.0.0.1:8300 --keycloak-realm-url URL \\
        alice alice-password jupyter-management management-data
"""

from __future__ import annotations

import argparse
import sys

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

PROG = "s3_check"


class CheckFailed(Exception):
    """A step of the check failed (the message says which)."""


def id_token(realm_url: str, client_id: str, client_secret: str, user: str, password: str) -> str:
    """USER's id_token from Keycloak's password grant."""
    try:
        response = httpx.post(
            f"{realm_url.rstrip('/')}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": client_id,
                "client_secret": client_secret,
                "username": user,
                "password": password,
                "scope": "openid",
            },
            timeout=30,
        )
    except httpx.HTTPError as e:
        raise CheckFailed(f"Keycloak token endpoint: {type(e).__name__}") from None
    if response.status_code != 200:
        raise CheckFailed(f"Keycloak password grant for {user}: HTTP {response.status_code}")
    token = response.json().get("id_token")
    if not token:
        raise CheckFailed("Keycloak returned no id_token")
    return token


def check(args: argparse.Namespace) -> None:
    token = id_token(
        args.keycloak_realm_url, args.client_id, args.client_secret, args.user, args.password
    )
    config = Config(retries={"max_attempts": 2}, connect_timeout=10, read_timeout=30)
    role_arn = f"arn:aws:iam::role/{args.role}"
    try:
        sts = boto3.client("sts", endpoint_url=args.s3, region_name="us-east-1", config=config)
        credentials = sts.assume_role_with_web_identity(
            RoleArn=role_arn,
            RoleSessionName=args.user,
            WebIdentityToken=token,
            DurationSeconds=900,
        )["Credentials"]
    except (BotoCoreError, ClientError) as e:
        raise CheckFailed(f"AssumeRoleWithWebIdentity of {role_arn} as {args.user}: {e}") from None
    s3 = boto3.client(
        "s3",
        endpoint_url=args.s3,
        region_name="us-east-1",
        config=config,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    try:
        buckets = sorted(b["Name"] for b in s3.list_buckets().get("Buckets", []))
        body = s3.get_object(Bucket=args.buckets[0], Key="team.csv")["Body"].read()
    except (BotoCoreError, ClientError) as e:
        raise CheckFailed(f"S3 as {args.user} ({args.role}): {e}") from None
    if buckets != sorted(args.buckets):
        raise CheckFailed(
            f"{args.user} lists the buckets {buckets}, expected {sorted(args.buckets)}"
        )
    rows = body.decode().strip().splitlines()
    print(
        f"{PROG}: {args.user} assumed {args.role} with their id_token: "
        f"buckets {', '.join(buckets)}; {args.buckets[0]}/team.csv has {len(rows) - 1} rows"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--s3", required=True, help="the S3 and STS URL of SeaweedFS")
    parser.add_argument("--keycloak-realm-url", required=True)
    parser.add_argument("--client-id", default="jupyterhub")
    parser.add_argument("--client-secret", default="jupyterhub-demo-secret")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("role", help="role name, e.g. jupyter-management")
    parser.add_argument("buckets", nargs="+", help="exactly the buckets the role may list")
    args = parser.parse_args(argv)
    try:
        check(args)
    except CheckFailed as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
