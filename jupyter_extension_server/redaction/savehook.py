"""The save layer: outputs are scrubbed before a notebook is written.

:func:`install` gives the server's ContentsManager two things:

- a wrapper around ``save`` (awaited by the contents API) that first reads, with the user's Vault
  token, the secrets the notebook's snippets read (:meth:`.RedactionService.learn_from_notebook`);
- a pre-save hook (``register_pre_save_hook``, synchronous, run by ``save`` before the file is
  written) that replaces every known value in the outputs with its marker. Should scrubbing fail,
  the hook drops the outputs of every code cell rather than write a value (an unhandled hook error
  would let jupyter_server save the notebook as it is).

Only notebooks the contents API saves go through it (the browser's saves and autosaves); a file
written by other means (a kernel's own ``open()``, nbconvert on the command line) does not.
"""

from __future__ import annotations

from typing import Any

from jupyter_core.utils import ensure_async

from .service import RedactionService


def _notebook(model: dict) -> dict | None:
    content = model.get("content")
    if model.get("type") == "notebook" and isinstance(content, dict):
        return content
    return None


class ScrubOutputsHook:
    """The pre-save hook: every known value in the notebook's outputs becomes its marker."""

    def __init__(self, service: RedactionService) -> None:
        self.service = service

    def __call__(self, model: dict, path: str = "", contents_manager: Any = None, **_: Any) -> None:
        notebook = _notebook(model)
        if notebook is None or not self.service.active:
            return
        try:
            changed = self.service.scrub_notebook(notebook)
        except Exception:
            self.service.log.exception(
                "jupyterlab-vault-jwt: masking the outputs of %s failed; its outputs are dropped",
                path,
            )
            for cell in notebook.get("cells") or []:
                if cell.get("cell_type") == "code":
                    cell["outputs"] = []
            return
        if changed:
            self.service.log.info(
                "jupyterlab-vault-jwt: masked secret values in %d output(s) of %s", changed, path
            )


def install(contents_manager: Any, service: RedactionService) -> ScrubOutputsHook:
    """Install the save layer on ``contents_manager`` (see the module docstring)."""
    hook = ScrubOutputsHook(service)
    contents_manager.register_pre_save_hook(hook)
    original = contents_manager.save

    async def save(model: dict, path: str = "") -> Any:
        notebook = _notebook(model)
        if notebook is not None and service.active:
            await service.learn_from_notebook(notebook)
        return await ensure_async(original(model, path))

    contents_manager.save = save
    return hook
