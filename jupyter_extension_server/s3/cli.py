"""The ``credential_process`` helper: prints the profile's current credentials as the AWS SDKs
expect (``{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}``).

It reads them from the profile the server keeps fresh in the shared credentials file, so an SDK
that caches credentials for its lifetime (a boto3 session in a long-running kernel) asks this
helper again when ``Expiration`` comes near and gets the renewed keys. Configure it in
``~/.aws/config``::

    [profile jupyter-refreshing]
    credential_process = python -m jupyter_extension_server.s3 credential-process --profile jupyter

Nothing is printed on failure but a message on stderr (exit status 1); never a key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from .profile import CredentialsFile

#: Credentials closer than this to their expiry are not handed out (the server renews them
#: when a third of their lifetime is left; an SDK would use them for a while).
MIN_VALIDITY_SECONDS = 5


def credential_process_output(values: dict[str, str], now: float) -> dict[str, object]:
    """The JSON object of the credential_process protocol from our profile's keys.

    Raises
    ------
    LookupError
        When the profile lacks a part, or its credentials have expired.
    """
    needed = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
    if not all(values.get(key) for key in needed):
        raise LookupError("the profile holds no credentials (are they renewed by the server?)")
    output: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": values["aws_access_key_id"],
        "SecretAccessKey": values["aws_secret_access_key"],
        "SessionToken": values["aws_session_token"],
    }
    expiration = values.get("x_jupyter_expiration")
    if expiration:
        when = datetime.fromisoformat(expiration.replace("Z", "+00:00")).timestamp()
        if when - now < MIN_VALIDITY_SECONDS:
            raise LookupError("the profile's credentials have expired (is the server running?)")
        output["Expiration"] = expiration
    return output


def main(argv: list[str] | None = None) -> int:
    """``python -m jupyter_extension_server.s3 credential-process [--profile P] [--file F]``."""
    parser = argparse.ArgumentParser(prog="python -m jupyter_extension_server.s3")
    commands = parser.add_subparsers(dest="command", required=True)
    cp = commands.add_parser("credential-process", help="print the profile's credentials (JSON)")
    cp.add_argument("--profile", default="jupyter", help="the profile the server writes")
    cp.add_argument(
        "--file",
        default=os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials",
        help="the shared credentials file",
    )
    args = parser.parse_args(argv)
    try:
        values = CredentialsFile(Path(args.file), args.profile).read()
        output = credential_process_output(values, time.time())
    except (LookupError, OSError, ValueError) as e:
        print(f"jupyterlab-vault-jwt credential-process: {args.profile}: {e}", file=sys.stderr)
        return 1
    json.dump(output, sys.stdout)
    sys.stdout.write("\n")
    return 0
