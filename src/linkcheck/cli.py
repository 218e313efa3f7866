"""Thin command line: parse arguments, load config, call the library,
map the outcome to an exit code.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import traceback
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from . import __version__
from .config import Config, ConfigError, load_config
from .discover import discover
from .extract import extract_file
from .models import Document, RunResult, Severity, Status
from .pipeline import run
from .progress import ProgressRenderer
from .report import json_report, markdown
from .report.changes import compare, load_baseline

# fix, the rule catalog, --changed-since and the github/sarif reports are imported where they
# are used: start-up is paid on every run, and most runs need none of them

# A PR run (--changed-since) refuses private addresses unless the config file or the command
# line says otherwise: one layer between the defaults and the file.
PR_DEFAULTS: dict[str, object] = {"check.allow_private": False}

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_NO_NETWORK = 4
FORMATS = ("markdown", "json", "github", "sarif")  # markdown and json are always written


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 already; keep its message format
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="linkcheck",
        description="Check the links and content quality of a markdown curriculum.",
    )
    parser.add_argument("--version", action="version", version=f"linkcheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_run_command(sub)
    _add_extract_command(sub)
    _add_rule_commands(sub)
    return parser


def _add_run_command(sub: argparse._SubParsersAction) -> None:
    run_p = sub.add_parser("run", help="discover, extract, check and report")
    run_p.add_argument(
        "paths", nargs="*", help="files, directories or globs (default: config paths)"
    )
    run_p.add_argument("--config", help="config file (default: ./linkcheck.yml if present)")
    run_p.add_argument("--offline", action="store_true", default=None, help="local checks only")
    run_p.add_argument("--output-dir", help="where reports are written (default: reports/)")
    run_p.add_argument("--timeout", type=float, help="per-request timeout in seconds")
    run_p.add_argument("--max-concurrency", type=int, help="requests in flight in all")
    run_p.add_argument("--per-host", type=int, help="requests in flight per host")
    run_p.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        help="stop checking after this long; what is left is unverifiable",
    )
    private = run_p.add_mutually_exclusive_group()
    private.add_argument(
        "--no-private",
        dest="allow_private",
        action="store_false",
        default=None,
        help="skip placeholders (localhost, example.com, private addresses) and refuse names "
        "that resolve to private addresses (the default)",
    )
    private.add_argument(
        "--private-ok",
        dest="allow_private",
        action="store_true",
        help="check placeholders and private addresses too",
    )
    _add_report_options(run_p)


def _add_report_options(run_p: argparse.ArgumentParser) -> None:
    run_p.add_argument("--strict", action="store_true", help="warnings also fail the run")
    run_p.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the result store (no flakiness delay)",
    )
    run_p.add_argument(
        "--baseline",
        metavar="FILE",
        help="previous JSON report to compare with (default: linkcheck.json in --output-dir)",
    )
    run_p.add_argument(
        "--changed-since",
        metavar="REF",
        help="judge only files and lines changed since this git revision",
    )
    run_p.add_argument(
        "--format",
        action="append",
        metavar="FORMAT",
        help="extra output: github (annotations on stdout), sarif; repeatable or "
        "comma-separated (markdown and json are always written)",
    )
    run_p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    run_p.add_argument(
        "-v", "--verbose", action="store_true", help="tracebacks for internal errors"
    )


def _add_extract_command(sub: argparse._SubParsersAction) -> None:
    ext_p = sub.add_parser("extract", help="print every link found, without touching the network")
    ext_p.add_argument(
        "paths", nargs="*", help="files, directories or globs (default: config paths)"
    )
    ext_p.add_argument("--config", help="config file (default: ./linkcheck.yml if present)")
    ext_p.add_argument("--json", action="store_true", help="one JSON object per line")
    ext_p.add_argument(
        "-v", "--verbose", action="store_true", help="tracebacks for internal errors"
    )


def _add_rule_commands(sub: argparse._SubParsersAction) -> None:
    fix_p = sub.add_parser("fix", help="apply fixable findings and print the diff")
    fix_p.add_argument("paths", nargs="*", help="files, directories or globs (default: config)")
    fix_p.add_argument("--config", help="config file (default: ./linkcheck.yml if present)")
    fix_p.add_argument("--dry-run", action="store_true", help="print the diff, change no file")
    fix_p.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="SLUG",
        help="only this fixable rule (slug or id); repeatable",
    )
    fix_p.add_argument(
        "--offline",
        action="store_true",
        default=None,
        help="no network: URL rewrites use the result store only",
    )
    fix_p.add_argument(
        "--use-archive",
        action="store_true",
        help="point broken links at their verified Wayback Machine snapshot",
    )
    fix_p.add_argument("-v", "--verbose", action="store_true", help="tracebacks for internal bugs")

    rules_p = sub.add_parser("rules", help="list the content-quality rules")
    rules_p.add_argument(
        "--markdown",
        action="store_true",
        help="print the README's rule table (generated from the registry)",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "extract":
            return _extract(args)
        if args.command == "fix":
            return _fix(args)
        if args.command == "rules":
            from .rules import catalog

            print(catalog.markdown() if args.markdown else catalog.text(), end="")
            return EXIT_OK
        return _run(args)
    except ConfigError as exc:
        print(f"linkcheck: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("linkcheck: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the checker's own bug: never reported as a broken link
        print(f"linkcheck: internal error: {exc!r}", file=sys.stderr)
        if getattr(args, "verbose", False):
            traceback.print_exc()
        else:
            print("(run again with --verbose for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


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
    outcome = fix(config, args.paths or None, tuple(args.rule), dry_run=args.dry_run,
                  use_archive=args.use_archive)
    for file_fix in outcome.files:
        sys.stdout.write(file_fix.diff())
    for note in outcome.notes:
        print(f"linkcheck: {note}", file=sys.stderr)
    verb = "would fix" if args.dry_run else "fixed"
    print(
        f"linkcheck: {verb} {outcome.edit_count} findings in {len(outcome.files)} files"
        + (" (dry run: no file changed)" if args.dry_run else ""),
        file=sys.stderr,
    )
    return EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    config = _config(args)
    for path in discover(args.paths or list(config.paths), config.exclude_paths):
        document = extract_file(path)
        _print_diagnostics(document)
        for link in document.links:
            if args.json:
                record = asdict(link)
                record["kind"] = str(link.kind)
                print(json.dumps(record, ensure_ascii=False))
            else:
                print(f"{link.file}:{link.line}:{link.column}\t{link.kind}\t{link.url}")
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
            "check.deadline": args.deadline,
            "check.allow_private": args.allow_private,
            "store.enabled": False if args.no_cache else None,
        },
    )
    output_dir = Path(config.output_dir)
    baseline_file = Path(args.baseline) if args.baseline else output_dir / "linkcheck.json"
    baseline, baseline_notes = load_baseline(baseline_file, required=args.baseline is not None)
    progress = None if args.quiet else ProgressRenderer(sys.stderr)
    result = run(config, args.paths or None, scope=scope, progress=progress)
    result = dataclasses.replace(
        result, changes=compare(result, baseline), notes=result.notes + baseline_notes
    )
    _write_reports(result, output_dir, formats)
    _print_summary(result)
    return exit_code(result, strict=args.strict)


def _formats(values: list[str] | None) -> set[str]:
    chosen = {v.strip() for value in values or [] for v in value.split(",") if v.strip()}
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise ConfigError(
            f"--format: unknown format {', '.join(unknown)} (choose from {', '.join(FORMATS)})"
        )
    return chosen | {"markdown", "json"}


def _write_reports(result: RunResult, output_dir: Path, formats: set[str] | None = None) -> None:
    formats = formats or {"markdown", "json"}
    output_dir.mkdir(parents=True, exist_ok=True)
    report = markdown.render(result)
    (output_dir / "linkcheck.json").write_text(json_report.render(result), encoding="utf-8")
    (output_dir / "linkcheck.md").write_text(report, encoding="utf-8")
    if "sarif" in formats:
        from .report import sarif

        (output_dir / "linkcheck.sarif").write_text(sarif.render(result), encoding="utf-8")
    if "github" in formats:
        from .report import github

        sys.stdout.write(github.render(result, os.environ.get("GITHUB_WORKSPACE")))
        _append_step_summary(report)


def _append_step_summary(report: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from .report import github

    try:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(github.step_summary(report))
    except OSError as exc:
        print(f"linkcheck: {target}: cannot append the step summary: {exc}", file=sys.stderr)


def _print_diagnostics(document: Document) -> None:
    """Input problems as `file[:line]: message` on stderr."""
    for d in document.diagnostics:
        where = f"{d.file}:{d.line}" if d.line else d.file
        print(f"{where}: {d.message}", file=sys.stderr)


def _print_summary(result: RunResult) -> None:
    for doc in result.documents:
        _print_diagnostics(doc)
    for note in result.notes:
        print(f"linkcheck: {note}", file=sys.stderr)
    if result.network_down:
        print(
            "linkcheck: no network: no remote host answered; remote links are marked unverifiable",
            file=sys.stderr,
        )
    counts = ", ".join(f"{s}: {result.count(s)}" for s in Status if result.count(s))
    print(f"{len(result.links)} links in {len(result.documents)} files ({counts})", file=sys.stderr)
    if result.findings:
        by_severity = Counter(str(f.severity) for f in result.findings)
        detail = ", ".join(f"{s}: {by_severity[s]}" for s in Severity if by_severity[s])
        print(f"{len(result.findings)} content findings ({detail})", file=sys.stderr)


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
