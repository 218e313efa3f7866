"""GitHub heading slugs: the anchors that `#fragment` links are checked against."""

from __future__ import annotations

import pytest
from locations import ROOT

from linkcheck.extract import extract_file, extract_text
from linkcheck.extract.slug import Slugger, github_slug


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Books", "books"),
        ("Getting Started Action Plan", "getting-started-action-plan"),
        ("1.1. Python & IDEs", "11-python--ides"),  # `.` and `&` go, both spaces stay
        ("What is MLOps? - Google", "what-is-mlops---google"),
        ("snake_case and kebab-case", "snake_case-and-kebab-case"),
        ('C++ / C#: "quotes" (and) [brackets]', "c--c-quotes-and-brackets"),
        ("Émigré Café", "émigré-café"),  # letters of any script are kept, lowercased
        ("Привет мир", "привет-мир"),
        ("数据 管道", "数据-管道"),
        ("Deploy 🚀 fast", "deploy--fast"),  # emoji are symbols: removed
        ("  padded  ", "--padded--"),  # spaces are not collapsed or trimmed by the slugger
        ("", ""),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_repeated_headings_are_numbered_in_order() -> None:
    slugger = Slugger()
    assert [slugger.slug(t) for t in ["Setup", "Setup", "Setup", "Other"]] == [
        "setup",
        "setup-1",
        "setup-2",
        "other",
    ]


def test_numbering_skips_slugs_already_taken() -> None:
    slugger = Slugger()
    assert [slugger.slug(t) for t in ["a-1", "a", "a"]] == ["a-1", "a", "a-2"]


def test_slug_uses_the_rendered_heading_text() -> None:
    text = (
        "# Use `code` and *emphasis* and [a link](x.md)\n"
        '## <a name="books"></a>Books\n'
        "## Books\n"
        "Setext heading\n"
        "--------------\n"
        "### Closing hashes ###\n"
        "## Escaped \\_underscore\\_ &amp; entity\n"
    )
    anchors = extract_text(text, "f.md").anchors
    assert anchors == {
        "use-code-and-emphasis-and-a-link",
        "books",  # from the <a name> and, as a slug, from the first "Books" heading
        "books-1",
        "setext-heading",
        "closing-hashes",
        "escaped-_underscore_--entity",
    }


def test_bold_list_items_are_not_headings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    anchors = extract_file("curriculum/getting-started.md").anchors
    assert "getting-started-action-plan" in anchors
    assert "week-1-environment-setup-and-exploration" not in anchors


def test_curriculum_slugs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    anchors = extract_file("curriculum/mlops-roadmap-2024.md").anchors
    assert {"mlops-roadmap-2024", "1-programming", "11-python--ides"} <= anchors
    assert "12-bash-basics--command-line-editors" in anchors
