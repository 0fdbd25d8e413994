"""The extension's wiring: entry points, enable file, services from config, shutdown."""

from __future__ import annotations

import json
from pathlib import Path

import jupyter_extension_server
from jupyter_extension_server.identity import IdTokenService

PACKAGE_DIR = Path(jupyter_extension_server.__file__).parent
REPO = PACKAGE_DIR.parent


def the_service(jp_serverapp) -> IdTokenService:
    """The IdTokenService the running server's extension created."""
    app = jp_serverapp.web_app.settings["jupyter_extension_server"]
    return app.identity


def test_labextension_path_matches_the_npm_package():
    npm_name = json.loads((REPO / "package.json").read_text())["name"]
    assert jupyter_extension_server._jupyter_labextension_paths() == [
        {"src": "labextension", "dest": npm_name}
    ]


def test_the_enable_file_enables_the_extension_point():
    enable = json.loads(
        (REPO / "jupyter-config/server-config/jupyter_extension_server.json").read_text()
    )
    assert enable == {"ServerApp": {"jpserver_extensions": {"jupyter_extension_server": True}}}
    (point,) = jupyter_extension_server._jupyter_server_extension_points()
    assert point["module"] == "jupyter_extension_server"
    assert point["app"].name == point["module"]  # jupyter_server finds the app by this name


def test_version_is_a_string():
    assert isinstance(jupyter_extension_server.__version__, str)
    assert jupyter_extension_server.__version__


def test_the_server_loads_the_extension(jp_serverapp):
    extension = jp_serverapp.extension_manager.extensions["jupyter_extension_server"]
    assert extension.enabled
    service = the_service(jp_serverapp)
    assert isinstance(service, IdTokenService)
    assert service.parent is jp_serverapp  # so c.IdTokenService applies (see test_handlers)


async def test_shutdown_closes_the_http_client(hub_env, jp_serverapp, jp_fetch):
    response = await jp_fetch("vault-jwt", "identity")
    assert json.loads(response.body)["source_detail"] == "JupyterHub service vault-jwt-id-token"
    service = the_service(jp_serverapp)
    assert service._http.is_open
    await jp_serverapp.cleanup_extensions()  # what the server runs when it stops
    assert not service._http.is_open
