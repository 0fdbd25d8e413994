"""How often the id_token source may be read: a rate limit, and the back-off after a read that
brought the same token.

No client bug may turn into a storm against JupyterHub or the identity provider (issue 17: a
panel that POSTed ``identity/refresh`` 110 times a second). Two guards, both on the server's
monotonic clock (replaceable in tests):

- :class:`ReadBudget`, a sliding-window rate limit on reads of the source: at most ``limit`` in
  any ``window`` seconds. Callers that join a read in flight (the single flight) cost nothing.
  Past the budget a read is refused with :class:`~..errors.RefreshRateLimited` (HTTP 429, with
  ``Retry-After``) until the oldest read leaves the window.
- :class:`UnchangedBackoff`: after a read that handed back the token already in memory, the
  identity is not read again *because it has expired* sooner than a back-off (15 s, doubling
  up to 5 minutes, like the panel's). A refresh asked for explicitly still reads (within the
  budget): the user may just have rewritten the token file.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from ..errors import RefreshRateLimited

#: First back-off after a read that brought the same token (seconds); it doubles up to the max.
UNCHANGED_BACKOFF_MIN = 15.0
#: Longest back-off after reads that brought the same token (seconds).
UNCHANGED_BACKOFF_MAX = 300.0


class ReadBudget:
    """At most ``limit`` reads in any ``window`` seconds.

    Parameters
    ----------
    limit
        Reads allowed per window; 0 or less turns the limit off.
    window
        Length of the sliding window, in seconds.
    clock
        Monotonic clock in seconds (``time.monotonic``); tests replace :attr:`clock`.
    """

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._reads: deque[float] = deque()
        self.refused = 0

    def acquire(self, what: str) -> None:
        """Take one read from the budget, or refuse it.

        Parameters
        ----------
        what
            What is read, for the message (e.g. ``"JupyterHub API users/alice"``).

        Raises
        ------
        RefreshRateLimited
            When ``limit`` reads were made in the last ``window`` seconds; its ``retry_after``
            says when the next one is allowed. :attr:`refused` counts the refusals since the
            last read allowed (the caller logs the first one only).
        """
        if self.limit <= 0:
            return
        now = self.clock()
        while self._reads and self._reads[0] <= now - self.window:
            self._reads.popleft()
        if len(self._reads) < self.limit:
            self._reads.append(now)
            self.refused = 0
            return
        self.refused += 1
        retry_after = max(1, math.ceil(self._reads[0] + self.window - now))
        raise RefreshRateLimited(
            f"Too many id_token refreshes: this server reads the id_token from {what} at most "
            f"{self.limit} times in {self.window:g} s (c.IdTokenService.refresh_limit and "
            f"refresh_window). Try again in {retry_after} s; the panel does so by itself.",
            retry_after=retry_after,
        )


class UnchangedBackoff:
    """Whether to hold off reading again an identity that expired, after it came back unchanged.

    Parameters
    ----------
    clock
        Monotonic clock in seconds; tests replace :attr:`clock`.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._streak = 0
        self._last_read = 0.0

    def read(self, changed: bool) -> None:
        """Note a successful read, and whether it brought another token than the last one."""
        self._streak = 0 if changed else self._streak + 1
        self._last_read = self.clock()

    @property
    def delay(self) -> float:
        """The back-off in force (seconds): 0 after a new token, else 15 s, 30 s, ... 300 s."""
        if self._streak == 0:
            return 0.0
        return min(UNCHANGED_BACKOFF_MAX, UNCHANGED_BACKOFF_MIN * 2 ** (self._streak - 1))

    def holding(self) -> bool:
        """Whether the last read brought the same token less than :attr:`delay` ago."""
        return self._streak > 0 and self.clock() < self._last_read + self.delay
