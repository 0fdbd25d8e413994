"""The extension's routes: every feature's handlers, under ``vault-jwt/`` of the server's
base_url (the Vault, identity and redaction handlers of :mod:`.handlers`, and the sign-in and
object storage features' own)."""

from __future__ import annotations

from .handlers import (
    NAMESPACE,
    BaseHandler,
    CatalogHandler,
    IdentityHandler,
    IdentityRefreshHandler,
    IdentityTokenHandler,
    ManualPathHandler,
    RedactionHandler,
    RedactionScanHandler,
    SecretKeysHandler,
    VaultHandler,
    VaultLoginHandler,
    VaultLogoutHandler,
    VaultTokenFileHandler,
)
from .identity import IdTokenService
from .redaction.service import RedactionService
from .s3.handlers import s3_routes
from .s3.service import S3Credentials
from .signin.handlers import signin_routes
from .vault.catalog import SecretCatalog
from .vault.session import VaultSession


def route_table(
    identity: IdTokenService,
    vault: VaultSession,
    catalog: SecretCatalog,
    redaction: RedactionService | None = None,
    s3: S3Credentials | None = None,
) -> list[tuple[str, type[BaseHandler], dict]]:
    """The extension's routes, relative to the server's base_url.

    ``ExtensionApp`` joins them to ``base_url`` (``url_path_join``) when it registers them.

    Parameters
    ----------
    identity
        The id_token service the handlers use.
    vault
        The Vault session.
    catalog
        The catalog of readable secrets.
    redaction
        The redaction service.
    s3
        The object storage credentials.
    """
    services = {
        "identity": identity,
        "vault": vault,
        "catalog": catalog,
        "redaction": redaction,
        "s3": s3,
    }
    return [
        (f"/{NAMESPACE}/identity", IdentityHandler, services),
        (f"/{NAMESPACE}/identity/refresh", IdentityRefreshHandler, services),
        (f"/{NAMESPACE}/identity/token", IdentityTokenHandler, services),
        (f"/{NAMESPACE}/vault/?", VaultHandler, services),
        (f"/{NAMESPACE}/vault/login", VaultLoginHandler, services),
        (f"/{NAMESPACE}/vault/logout", VaultLogoutHandler, services),
        (f"/{NAMESPACE}/vault/token-file", VaultTokenFileHandler, services),
        (f"/{NAMESPACE}/vault/catalog", CatalogHandler, services),
        (f"/{NAMESPACE}/vault/catalog/manual", ManualPathHandler, services),
        (f"/{NAMESPACE}/vault/secret/keys", SecretKeysHandler, services),
        (f"/{NAMESPACE}/redaction/?", RedactionHandler, services),
        (f"/{NAMESPACE}/redaction/scan", RedactionScanHandler, services),
        *signin_routes(NAMESPACE, services),
        *s3_routes(NAMESPACE, services),
    ]
