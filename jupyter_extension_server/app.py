"""The jupyter_server extension: creates the services and registers the REST handlers."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from .handlers import route_table
from .identity import IdTokenService
from .vault.catalog import SecretCatalog
from .vault.session import VaultSession


class VaultJwtApp(ExtensionApp):
    """jupyterlab-vault-jwt server companion.

    Configure its services with ``c.IdTokenService``, ``c.VaultSession`` and ``c.SecretCatalog``.
    """

    name = "jupyter_extension_server"
    load_other_extensions = True

    classes = [IdTokenService, VaultSession, SecretCatalog]  # noqa: RUF012 (a traitlets List)

    def initialize_settings(self) -> None:
        """Create the services (configured from the server's config)."""
        self.identity = IdTokenService(parent=self.serverapp)
        self.vault = VaultSession(parent=self.serverapp, identity=self.identity)
        self.catalog = SecretCatalog(parent=self.serverapp, session=self.vault)

    def initialize_handlers(self) -> None:
        """Register the routes under ``{base_url}vault-jwt/``."""
        self.handlers.extend(
            route_table(identity=self.identity, vault=self.vault, catalog=self.catalog)
        )

    async def stop_extension(self) -> None:
        """On shutdown: end the Vault session (revoke every token it holds, if configured, within
        ``c.VaultSession.revoke_timeout``), close the HTTP clients.

        jupyter_server runs this on SIGTERM (and on SIGINT from a terminal, once confirmed),
        through ``ServerApp._cleanup``. Without a terminal, SIGINT (which JupyterHub's spawners
        send first) ends the event loop with ``KeyboardInterrupt`` and never gets here: the
        session then revokes at interpreter exit (``atexit``).
        """
        await self.vault.close()
        await self.identity.close()
