"""Thin command line: parse arguments, load config, call the library, show the problems,
map the outcome to an exit code.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import secrets
import sys
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from .arguments import (
    EXIT_BROKEN,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NO_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
    build_parser,
)
from .config import Config, ConfigError, load_config
from .discover import discover
from .models import Document, RunResult, Severity, Status
from .pipeline import cycle_collector_paused, run
from .progress import ProgressRenderer
from .report import json_report, markdown, output
from .report.changes import INDEX_NAME, compare, load_baseline, remember_baseline
from .report.output import OutputError
from .report.problems import problems
from .report.terminal import LIST_LIMIT, problem_lines, summary_lines
from .report.text import json_visible, leading_path, one_line, visible

if TYPE_CHECKING:
    from .fix import FileFix

# fix, the rule catalog, --changed-since and the github/sarif reports are imported where they
# are used: start-up is paid on every run, and most runs need none of them

# A PR run (--changed-since) refuses private addresses unless the config file or the command
# line says otherwise: one layer between the defaults and the file.
PR_DEFAULTS: dict[str, object] = {"check.allow_private": False}

__all__ = ["EXIT_BROKEN", "EXIT_INTERNAL", "EXIT_NO_NETWORK", "EXIT_OK", "EXIT_USAGE",
           "build_parser", "exit_code", "main"]
# markdown and json are always written; comment: linkcheck-comment.md, the markdown report
# fitted to a GitHub comment or issue body
FORMATS = ("markdown", "json", "github", "sarif", "comment")


def console() -> NoReturn:
    """The `linkcheck` command: `main`, then the process ends at once. By then every report is
    written and renamed and the store is closed, and the interpreter's own exit would only free
    the run's objects and modules one by one (about 40 ms after a warm run of 10,000 links),
    so the streams are flushed and the process exits, as mypy's command does."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, a closed stream: said enough
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args: argparse.Namespace | None = None
    try:
        args = build_parser().parse_args(argv)
        with cycle_collector_paused():
            return _command(args)
    except (ConfigError, OutputError) as exc:  # usage and environment problems: exit 2
        print(f"linkcheck: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # on a terminal the line holds the echo of Ctrl-C ("^C"): the message replaces it
        start = "\r\x1b[K" if _is_terminal(sys.stderr) else ""
        print(f"{start}linkcheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `linkcheck extract | head`: the reader has all it wants
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # the checker's own bug: never reported as a broken link
        print(f"linkcheck: internal error: {exc!r}", file=sys.stderr)
        if getattr(args, "verbose", False):
            _print_traceback(exc)
        else:
            print("(run again with --verbose for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def _command(args: argparse.Namespace) -> int:
    if args.command == "extract":
        return _extract(args)
    if args.command == "fix":
        return _fix(args)
    if args.command == "rules":
        from .rules import catalog

        print(catalog.markdown() if args.markdown else catalog.text(), end="")
        return EXIT_OK
    return _run(args)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (a test's capture)
        pass


def _config(
    args: argparse.Namespace, mode_defaults: dict[str, object] | None = None, **overrides: object
) -> Config:
    from .rules import validate_rule_config

    config = load_config(args.config, overrides, mode_defaults=mode_defaults)
    validate_rule_config(config)
    return config


def _fix(args: argparse.Namespace) -> int:
    from .fix import fix

    config = _config(args, offline=args.offline)
    dry_run = args.dry_run or args.check
    outcome = fix(config, args.paths or None, tuple(args.rule), dry_run=dry_run,
                  use_archive=args.use_archive)
    diffs = "".join(_visible_diff(file_fix) for file_fix in outcome.files)
    if diffs and os.environ.get("GITHUB_ACTIONS") == "true":
        # a context line is a curriculum line after a blank: one that starts with "::" would be
        # obeyed by the runner as a workflow command; stop-commands is GitHub's own way out
        token = secrets.token_hex(16)
        diffs = f"::stop-commands::{token}\n{diffs}::{token}::\n"
    sys.stdout.write(diffs)
    for note in outcome.notes:
        print(f"linkcheck: {one_line(note)}", file=sys.stderr)
    verb = "would fix" if dry_run else "fixed"
    print(
        f"linkcheck: {verb} {outcome.edit_count} findings in {len(outcome.files)} files"
        + (" (dry run: no file changed)" if dry_run else ""),
        file=sys.stderr,
    )
    return EXIT_BROKEN if args.check and outcome.edit_count else EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    from .extract import extract_file

    config = _config(args)
    for path in discover(args.paths or list(config.paths), config.exclude_paths,
                         config.output_dir):
        document = extract_file(path)
        _print_diagnostics(document)
        for link in document.links:
            if args.json:
                record = asdict(link)
                record["kind"] = str(link.kind)
                print(json_visible(json.dumps(record, ensure_ascii=False)))
            else:
                print(f"{leading_path(one_line(link.file))}:{link.line}:{link.column}\t"
                      f"{link.kind}\t{one_line(link.url)}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    formats = _formats(args.format)
    scope = None
    if args.changed_since:
        from .scope import changed_since

        scope = changed_since(args.changed_since)
    config = _config(
        args,
        PR_DEFAULTS if scope is not None else None,
        offline=args.offline,
        output_dir=args.output_dir,
        **{
            "check.timeout": args.timeout,
            "check.max_concurrency": args.max_concurrency,
            "check.per_host": args.per_host,
            "check.workers": args.workers,
            "check.deadline": args.deadline,
            "check.allow_private": args.allow_private,
            "store.enabled": False if args.no_cache else None,
        },
    )
    if scope is not None:  # the config may be the pull request's own: no secrets from it
        config = dataclasses.replace(config, trusted=False)
    output_dir = Path(config.output_dir)
    output.prepare(output_dir)  # before a long check: an unusable directory is said at once
    baseline_file = Path(args.baseline) if args.baseline else output_dir / "linkcheck.json"
    # the failing entries of the last JSON report, kept beside the store (report/changes.py)
    index = Path(config.store.path).with_name(INDEX_NAME) if config.store.enabled else None
    baseline, baseline_notes = load_baseline(baseline_file, args.baseline is not None, index)
    progress = None if args.quiet else ProgressRenderer(sys.stderr)
    try:
        result = run(config, args.paths or None, scope=scope, progress=progress)
    finally:  # also on Ctrl-C: the progress line never mixes with what follows
        if progress is not None:
            progress.clear()
    result = dataclasses.replace(
        result, changes=compare(result, baseline), notes=result.notes + baseline_notes
    )
    reports = _write_reports(result, output_dir, formats, strict=args.strict)
    if index is not None:
        remember_baseline(output_dir / "linkcheck.json", result, index)
    try:
        _show(result, reports, args)
    except BrokenPipeError:
        _silence_stdout()
    return exit_code(result, strict=args.strict)


def _formats(values: list[str] | None) -> set[str]:
    chosen = {v.strip() for value in values or [] for v in value.split(",") if v.strip()}
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise ConfigError(
            f"--format: unknown format {', '.join(unknown)} (choose from {', '.join(FORMATS)})"
        )
    return chosen | {"markdown", "json"}


# Up to this many links the JSON report is written by a forked child: past it, the pages of the
# run's objects the child touches (reference counts) are copied, and memory would grow more
# than the time it saves is worth (10,000 links: ~0.1 s saved on 2 cores).
ASIDE_MAX_LINKS = 20_000


def _write_reports(result: RunResult, output_dir: Path, formats: set[str] | None = None,
                   strict: bool = False) -> list[str]:
    """Write the reports; return their paths. Annotations (`github`) go to stdout."""
    formats = formats or {"markdown", "json"}
    output.prepare(output_dir)
    # streamed: a report of 200,000 links is never held whole; and written by a forked child
    # where that is safe, while this process renders and writes the others
    json_path = output_dir / "linkcheck.json"
    json_write = functools.partial(json_report.write, result)
    links = sum(len(document.links) for document in result.documents)
    # the child writes all but the findings, whose text this process makes meanwhile
    aside = output.write_aside(json_path, json_write, lambda out, findings: json_report.write(
        result, out, findings)) if links <= ASIDE_MAX_LINKS else None
    written: dict[Path, str | Callable[[TextIO], object] | None] = {}
    try:
        if aside is not None:
            aside.hand(json_report.findings_text(result))
        report = written[output_dir / "linkcheck.md"] = markdown.render(result, strict)
        written[json_path] = json_write if aside is None else None
        if "sarif" in formats:
            from .report import sarif

            written[output_dir / "linkcheck.sarif"] = sarif.render(result)
        if "comment" in formats:
            from .report import github

            url = github.run_url(os.environ)
            written[output_dir / "linkcheck-comment.md"] = github.comment(report, url)
        for path, text in written.items():
            if isinstance(text, str):
                output.write_text(path, text)
            elif text is not None:
                output.write_with(path, text)
    finally:  # whatever happened here, the child's report is done (or undone) before we go
        refused = aside.finish() if aside is not None else None
    if refused is not None:
        raise refused
    if "github" in formats:
        from .report import github

        sys.stdout.write(github.render(result, os.environ.get("GITHUB_WORKSPACE")))
        _append_step_summary(report)
    return [str(path) for path in written]


def _append_step_summary(report: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from .report import github

    try:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(github.step_summary(report))
    except OSError as exc:
        print(one_line(f"linkcheck: {target}: cannot append the step summary: {exc}"),
              file=sys.stderr)


def _print_diagnostics(document: Document) -> None:
    """Input problems as `file[:line]: message` on stderr."""
    for d in document.diagnostics:
        where = leading_path(one_line(d.file)) + (f":{d.line}" if d.line else "")
        print(f"{where}: {one_line(d.message)}", file=sys.stderr)


def _show(result: RunResult, reports: list[str], args: argparse.Namespace) -> None:
    """The problems on stdout, one line each; notes about the run on stderr; then, unless
    --quiet, the summary and where the reports are."""
    found = problems(result)
    colour = _colour(sys.stdout)
    limit = None if args.verbose or args.quiet else LIST_LIMIT
    _print_lines(problem_lines(found, colour, limit), sys.stdout)
    # notes are said even with --quiet: a store moved aside, exit code 4's cause
    notes = [f"linkcheck: {one_line(note)}" for note in result.notes]
    if result.network_down:
        notes.append("linkcheck: no network: no remote host answered; remote links are "
                     "unverifiable")
    _print_lines(notes, sys.stderr)
    if not args.quiet:
        _print_lines(summary_lines(result, reports), sys.stdout)


def _print_traceback(exc: BaseException) -> None:
    """The traceback, its frames `visible` and the exception's message on one line: that
    message may quote curriculum or server text."""
    report = traceback.TracebackException.from_exception(exc)
    lines = ["Traceback (most recent call last):\n", *report.stack.format()]
    sys.stderr.write(visible("".join(lines)))
    print(one_line("".join(report.format_exception_only()).rstrip("\n")), file=sys.stderr)


def _visible_diff(file_fix: FileFix) -> str:
    """A fix's diff for the terminal: the file name on its header line, every line `visible`
    (a carriage return too), so no line of it is a control sequence or a workflow command."""
    from .fix import unified_diff

    diff = unified_diff(one_line(file_fix.file), file_fix.before, file_fix.after)
    return "\n".join(visible(line).replace("\r", "U+000D") for line in diff.split("\n"))


def _print_lines(lines: list[str], stream: TextIO) -> None:
    if lines:
        stream.write("\n".join(lines) + "\n")
        stream.flush()


def _colour(stream: TextIO) -> bool:
    """Colours on a terminal only, and never with NO_COLOR set (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return _is_terminal(stream)


def _is_terminal(stream: TextIO) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def exit_code(result: RunResult, strict: bool = False) -> int:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    # Only `broken` fails the job: a `new-failure` waits for the next run (the flakiness policy,
    # even under --strict) and `unverifiable` is never evidence of a dead link.
    if (
        result.count(Status.BROKEN)
        or any(doc.diagnostics for doc in result.documents)
        or any(f.severity in failing for f in result.findings)
    ):
        return EXIT_BROKEN
    if result.network_down:
        return EXIT_NO_NETWORK
    return EXIT_OK
