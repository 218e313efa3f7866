"""The run as a handful of calls: discover, extract, check, apply rules; the CLI reports."""

from __future__ import annotations

import contextlib
import dataclasses
import mmap
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .check.docusaurus import DocusaurusSite
from .check.local import check_local
from .config import Config
from .discover import discover
from .extract.cache import CACHE_NAME, extract_all, extract_each
from .history.policy import Clock, History, RemoteRun, check_with_history, utc_now
from .models import ChangeScope, CheckResult, Document, Finding, RunResult, Status
from .progress import ProgressEvent
from .rules import build_context, extra_targets, run_rules, without_replaced_diagnostics
from .rules.base import Context
from .urls import PLACEHOLDER_REASON, is_placeholder

if TYPE_CHECKING:  # only named in annotations; offline runs need not import them
    from .check.remote.spread import SpreadSession
    from .http.pool import PoolFactory

_T = TypeVar("_T")
# a remote URL as written in a file, up to what ends it in markdown or HTML
_URL_TEXT = re.compile(rb"https?://[^\s<>()\[\]\"'`]+")


def run(
    config: Config,
    paths: list[str] | None = None,
    *,
    scope: ChangeScope | None = None,
    clock: Clock = utc_now,
    pool_factory: PoolFactory | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
) -> RunResult:
    """Discover, extract, check and apply rules."""
    files = discover(paths or list(config.paths), config.exclude_paths, config.output_dir)
    if scope is not None:
        files = [f for f in files if scope.touches_file(f)]
    if scope is None and pool_factory is None and not config.offline:
        checked = _run_loop(_streamed(files, config, clock, progress))
    else:
        checked = _in_turn(files, config, scope, clock, pool_factory, progress)
    documents, results, context, remote, early = checked
    results.update(remote.results)
    findings = tuple(run_rules(context.with_results(results),
                               None if early is None else True, early or ()))
    documents = without_replaced_diagnostics(documents, config)  # each problem reported once
    return RunResult(
        documents, results, findings, config.offline, remote.network_down, remote.notes,
        requests_sent=remote.requests_sent, scope=scope,
    )


# documents, verdicts, the rules' context, the remote run, and the findings of the rules that
# read no verdict when they were found while the links were being checked (else None)
_Checked = tuple[tuple[Document, ...], dict[str, CheckResult], Context, RemoteRun,
                 list[Finding] | None]


def _in_turn(files: list[str], config: Config, scope: ChangeScope | None, clock: Clock,
             pool_factory: PoolFactory | None,
             progress: Callable[[ProgressEvent], None] | None) -> _Checked:
    """Every file read, then the links checked: offline, in a pull request (only changed
    lines count, known once every file is read) and with a stand-in for the network."""
    documents = extract_all(files, _extract_cache(config))
    results = _local(documents, config)
    remote_targets = sorted(
        {link.resolved_url for doc in documents for link in doc.links if link.is_remote}
    )
    results.update(_classify_without_fetch(remote_targets, config))
    if scope is not None:
        results.update(_outside_change(documents, results, scope))
    to_fetch = [t for t in remote_targets if t not in results]
    context = build_context(documents, {}, config)  # the sources are read once, here
    remote = _check_remote(context, to_fetch, results, clock, pool_factory, progress)
    return documents, results, context, remote, None


async def _streamed(files: list[str], config: Config, clock: Clock,
                    progress: Callable[[ProgressEvent], None] | None) -> _Checked:
    """Each file's new links go to the checker as soon as the file is read, so the network
    works while the rest is read; the rules' extra URLs follow the last file."""
    from .check.remote.spread import SpreadSession  # imported here, as in _check_remote

    started = time.monotonic()
    history, remote = History(config, clock), SpreadSession(config, progress)
    try:
        failed = history.failed_last()  # asked first where the files still name them
        named, written = _urls_named(files, bool(failed))
        # a warm run (the store knows most) fetches few of them
        await remote.start(named if history.known() < named // 2 else 0)
        if asked := _asked_first(failed, written, config):
            await remote.add(asked)
        documents, decided, linked = await _read_and_send(files, config, history, remote,
                                                          frozenset(asked))
        results = {**_local(documents, config), **decided}
        context = build_context(documents, {}, config)
        wanted = linked | set(results)
        await remote.add_extras(history.unknown_extras(
            [t for t in extra_targets(context)
             if t not in wanted and not _skipped_placeholder(t, config)]))
        await remote.close()
        early = run_rules(context, reading_verdicts=False)  # while the links are checked
        outcome = _only_linked(await remote.outcome(), set(asked) - linked)
        checked = history.judged(outcome)
    except BaseException:
        await remote.abandon()
        raise
    finally:
        history.close()
    checked = await _with_suggestions(checked, frozenset(linked), config, clock, started, None)
    return documents, results, context, checked, early


def _asked_first(failed: list[str], written: set[bytes], config: Config) -> list[str]:
    """What the latest run found broken (`failed`) and these files still name (`written`, as
    written), asked before any file is read: broken is never reused, so each of them still
    linked is fetched again anyway, and in a warm run (the store answers for the rest) those
    requests are most of the run's time. A run of other files asks none of them; one named but
    not linked (in a code block) costs that one request, and its verdict is dropped
    (`_only_linked`)."""
    decided = _classify_without_fetch(failed, config)  # excluded or a placeholder by now
    return [t for t in failed if t.encode() in written and t not in decided]


def _only_linked(outcome: Any, strays: set[str]) -> Any:
    """The outcome without the verdicts of URLs asked first but linked no more."""
    if not strays:
        return outcome
    kept = {url: result for url, result in outcome.results.items() if url not in strays}
    return dataclasses.replace(outcome, results=kept)


async def _read_and_send(files: list[str], config: Config, history: History,
                         remote: SpreadSession, asked: frozenset[str] = frozenset(),
                         ) -> tuple[tuple[Document, ...], dict[str, CheckResult], set[str]]:
    """Read the files; send each one's new remote targets that the store cannot answer for
    and that were not `asked` already. Returns the documents, the targets decided without a
    request, and every linked target to be checked (reused from the store or not). The cycle
    collector is paused meanwhile, as for the whole command: the documents are kept to the
    end."""
    documents: list[Document] = []
    seen: set[str] = set()
    decided: dict[str, CheckResult] = {}
    linked: set[str] = set()
    with cycle_collector_paused():
        async for document in _documents(files, config, aside=bool(remote.workers)):
            documents.append(document)
            new = sorted({link.resolved_url for link in document.links if link.is_remote} - seen)
            seen.update(new)
            decided.update(_classify_without_fetch(new, config))
            wanted = [t for t in new if t not in decided]
            linked.update(wanted)
            if to_fetch := [t for t in history.unknown(wanted) if t not in asked]:
                await remote.add(to_fetch)
    return tuple(documents), decided, linked


async def _documents(files: list[str], config: Config, aside: bool) -> AsyncIterator[Document]:
    """The documents as the files are read: `aside`, by a thread of lower priority (the
    checking is done by worker processes that need the CPU more); otherwise here, the loop
    getting a turn after each file (for the checks this process makes)."""
    import asyncio

    if aside:
        from .extract.background import documents_read_aside

        async for document in documents_read_aside(files, _extract_cache(config)):
            yield document
        return
    for document in extract_each(files, _extract_cache(config)):
        yield document
        await asyncio.sleep(0)


def _urls_named(files: list[str], with_text: bool) -> tuple[int, set[bytes]]:
    """About how many URLs the files hold (each "://"): whether worker processes pay; and,
    `with_text`, the remote URLs they hold as written (for `_asked_first`), in the same read."""
    count, written = 0, set()
    for path in files:
        try:
            with _contents(path) as data:
                count += data.count(b"://") if isinstance(data, bytes) else \
                    sum(1 for _ in _SCHEME_END.finditer(data))
                if with_text:
                    written.update(_URL_TEXT.findall(data))
        except OSError:
            continue  # the extractor words the diagnostic
    return count, written


_SCHEME_END = re.compile(rb"://")
_MAP_FROM = 1 << 20  # bytes: a file this long is mapped, not read


@contextlib.contextmanager
def _contents(path: str) -> Iterator[bytes | mmap.mmap]:
    """A file's bytes; a long file's mapped rather than read: its bytes read here, then
    freed, would raise the size from which the C allocator maps memory apart (it adjusts to
    the blocks it saw freed), and the text of that size the reading thread then decodes would
    stay with the process once freed (a file of 100,000 links: 21 MB)."""
    with open(path, "rb") as file:
        try:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) \
                if os.fstat(file.fileno()).st_size >= _MAP_FROM else None
        except (OSError, ValueError):  # not a file that maps
            mapped = None
        if mapped is None:
            yield file.read()
            return
        with mapped:
            yield mapped


def _local(documents: tuple[Document, ...], config: Config) -> dict[str, CheckResult]:
    site = DocusaurusSite(documents, config) if config.site == "docusaurus" else None
    return check_local(documents, site=site)


def _check_remote(
    context: Context,
    to_fetch: list[str],
    decided: dict[str, CheckResult],
    clock: Clock,
    pool_factory: PoolFactory | None,
    progress: Callable[[ProgressEvent], None] | None,
) -> RemoteRun:
    """Verdicts for the remote targets not decided yet: fetched (or reused from the result
    store), or unchecked in an offline run."""
    config = context.config
    if config.offline:
        return RemoteRun(
            {t: CheckResult(t, Status.UNCHECKED, "not checked (--offline)") for t in to_fetch}
        )
    if not to_fetch:
        return RemoteRun({})
    # rules ask for a few more targets (https twins, repaired URLs) to verify their fixes;
    # progress counts the curriculum's own
    linked = frozenset(to_fetch)
    wanted = linked | set(decided)
    extras = [t for t in extra_targets(context)
              if t not in wanted and not _skipped_placeholder(t, config)]
    # imported here: offline runs and start-up need neither the event loop nor httpx
    from .check.remote.checker import check_remote

    def fetch(urls: list[str], extra: frozenset[str]):
        return check_remote(urls, config, pool_factory=pool_factory, progress=progress,
                            counted=linked, extras=extra)

    async def check_and_suggest() -> RemoteRun:
        started = time.monotonic()
        remote = await check_with_history(to_fetch, config, fetch, clock, extras)
        return await _with_suggestions(remote, linked, config, clock, started, pool_factory)

    return _run_loop(check_and_suggest())


async def _with_suggestions(remote: RemoteRun, linked: frozenset[str], config: Config,
                            clock: Clock, started: float,
                            pool_factory: PoolFactory | None) -> RemoteRun:
    """The web archive's copies suggested for broken links, within what the deadline leaves."""
    if not config.archive.enabled or remote.network_down:
        return remote
    from .check.remote.archive import suggest

    deadline = config.check.deadline
    budget = None if not deadline else deadline - (time.monotonic() - started)
    found = await suggest(remote.results, linked, config, clock(), budget, pool_factory)
    return dataclasses.replace(remote, results=found.results, notes=remote.notes + found.notes,
                               requests_sent=remote.requests_sent + found.requests_sent)


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """A command keeps most of what it allocates (documents, verdicts, findings) to its end and
    makes few reference cycles, so the cyclic collector would mostly walk live objects again
    and again: about a tenth of a warm run and a fifth of a cold run of 200,000 links, for a
    peak memory within 5% of its own (benchmarks/bench_memory.py). Reference counting still
    frees the rest at once. The collector is on again (when it was) for a caller that goes on."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_loop(work: Coroutine[Any, Any, _T]) -> _T:
    """`asyncio.run(work)`, its result handed over outside the main task: on the way out
    asyncio.run puts back the SIGINT handler, and Python's signal module then formats the
    replaced handler (which holds the main task) into a discarded error message, a task repr
    that would spell out a finished task's result, every verdict of the run.

    The cycle collector runs meanwhile even where the command paused it (cli.py): checking
    makes cycles all along (failures' tracebacks, futures), and a long run would keep them
    all. What exists before is frozen: the collector does not walk it again and again."""
    import asyncio  # here: offline runs and start-up need no event loop
    import gc

    outcome: list[_T] = []

    async def main() -> None:
        outcome.append(await work)

    paused = not gc.isenabled()
    if paused:
        gc.freeze()
        gc.enable()
    try:
        asyncio.run(main())
    finally:
        if paused:
            gc.disable()
            gc.unfreeze()
    return outcome[0]


def _outside_change(
    documents: tuple[Document, ...],
    decided: dict[str, CheckResult],
    scope: ChangeScope,
) -> dict[str, CheckResult]:
    """Targets that no changed line links to are not the change's problem: remote ones are
    not fetched, and a local verdict (a pre-existing broken file link elsewhere in a touched
    file) is withdrawn. Exclusions stand."""
    touched = {link.resolved_url for doc in documents for link in doc.links if scope.touches(link)}
    every = {link.resolved_url for doc in documents for link in doc.links}
    return {
        t: CheckResult(t, Status.UNCHECKED, "outside the change")
        for t in every - touched
        if t not in decided or decided[t].status is not Status.EXCLUDED
    }


def _extract_cache(config: Config) -> Path | None:
    """Parsed documents are kept beside the result store, and only while it is on."""
    return Path(config.store.path).with_name(CACHE_NAME) if config.store.enabled else None


def _classify_without_fetch(targets: list[str], config: Config) -> dict[str, CheckResult]:
    """Targets decided without a request: excluded by configuration, or placeholders."""
    decided = {}
    for target in targets:
        if config.is_excluded(target):
            decided[target] = CheckResult(target, Status.EXCLUDED, "excluded by configuration")
        elif _skipped_placeholder(target, config):
            decided[target] = CheckResult(target, Status.SKIPPED, PLACEHOLDER_REASON)
    return decided


def _skipped_placeholder(target: str, config: Config) -> bool:
    return not config.check.allow_private and is_placeholder(target)


