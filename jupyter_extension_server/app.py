"""The jupyter_server extension: creates the services and registers the REST handlers."""

from __future__ import annotations

import os

from jupyter_server.extension.application import ExtensionApp

from .identity import IdTokenService
from .redaction import kernel, savehook
from .redaction.service import RedactionService
from .redaction.websocket import connection_class
from .routes import route_table
from .s3 import S3Credentials
from .vault.catalog import SecretCatalog
from .vault.session import VaultSession


class VaultJwtApp(ExtensionApp):
    """jupyterlab-vault-jwt server companion.

    Configure its services with ``c.IdTokenService``, ``c.VaultSession``, ``c.SecretCatalog``,
    ``c.RedactionService`` and ``c.S3Credentials``.
    """

    name = "jupyter_extension_server"
    load_other_extensions = True

    classes = [IdTokenService, VaultSession, SecretCatalog, RedactionService, S3Credentials]  # noqa: RUF012 (a traitlets List)

    def initialize_settings(self) -> None:
        """Create the services (configured from the server's config)."""
        self.identity = IdTokenService(parent=self.serverapp)
        self.vault = VaultSession(parent=self.serverapp, identity=self.identity)
        if self.identity.vault_oidc is not None:
            self.identity.vault_oidc.bind(self.vault)  # its sign-ins set the session's token
        self.catalog = SecretCatalog(parent=self.serverapp, session=self.vault)
        self.redaction = RedactionService(parent=self.serverapp, session=self.vault)
        self.s3 = S3Credentials(parent=self.serverapp, identity=self.identity)
        self._install_redaction()

    def _install_redaction(self) -> None:
        """The save layer on the contents manager, the wire layer on kernel websockets."""
        savehook.install(self.serverapp.contents_manager, self.redaction)
        # The kernels this server starts inherit its environment: the kernel layer uses the
        # same minimum length, and is off when the administrator turned masking off.
        os.environ.setdefault(kernel.MIN_LENGTH, str(self.redaction.min_length))
        if not self.redaction.active:
            os.environ.setdefault(kernel.SWITCH, "off")
        # ExtensionApp copies these settings over the web app's after initialize_settings
        settings = self.settings
        base = settings.get("kernel_websocket_connection_class")
        from jupyter_server.services.kernels.connection.channels import (
            ZMQChannelsWebsocketConnection,
        )

        if isinstance(base, type) and issubclass(base, ZMQChannelsWebsocketConnection):
            settings["kernel_websocket_connection_class"] = connection_class(base, self.redaction)
        else:
            self.log.warning(
                "jupyterlab-vault-jwt: kernel output is not masked on the wire: the server's "
                "kernel_websocket_connection_class (%s) is not a ZMQChannelsWebsocketConnection; "
                "the kernel and save layers remain",
                base,
            )

    def initialize_handlers(self) -> None:
        """Register the routes under ``{base_url}vault-jwt/``."""
        self.handlers.extend(
            route_table(
                identity=self.identity,
                vault=self.vault,
                catalog=self.catalog,
                redaction=self.redaction,
                s3=self.s3,
            )
        )

    async def stop_extension(self) -> None:
        """On shutdown: end the Vault session (revoke every token it holds, if configured, within
        ``c.VaultSession.revoke_timeout``), remove the S3 profile, close the HTTP clients.

        jupyter_server runs this on SIGTERM (and on SIGINT from a terminal, once confirmed),
        through ``ServerApp._cleanup``. Without a terminal, SIGINT (which JupyterHub's spawners
        send first) ends the event loop with ``KeyboardInterrupt`` and never gets here: the
        session then revokes at interpreter exit (``atexit``).
        """
        await self.vault.close()
        await self.s3.close()
        await self.identity.close()
