"""Content-quality rules, one small module per rule, and the registry that runs them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from operator import attrgetter
from typing import Any

from ..config import Config, ConfigError
from ..models import CheckResult, Document, Finding, Severity
from ..urls import TargetKind, target_kind
from . import (
    archived_repository,
    bare_url,
    duplicate_url,
    front_matter,
    inconsistent_link_text,
    insecure_http,
    invalid_suppression,
    mojibake,
    moved_permanently,
    non_descriptive_link_text,
    tracking_params,
    undefined_reference,
    unused_definition,
)
from .base import Context, Rule, Settings
from .source import Source
from .suppress import MARKER, Suppressions, parse

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            module.RULE
            for module in (
                duplicate_url, inconsistent_link_text, tracking_params, insecure_http, mojibake,
                bare_url, non_descriptive_link_text, undefined_reference, unused_definition,
                front_matter, moved_permanently, invalid_suppression, archived_repository,
            )
        ),
        key=lambda rule: rule.id,
    )
)
_BY_NAME = {rule.slug: rule for rule in RULES} | {rule.id.lower(): rule for rule in RULES}


def find_rule(name: str) -> Rule | None:
    """The rule with this slug or id (ids in any case)."""
    return _BY_NAME.get(name.lower())


def _canonical(name: str) -> str | None:
    rule = find_rule(name)
    return rule.slug if rule else None


def apply_rules(
    documents: tuple[Document, ...],
    results: Mapping[str, CheckResult],
    config: Config,
    sources: Mapping[str, Source] | None = None,
) -> list[Finding]:
    """Run every enabled rule over the documents; findings sorted by file, line, column, rule.

    `sources` holds the files' text when it is not the text on disk (`linkcheck fix` passes).
    """
    return run_rules(build_context(documents, results, config, sources))


def run_rules(context: Context, reading_verdicts: bool | None = None,
              earlier: Iterable[Finding] = ()) -> list[Finding]:
    """Every enabled rule's findings in `context`, sorted by file, line, column, rule.

    `reading_verdicts` True or False: only the rules that do (or do not) read the verdicts,
    so that a run can apply those that do not while its links are being checked; `earlier`:
    their findings, merged in."""
    findings = [
        finding
        for settings in enabled_rules(context.config)
        if reading_verdicts is None or settings.rule.reads_verdicts is reading_verdicts
        for finding in _kept(context, settings, settings.rule.check(context, settings))
    ]
    findings.extend(earlier)
    return sorted(findings, key=_FINDING_ORDER)


_FINDING_ORDER = attrgetter("file", "line", "column", "rule_id", "message")


def _kept(context: Context, settings: Settings, found: Iterable[Finding]) -> list[Finding]:
    """The findings a rule's settings (severity, ignored paths) and the suppression comments
    leave."""
    kept = [finding for finding in found if finding.severity != Severity.OFF]
    if settings.ignore_paths:
        kept = [finding for finding in kept if not settings.ignores(finding.file)]
    return context.unsuppressed(settings.rule, kept)


def build_context(
    documents: tuple[Document, ...],
    results: Mapping[str, CheckResult],
    config: Config,
    sources: Mapping[str, Source] | None = None,
) -> Context:
    if sources is None:
        return Context(tuple(documents), results, config, *_read_sources(documents))
    # the documents were extracted from these texts: their code lines hold
    code_lines = {d.file: d.code_lines for d in documents if d.code_lines is not None}
    sources = {
        file: replace(s, known_code_lines=code_lines[file]) if file in code_lines else s
        for file, s in sources.items()
    }
    marks = {file: suppressions(source) for file, source in sources.items()}
    return Context(tuple(documents), results, config, sources, marks)


def _read_sources(documents: tuple[Document, ...]
                  ) -> tuple[dict[str, Source], dict[str, Suppressions]]:
    """The text of each file the rules read (non-ASCII: mojibake looks at no other), and the
    suppression comments of each readable file. A file of ASCII only is not kept, and without
    a suppression comment not even held whole: a file of 200,000 links holds 20 MB of text."""
    sources, marks = {}, {}
    for document in documents:
        try:
            if _ascii_unmarked(document.file):
                marks[document.file] = Suppressions()
                continue
        except OSError:
            continue  # extraction reports it
        source = Source.read(document.file, document.code_lines)
        if source is not None:
            marks[document.file] = suppressions(source)
            if not source.text.isascii():
                sources[document.file] = source
    return sources, marks


def _ascii_unmarked(path: str) -> bool:
    """The file holds ASCII only and no suppression comment, read a block at a time."""
    marker = MARKER.encode()
    tail = b""  # the end of the block before: a marker may straddle two
    with open(path, "rb") as file:
        while block := file.read(_BLOCK):
            joined = tail + block
            if not block.isascii() or marker in joined:
                return False
            tail = joined[1 - len(marker):]
    return True


_BLOCK = 1 << 20


def suppressions(source: Source) -> Suppressions:
    if MARKER not in source.text:  # no suppression comment can be there: most files
        return Suppressions()
    return parse(source.iter_lines(), source.code_lines, _canonical)


def enabled_rules(config: Config) -> list[Settings]:
    """Every rule as configured, minus those switched off (`validate_rule_config` has passed)."""
    out = []
    for rule in RULES:
        configured = config.rules.get(rule.slug)
        severity = Severity(configured.severity) if configured and configured.severity else None
        severity = severity or rule.severity
        if severity == Severity.OFF:
            continue
        options = {**rule.options, **(configured.options if configured else {})}
        ignore = tuple(configured.ignore_paths) if configured else ()
        out.append(Settings(rule, severity, options, ignore))
    return out


def validate_rule_config(config: Config) -> None:
    """Unknown rules, severities and options are configuration errors naming key and file."""
    source = config.source or "<configuration>"
    for slug, configured in config.rules.items():
        rule = find_rule(slug)
        if rule is None or rule.slug != slug:
            hint = f" (did you mean '{rule.slug}'?)" if rule else ""
            known = ", ".join(r.slug for r in RULES)
            raise ConfigError(f"{source}: unknown rule 'rules.{slug}'{hint} (known rules: {known})")
        if configured.severity is not None and configured.severity not in set(Severity):
            raise ConfigError(
                f"{source}: 'rules.{slug}.severity' must be one of error, warning, info, off, "
                f"got {configured.severity!r}"
            )
        for key, value in configured.options.items():
            _validate_option(rule, key, value, f"{source}: 'rules.{slug}.options.{key}'")


def _validate_option(rule: Rule, key: str, value: Any, where: str) -> None:
    if key not in rule.options:
        known = ", ".join(rule.options) or "none"
        raise ConfigError(f"{where}: unknown option (options of {rule.slug}: {known})")
    default = rule.options[key]
    expected = list if isinstance(default, (list, tuple)) else type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return
    if not isinstance(value, expected) or isinstance(value, bool) != isinstance(default, bool):
        raise ConfigError(f"{where}: must be {expected.__name__}, got {value!r}")
    if key == "across_files" and value not in set(Severity):
        raise ConfigError(f"{where}: must be one of error, warning, info, off, got {value!r}")


def extra_targets(context: Context) -> list[str]:
    """Remote URLs the run should also check so rules can verify their fixes (https twins...).

    Derived from link text, so they obey the same limits as links: remote, and not excluded.
    The verdicts in `context` are not looked at: the run has none yet.
    """
    config = context.config
    enabled = [s for s in enabled_rules(config) if s.rule.targets is not None]
    if not enabled:
        return []
    targets = {t for s in enabled for t in _targets(s, context)}
    return sorted(
        t for t in targets if target_kind(t) is TargetKind.REMOTE and not config.is_excluded(t)
    )


def _targets(settings: Settings, context: Context) -> Iterable[str]:
    return settings.rule.targets(context, settings) if settings.rule.targets else ()


def without_replaced_diagnostics(
    documents: tuple[Document, ...], config: Config
) -> tuple[Document, ...]:
    """The documents minus diagnostics an enabled rule reports as findings (front-matter...),
    so the report names each problem once."""
    codes = {c for s in enabled_rules(config) for c in s.rule.replaces_diagnostics}
    if not codes:
        return documents
    return tuple(
        replace(d, diagnostics=tuple(x for x in d.diagnostics if x.code not in codes))
        if any(x.code in codes for x in d.diagnostics) else d
        for d in documents
    )
