"""Single flight: concurrent callers of one operation share one execution."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Run an async operation at most once at a time; callers arriving meanwhile share its result.

    A caller that arrives after the shared call finished starts a new one. An exception reaches
    every waiter. A waiter that is cancelled does not cancel the shared call for the others.
    """

    def __init__(self) -> None:
        self._task: asyncio.Task[T] | None = None

    @property
    def in_flight(self) -> bool:
        """Whether a shared call is running."""
        return self._task is not None and not self._task.done()

    async def run(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Join the running call, or start ``operation`` and share it.

        Parameters
        ----------
        operation
            A coroutine function; called only when no call is in flight.

        Returns
        -------
        The result of the shared call.
        """
        if not self.in_flight:
            task = asyncio.ensure_future(operation())
            self._task = task
            task.add_done_callback(self._clear)
        return await asyncio.shield(self._task)

    def _clear(self, task: asyncio.Task[T]) -> None:
        if self._task is task:
            self._task = None
        if not task.cancelled():
            task.exception()  # mark retrieved: waiters re-raise it themselves
