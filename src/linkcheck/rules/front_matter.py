"""LC110 front-matter: YAML front matter that does not parse or lacks required keys."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding, Severity
from .base import Context, Rule, Settings

CODE = "front-matter"  # the extraction diagnostic this rule reports in its place


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    required = tuple(context.config.required_front_matter) + tuple(settings.options["required"])
    for document in context.documents:
        broken = [d for d in document.diagnostics if d.code == CODE]
        for diagnostic in broken:
            yield settings.finding(document.file, diagnostic.line or 1, 1, diagnostic.message)
        if broken or not required:
            continue
        present = document.front_matter if isinstance(document.front_matter, dict) else {}
        missing = [key for key in dict.fromkeys(required) if key not in present]
        if missing:
            where = "front matter" if document.front_matter is not None else "no front matter"
            yield settings.finding(
                document.file, 1, 1,
                f"{where}: missing required key{'s' if len(missing) > 1 else ''} "
                + ", ".join(missing),
            )


RULE = Rule(
    id="LC110",
    slug="front-matter",
    title="Front matter that does not parse or lacks required keys",
    finds="YAML front matter with a syntax error, or without a key listed in "
    "`required_front_matter` or the rule option `required`.",
    why="Site generators drop or misfile pages with broken front matter, usually without an "
    "error; catching it here is cheaper than finding the missing page later.",
    example="---  title: 'Skills  ---   (unclosed quote)",
    instead="---  title: 'Skills'  ---",
    check=check,
    severity=Severity.ERROR,
    options={"required": []},
    replaces_diagnostics=(CODE,),
    reads_verdicts=False,
)
