"""The remote check of a streamed run: fed URLs as the files are read, not all at once."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence

from ...config import Config
from ...models import CheckResult
from ...progress import ProgressEvent
from .checker import PageChecks, RemoteOutcome, group_by_page
from .network import NetworkState, WatchPeers


class RemoteSession:
    """check_remote fed as the URLs become known (a streamed run): `add` the links' URLs as
    files are read, `add_extras` the rules' once every link is in, `close`, then `outcome`."""

    def __init__(self, config: Config, *, progress: Callable[[ProgressEvent], None] | None,
                 peers: WatchPeers | None = None, origins: frozenset[str] = frozenset(),
                 on_record: Callable[[CheckResult], None] | None = None) -> None:
        """`on_record`: told of each verdict as it is made (a worker hands them on)."""
        self._run = PageChecks(config, None, time.time, asyncio.sleep, random.random, progress,
                               set())  # grows with every batch of links
        self._run.peers = peers
        self._run.on_record = on_record
        self._run.begin(origins)

    def add(self, urls: Sequence[str]) -> None:
        """Links' URLs: counted in progress, and checked at once."""
        run = self._run
        run.counted.update(urls)
        run.add(group_by_page(urls))
        run.emit()

    def add_extras(self, urls: Sequence[str]) -> None:
        self._run.add_extras(group_by_page(urls), frozenset(urls))

    def close(self, origins: frozenset[str] = frozenset()) -> None:
        """No more URLs; `origins`: the run's others (checked elsewhere) for the watch."""
        self._run.close()
        self._run.watch.know_every_origin(origins)

    async def outcome(self) -> RemoteOutcome:
        run = self._run
        try:
            results = await run.finish()
        finally:
            await run.clients.aclose()
        down = run.watch.state is NetworkState.DOWN
        return RemoteOutcome(results, down, run.requests_sent, tuple(dict.fromkeys(run.notes)),
                             run.gates.answered)

    async def abandon(self) -> None:
        """Stop whatever is under way (the run is being interrupted)."""
        for task in self._run.tasks:
            task.cancel()
        await asyncio.gather(*self._run.tasks, return_exceptions=True)
        await self._run.clients.aclose()
