"""The jupyter_server extension: creates the services and registers the REST handlers."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from .handlers import route_table
from .identity import IdTokenService


class VaultJwtApp(ExtensionApp):
    """jupyterlab-vault-jwt server companion (configure its services with ``c.IdTokenService``)."""

    name = "jupyter_extension_server"
    load_other_extensions = True

    classes = [IdTokenService]  # noqa: RUF012 (a traitlets List trait)

    def initialize_settings(self) -> None:
        """Create the services (configured from the server's config)."""
        self.identity = IdTokenService(parent=self.serverapp)

    def initialize_handlers(self) -> None:
        """Register the routes under ``{base_url}vault-jwt/``."""
        self.handlers.extend(route_table(identity=self.identity))

    async def stop_extension(self) -> None:
        """Close the HTTP clients on shutdown."""
        await self.identity.close()
