"""Jupyter server configuration for the galata tests (loopback only)."""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.port = int(os.environ.get("UI_LAB_PORT", "18888"))  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.root_dir = tempfile.mkdtemp(prefix="vault-jwt-ui-")  # noqa: F821
c.ServerApp.log_level = "DEBUG"  # noqa: F821
# The tests press Refresh in nearly every set-up (to make the server read the token file they just
# wrote): far more often than a person would, so above the default rate limit (10 a minute).
c.IdTokenService.refresh_limit = 120  # noqa: F821

# The Vault card logs in to the test OpenBao (scripts/test.sh starts it and has its `jwt-test`
# auth method trust the key that tests/jwt.js signs with). The token file goes next to the test
# results, never into the real ~/.vault-token.
if os.environ.get("OPENBAO_ADDR"):
    # Through the fault proxy of playwright.config.js (transparent unless a test sets a fault).
    c.VaultSession.address = os.environ.get("UI_VAULT_ADDR") or os.environ["OPENBAO_ADDR"]  # noqa: F821
    # Short, so the fault tests see timeouts quickly (a fault adds 5 s of latency).
    c.VaultSession.request_timeout = 3.0  # noqa: F821
    c.VaultSession.auth_mount = "jwt-test"  # noqa: F821
    c.VaultSession.role = "jupyter"  # noqa: F821
    c.VaultSession.token_file = os.environ.get(  # noqa: F821
        "UI_VAULT_TOKEN_FILE", os.path.join(tempfile.gettempdir(), "ui-tests-vault-token")
    )
