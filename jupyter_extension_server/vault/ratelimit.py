"""A sliding-window limit on forced Vault logins (``POST vault/login?force=true``).

Each forced login makes a new Vault token. The replaced ones are revoked after their grace
period, but a client looping on the route could still make tokens faster than they are revoked,
so at most ``limit`` forced logins are allowed in any ``period`` seconds; the next one is refused
with a ``Retry-After`` (error code ``vault_login_rate_limited``, HTTP 429). Logins the session
makes by itself (renewal at the max TTL, a new id_token, a 403 with a revoked token) are not
counted.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimit:
    """At most ``limit`` events in any ``period`` seconds.

    Parameters
    ----------
    limit
        Events allowed per window (0: none).
    period
        Length of the window, in seconds.
    clock
        Monotonic seconds (replaceable in tests).
    """

    def __init__(
        self, limit: int, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = max(0, int(limit))
        self.period = max(0.0, float(period))
        self._clock = clock
        self._events: deque[float] = deque()

    def retry_after(self) -> float:
        """Seconds until one more event is allowed (0: allowed now)."""
        now = self._clock()
        while self._events and self._events[0] <= now - self.period:
            self._events.popleft()
        if len(self._events) < self.limit:
            return 0.0
        if not self._events:  # limit 0
            return self.period
        return max(0.0, self._events[0] + self.period - now)

    def take(self) -> float:
        """Count one event when allowed.

        Returns
        -------
        float
            0 when counted, else the seconds to wait before one is allowed.
        """
        wait = self.retry_after()
        if wait == 0:
            self._events.append(self._clock())
        return wait
