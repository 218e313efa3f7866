"""Thin command line: parse arguments, load config, call the library, map the outcome to an exit code."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from dataclasses import asdict
from pathlib import Path

from . import __version__
from .config import Config, ConfigError, load_config
from .discover import discover
from .extract import extract_file
from .models import Severity, Status
from .pipeline import RunResult, run
from .report import json_report, markdown

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_NO_NETWORK = 4


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

    run_p = sub.add_parser("run", help="discover, extract, check and report")
    run_p.add_argument("paths", nargs="*", help="files, directories or globs (default: config paths)")
    run_p.add_argument("--config", help="config file (default: ./linkcheck.yml if present)")
    run_p.add_argument("--offline", action="store_true", default=None, help="local checks only")
    run_p.add_argument("--output-dir", help="where reports are written (default: reports/)")
    run_p.add_argument("--timeout", type=float, help="per-request timeout in seconds")
    run_p.add_argument("--max-concurrency", type=int, help="requests in flight in all")
    run_p.add_argument("--per-host", type=int, help="requests in flight per host")
    run_p.add_argument("--strict", action="store_true", help="warnings also fail the run")
    run_p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    run_p.add_argument("-v", "--verbose", action="store_true", help="tracebacks for internal errors")

    ext_p = sub.add_parser("extract", help="print every link found, without touching the network")
    ext_p.add_argument("paths", nargs="*", help="files, directories or globs (default: config paths)")
    ext_p.add_argument("--config", help="config file (default: ./linkcheck.yml if present)")
    ext_p.add_argument("--json", action="store_true", help="one JSON object per line")
    ext_p.add_argument("-v", "--verbose", action="store_true", help="tracebacks for internal errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "extract":
            return _extract(args)
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


def _config(args: argparse.Namespace, **overrides: object) -> Config:
    return load_config(args.config, overrides)


def _extract(args: argparse.Namespace) -> int:
    config = _config(args)
    for path in discover(args.paths or list(config.paths), config.exclude_paths):
        document = extract_file(path)
        for diagnostic in document.diagnostics:
            where = f"{diagnostic.file}:{diagnostic.line}" if diagnostic.line else diagnostic.file
            print(f"{where}: {diagnostic.message}", file=sys.stderr)
        for link in document.links:
            if args.json:
                record = asdict(link)
                record["kind"] = str(link.kind)
                print(json.dumps(record, ensure_ascii=False))
            else:
                print(f"{link.file}:{link.line}:{link.column}\t{link.kind}\t{link.url}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    config = _config(
        args,
        offline=args.offline,
        output_dir=args.output_dir,
        **{
            "check.timeout": args.timeout,
            "check.max_concurrency": args.max_concurrency,
            "check.per_host": args.per_host,
        },
    )
    result = run(config, args.paths or None)
    _write_reports(result, Path(config.output_dir))
    _print_summary(result)
    return exit_code(result, strict=args.strict)


def _write_reports(result: RunResult, output_dir: Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "linkcheck.json").write_text(json_report.render(result), encoding="utf-8")
    (output_dir / "linkcheck.md").write_text(markdown.render(result), encoding="utf-8")


def _print_summary(result: RunResult) -> None:
    for doc in result.documents:
        for d in doc.diagnostics:
            where = f"{d.file}:{d.line}" if d.line else d.file
            print(f"{where}: {d.message}", file=sys.stderr)
    if result.network_down:
        print(
            "linkcheck: no network: no remote host answered; remote links are marked unverifiable",
            file=sys.stderr,
        )
    counts = ", ".join(f"{s}: {result.count(s)}" for s in Status if result.count(s))
    print(f"{len(result.links)} links in {len(result.documents)} files ({counts})", file=sys.stderr)


def exit_code(result: RunResult, strict: bool = False) -> int:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    if (
        result.count(Status.BROKEN)
        or any(doc.diagnostics for doc in result.documents)
        or any(f.severity in failing for f in result.findings)
    ):
        return EXIT_BROKEN
    if result.network_down:
        return EXIT_NO_NETWORK
    return EXIT_OK
