"""The command line's arguments, its help (exit codes and examples included)."""

from __future__ import annotations

import argparse
import sys

from . import __version__

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_NO_NETWORK = 4
EXIT_INTERRUPTED = 130

EXIT_CODES = """exit codes:
  0    nothing to fix (new failures, moved and unverifiable links do not fail)
  1    problems: a broken link, an unreadable input file, an error finding
       (warnings too with --strict); fix --check: fixes are pending
  2    cannot run as asked: bad flag or config, a path that matches nothing, an
       output directory that cannot be written (the message names the path)
  3    a bug in linkcheck (--verbose shows the traceback)
  4    no network: no remote host answered, and nothing else failed
  130  interrupted (Ctrl-C)"""

EXAMPLES = """examples:
  linkcheck run                      check the config's paths (default: curriculum/)
  linkcheck run --offline docs/      local files, anchors and content rules only
  linkcheck run --changed-since origin/main --format github
  linkcheck extract --json curriculum/ | head -3
  linkcheck fix --check              exit 1 when fixable findings are pending"""

class _Parser(argparse.ArgumentParser):
    """No abbreviated options (`--offlin` is an error, not `--offline`); usage errors exit 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # argparse exits 2 already; keep its message format
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="linkcheck",
        description="Check the links and content quality of a markdown curriculum.",
        epilog=f"{EXIT_CODES}\n\n{EXAMPLES}",
    )
    parser.add_argument("--version", action="version", version=f"linkcheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_run_command(sub)
    _add_extract_command(sub)
    _add_rule_commands(sub)
    return parser


def _add_run_command(sub: argparse._SubParsersAction) -> None:
    run_p = sub.add_parser(
        "run", help="discover, extract, check and report",
        description="Check every link and apply the content rules; list the problems, write "
        "reports/linkcheck.md and reports/linkcheck.json.",
        epilog=f"{EXIT_CODES}\n\n{EXAMPLES}",
    )
    run_p.add_argument(
        "paths", nargs="*", help="files, directories or globs (default: config paths)"
    )
    run_p.add_argument("--config", help="config file (default: ./linkcheck.yml if present)")
    run_p.add_argument("--offline", action="store_true", default=None, help="local checks only")
    run_p.add_argument("--output-dir", help="where reports are written (default: reports/)")
    run_p.add_argument("--timeout", type=float, help="per-request timeout in seconds")
    run_p.add_argument("--max-concurrency", type=int, help="requests in flight in all")
    run_p.add_argument("--per-host", type=int, help="requests in flight per host")
    run_p.add_argument("--workers", type=int, metavar="N",
                       help="processes to check remote links with (default 0: one per core)")
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
        help="extra output: github (annotations on stdout), sarif, comment (the markdown "
        "report fitted to a GitHub comment); repeatable or comma-separated (markdown and json "
        "are always written)",
    )
    run_p.add_argument("-q", "--quiet", action="store_true",
                       help="print the problems only: no progress, summary or notes")
    run_p.add_argument("-v", "--verbose", action="store_true",
                       help="list every problem (no cap); tracebacks for internal errors")


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
    fix_p.add_argument("--check", action="store_true",
                       help="like --dry-run, and exit 1 when there is something to fix (for CI)")
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
        help="print the rule table of docs/rules.md (generated from the registry)",
    )
