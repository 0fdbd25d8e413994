"""Single flight: concurrent callers of one operation share one execution.

Used for the id_token refresh (many browser tabs asking at once make one hub call) and meant for
any other call that must not run twice at the same time (e.g. a Vault login).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Run an async operation at most once at a time; callers arriving meanwhile share its outcome.

    - Callers that arrive while a call is in flight wait for that call and get its result, or its
      exception, each of them.
    - A caller that arrives after the call finished starts a new one (results are not cached).
    - The call runs in a task owned by this object: a waiter that is cancelled (a client went
      away) stops waiting, but the call goes on for the other waiters.

    One instance guards one operation: a caller that passes another operation while a call is in
    flight joins that call.

    Examples
    --------
    >>> flight: SingleFlight[str] = SingleFlight()
    >>> async def handler():
    ...     return await flight.run(read_token)  # 100 concurrent handlers, one read_token()
    """

    def __init__(self) -> None:
        self._task: asyncio.Task[T] | None = None

    @property
    def in_flight(self) -> bool:
        """Whether a shared call is running."""
        return self._task is not None and not self._task.done()

    async def run(self, operation: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Join the call in flight, or start ``operation()`` and share it.

        Parameters
        ----------
        operation
            A coroutine function; called only when no call is in flight.

        Returns
        -------
        T
            The result of the shared call.

        Raises
        ------
        Exception
            Whatever the shared call raised (every waiter gets it).
        asyncio.CancelledError
            When this waiter is cancelled, or the shared call itself was cancelled.
        """
        task = self._task
        if task is None or task.done():
            task = asyncio.get_running_loop().create_task(operation())
            task.add_done_callback(self._finished)
            self._task = task
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task[T]) -> None:
        if self._task is task:
            self._task = None
        if not task.cancelled():
            # Mark the exception retrieved: the waiters re-raise it themselves, and when every
            # waiter was cancelled nobody is left to see it (the operation logs its own failures).
            task.exception()
