"""The server's redaction service: its settings, the values it knows and the matcher over them.

The server learns which values to mask from the snippets a kernel runs or a notebook holds
(:mod:`.snippets`) and reads those secrets itself with the user's Vault token. The values stay in
this process's memory only (never logged, never written, never sent to the browser), for
``refresh_after`` seconds before they are read again (a rotated value is then masked too: the old
one stays known until the server stops).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from traitlets import Bool, Float, Int
from traitlets.config import LoggingConfigurable

from ..errors import RedactionMandatory, VaultJwtError, VaultNotFound
from ..vault.api import quote_path
from ..vault.kv import KvMount, kv_mounts
from ..vault.paths import shown, unsafe_reason
from ..vault.session import VaultSession
from . import engines
from .matcher import DEFAULT_MIN_LENGTH, Matcher, safe_label
from .snippets import SecretRef, notebook_refs, secret_refs

#: Most secrets read for one cell, notebook or scan (a hostile notebook naming thousands of
#: secrets must not turn into thousands of Vault reads); the rest are reported unreadable.
MAX_SECRETS_PER_CALL = 256

#: Output fields of a notebook cell that hold text shown to the user.
_OUTPUT_FIELDS = ("text", "data", "traceback", "evalue", "ename")


@dataclass(frozen=True)
class Finding:
    """One cell of a notebook whose outputs hold values: its index and the secrets' labels
    (``mount/path#key``, written as in markers: hostile characters percent-encoded)."""

    cell: int
    secrets: list[str]


class RedactionService(LoggingConfigurable):
    """Masks secret values in kernel output and in saved notebooks (``c.RedactionService``).

    Parameters
    ----------
    session
        The Vault session whose token reads the secrets.
    """

    enabled = Bool(
        True,
        config=True,
        help="Mask secret values read by snippets in kernel output and saved notebooks. Users "
        "may turn it off for their server unless `mandatory` is set.",
    )
    mandatory = Bool(
        False,
        config=True,
        help="Masking is always on: users cannot turn it off (their setting is ignored).",
    )
    min_length = Int(
        DEFAULT_MIN_LENGTH,
        config=True,
        help="Values shorter than this many characters are not masked: short values (1, yes, "
        "admin) also appear in ordinary output, and masking them garbles it and tells a "
        "reader where the value occurs.",
    )
    refresh_after = Float(
        300.0,
        config=True,
        help="Seconds after which a secret is read again from Vault when a snippet reading "
        "it runs or a notebook reading it is saved.",
    )

    def __init__(self, session: VaultSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session = session
        self._values: dict[SecretRef, tuple[float, dict[str, Any]]] = {}
        self._mounts: tuple[float, list[KvMount]] | None = None
        self._matcher: Matcher | None = None
        self._noted = 0  # engines.NOTES already logged
        self.user_enabled: bool | None = None

    @property
    def active(self) -> bool:
        """Whether masking is on: the administrator's setting, unless the user turned it off
        (and it is not mandatory)."""
        if self.mandatory:
            return True
        return self.enabled and self.user_enabled is not False

    def set_user_enabled(self, enabled: bool) -> None:
        """The user's choice; refused (:class:`RedactionMandatory`) when it is mandatory."""
        if self.mandatory and not enabled:
            raise RedactionMandatory(
                "Your administrator made masking of secret values mandatory on this server."
            )
        self.user_enabled = enabled

    @property
    def matcher(self) -> Matcher:
        """The matcher over every value known (built again when one is added)."""
        if self._matcher is None:
            pairs = [
                (f"{ref.name}#{key}", value)
                for ref, (_at, data) in self._values.items()
                for key, value in data.items()
            ]
            self._matcher = Matcher(pairs, self.min_length)
            # Said once per reason: masking goes on with a slower engine.
            for note in engines.NOTES[self._noted :]:
                self.log.warning(
                    "Redaction: %s; masking with %s instead (slower).", note, self._matcher.engine
                )
            self._noted = len(engines.NOTES)
        return self._matcher

    def add_values(self, ref: SecretRef, data: dict[str, Any]) -> None:
        """Know the values of one secret (``key -> value``)."""
        self._values[ref] = (time.monotonic(), dict(data))
        self._matcher = None

    def known(self) -> set[SecretRef]:
        """The secrets whose values are known."""
        return set(self._values)

    async def learn(self, refs: Iterable[SecretRef]) -> list[SecretRef]:
        """Read the secrets in ``refs`` not read in the last ``refresh_after`` seconds.

        Returns the secrets that could not be read (no session, no permission, not found):
        their values are masked only if known from before.
        """
        now = time.monotonic()
        todo = [
            ref
            for ref in sorted(set(refs))
            if ref not in self._values or now - self._values[ref][0] > self.refresh_after
        ]
        if not todo:
            return []
        skipped = todo[MAX_SECRETS_PER_CALL:]
        todo = todo[:MAX_SECRETS_PER_CALL]
        results = await asyncio.gather(*(self._read(ref) for ref in todo))
        failed = list(skipped)
        for ref, data in zip(todo, results, strict=True):
            if data is None:
                failed.append(ref)
            else:
                self.add_values(ref, data)
        return failed

    async def learn_from_code(self, code: str, language: str | None = None) -> list[SecretRef]:
        """Read the secrets the snippets in ``code`` read (see :meth:`learn`)."""
        refs = secret_refs(code, language)
        return await self.learn(refs) if refs else []

    async def learn_from_notebook(self, notebook: dict) -> list[SecretRef]:
        """Read the secrets the snippets in a notebook read (see :meth:`learn`)."""
        refs = notebook_refs(notebook)
        return await self.learn(refs) if refs else []

    def scrub_notebook(self, notebook: dict) -> int:
        """Replace every known value in the notebook's outputs by its marker, in place.

        Returns how many outputs changed; a notebook without values is left untouched.
        """
        matcher = self.matcher
        if not matcher:
            return 0
        changed = 0
        for cell in notebook.get("cells") or []:
            for output in cell.get("outputs") or []:
                for field in _OUTPUT_FIELDS:
                    if field in output:
                        new = matcher.redact_data(output[field])
                        if new is not output[field]:
                            output[field] = new
                            changed += 1
        return changed

    def scan_notebook(self, notebook: dict) -> list[Finding]:
        """Which cells' outputs hold which known values (labels only, never values)."""
        matcher = self.matcher
        findings = []
        if not matcher:
            return findings
        for index, cell in enumerate(notebook.get("cells") or []):
            labels: set[str] = set()
            for output in cell.get("outputs") or []:
                for field in _OUTPUT_FIELDS:
                    for text in _texts(output.get(field)):
                        labels |= matcher.labels_in(text)
            if labels:
                findings.append(Finding(index, sorted(safe_label(label) for label in labels)))
        return findings

    async def _read(self, ref: SecretRef) -> dict[str, Any] | None:
        """The secret's ``key -> value`` (None when it cannot be read; the reason is logged,
        never a value)."""
        if unsafe_reason(ref.mount + "/" + ref.path):
            return None

        async def read(token: str) -> dict[str, Any] | None:
            mount = await self._mount(ref.mount, token)
            if mount is None:
                return None
            try:
                reply = await self._session.api.request(
                    "GET", quote_path(mount.read_path(ref.path)), token=token
                )
            except VaultNotFound:
                return None
            data = reply.get("data") or {}
            if mount.version == 2:
                data = data.get("data") or {}
            return data if isinstance(data, dict) else None

        try:
            return await self._session.run(read)
        except VaultJwtError as e:
            self.log.info(
                "jupyterlab-vault-jwt: redaction could not read %s (%s)", shown(ref.name), e.code
            )
            return None

    async def _mount(self, name: str, token: str) -> KvMount | None:
        now = time.monotonic()
        if self._mounts is None or now - self._mounts[0] > 60:
            reply = await self._session.api.request("GET", "sys/internal/ui/mounts", token=token)
            self._mounts = (now, kv_mounts(reply))
        return next((m for m in self._mounts[1] if m.path == f"{name}/"), None)


def _texts(value: Any) -> Iterable[str]:
    """Every string inside an output field (str, list of str, mime bundle, JSON)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
