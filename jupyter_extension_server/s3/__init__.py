"""Object storage: temporary S3 credentials from the id_token (STS AssumeRoleWithWebIdentity)."""

from .service import S3Credentials

__all__ = ["S3Credentials"]
