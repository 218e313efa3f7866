"""Offline checks: local files, directories, anchors, schemes, malformed URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from locations import ROOT

from linkcheck.check.local import anchor_exists, check_local
from linkcheck.config import Config, StoreConfig
from linkcheck.discover import discover
from linkcheck.extract import extract_file, extract_text
from linkcheck.models import Diagnostic, Document, Status
from linkcheck.pipeline import run


def _write(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def _verdicts(*paths: str) -> dict[str, tuple[Status, str]]:
    documents = [extract_file(path) for path in paths]
    return {t: (r.status, r.reason) for t, r in check_local(documents).items()}


# -- the curriculum -------------------------------------------------------------------------


def test_curriculum_finds_exactly_the_broken_local_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    documents = [extract_file(path) for path in discover(["curriculum/"])]
    results = check_local(documents)
    broken = sorted(
        (link.file, link.line, link.url, results[link.resolved_url].reason)
        for doc in documents
        for link in doc.links
        if link.resolved_url in results and results[link.resolved_url].status == Status.BROKEN
    )
    assert broken == [
        ("curriculum/00-prerequisites.md", 234, "./01-mlops-fundamentals.md", "file not found"),
        ("curriculum/getting-started.md", 50, "./01-mlops-fundamentals.md", "file not found"),
        ("curriculum/getting-started.md", 51, "./02-ml-pipelines.md", "file not found"),
        ("curriculum/getting-started.md", 52, "./03-model-deployment.md", "file not found"),
        ("curriculum/getting-started.md", 186, "./01-mlops-fundamentals.md", "file not found"),
        (
            "curriculum/mlops-study-resources.md",
            3,
            "#table-of-contents",
            "anchor #table-of-contents not found in curriculum/mlops-study-resources.md",
        ),
        (
            "curriculum/mlops-study-resources.md",
            17,
            "Data/Interview/MLOPs/mlops_page-0001.jpg",
            "file not found",
        ),
    ]
    ok = {t for t, r in results.items() if r.status == Status.OK}
    assert ok == {
        "curriculum/00-prerequisites.md",
        *(
            f"curriculum/mlops-study-resources.md#{a}"
            for a in ("books", "course", "notes", "articles", "practice-problems")
        ),
    }
    assert all(not target.startswith("http") for target in results)


def test_offline_run_end_to_end(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    # the store's directory (and the extraction cache beside it) stays out of the checkout
    store = StoreConfig(path=str(tmp_path / "history.sqlite"))
    result = run(Config(offline=True, paths=("curriculum/",), store=store))
    assert len(result.links) == 213
    assert result.count(Status.BROKEN) == 7
    assert result.count(Status.OK) == 6
    assert result.count(Status.UNCHECKED) == 200


# -- files, directories and anchors ---------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    _write(
        "docs/guide.md",
        '# Guide\n\n## Install\n\n## Install\n\n<a name="Named"></a><div id="box"></div>\n',
    )
    _write("docs/img/pic one.png", "png")
    _write("outside/notes.md", "# Outside Notes\n\n## Deep Dive\n")
    _write("outside/script.py", "print()\n")
    (tmp_path / "docs" / "sub").mkdir()
    return tmp_path


def test_local_targets(site: Path) -> None:
    _write(
        "docs/index.md",
        "# Index\n"
        "[a](guide.md) [b](missing.md) [c](./sub/) [d](img/pic%20one.png) [e](img/gone.png)\n"
        "[f](guide.md#install) [g](guide.md#install-1) [h](guide.md#install-2)\n"
        "[i](#index) [j](#nowhere) [k](guide.md#box) [l](guide.md#Named)\n"
        "[m](../outside/notes.md#deep-dive) [n](../outside/notes.md#shallow)\n"
        "[o](../outside/script.py#L1) [p](/docs/guide.md) [q](guide.md?plain=1#install)\n",
    )
    verdicts = _verdicts("docs/index.md", "docs/guide.md")
    assert verdicts == {
        "docs/guide.md": (Status.OK, "file exists"),
        "docs/missing.md": (Status.BROKEN, "file not found"),
        "docs/sub": (Status.OK, "directory exists"),
        "docs/img/pic one.png": (Status.OK, "file exists"),
        "docs/img/gone.png": (Status.BROKEN, "file not found"),
        "docs/guide.md#install": (Status.OK, "anchor found"),
        "docs/guide.md#install-1": (Status.OK, "anchor found"),
        "docs/guide.md#install-2": (
            Status.BROKEN,
            "anchor #install-2 not found in docs/guide.md",
        ),
        "docs/index.md#index": (Status.OK, "anchor found"),
        "docs/index.md#nowhere": (Status.BROKEN, "anchor #nowhere not found in docs/index.md"),
        "docs/guide.md#box": (Status.OK, "anchor found"),
        "docs/guide.md#Named": (Status.OK, "anchor found"),
        "outside/notes.md#deep-dive": (Status.OK, "anchor found"),
        "outside/notes.md#shallow": (
            Status.BROKEN,
            "anchor #shallow not found in outside/notes.md",
        ),
        "outside/script.py#L1": (Status.OK, "file exists (fragment not checked)"),
    }


def test_markdown_outside_the_scanned_set_is_extracted_once(site: Path) -> None:
    _write(
        "docs/a.md", "[x](../outside/notes.md#deep-dive) [y](../outside/notes.md#outside-notes)\n"
    )
    calls: list[str] = []

    def counting_extract(path: str) -> Document:
        calls.append(path)
        return extract_file(path)

    results = check_local([extract_file("docs/a.md")], extract=counting_extract)
    assert {r.status for r in results.values()} == {Status.OK}
    assert calls == ["outside/notes.md"]


def test_anchor_in_an_unreadable_file_is_unverifiable_not_broken(site: Path) -> None:
    _write("docs/a.md", "[x](../outside/notes.md#deep-dive)\n")

    def denied(path: str) -> Document:
        problem = Diagnostic(path, None, "cannot read file: permission denied", "unreadable")
        return Document(file=path, diagnostics=(problem,))

    [result] = check_local([extract_file("docs/a.md")], extract=denied).values()
    assert (result.status, result.reason) == (
        Status.UNVERIFIABLE, "cannot read outside/notes.md to find #deep-dive"
    )


@pytest.mark.parametrize(
    ("fragment", "found"),
    [
        ("install", True),
        ("user-content-install", True),  # GitHub's prefixed id
        ("Install", True),  # GitHub retries the lowercased fragment
        ("INSTALL-1", True),
        ("install-3", False),
        ("Box", True),  # the lowercased retry reaches `id="box"`
        ("box", True),
        ("Named", True),
        ("named", False),  # `name="Named"` is case-sensitive and the link is lower case
    ],
)
def test_anchor_matching_rules(fragment: str, found: bool) -> None:
    anchors = frozenset({"install", "install-1", "box", "Named"})
    assert anchor_exists(fragment, anchors) is found


def test_percent_encoded_fragment_is_decoded(site: Path) -> None:
    _write("docs/u.md", "# Café au lait\n\n[x](#caf%C3%A9-au-lait)\n")
    # The target keeps the fragment as written; matching decodes it.
    assert _verdicts("docs/u.md") == {"docs/u.md#caf%C3%A9-au-lait": (Status.OK, "anchor found")}


# -- schemes and malformed URLs -------------------------------------------------------------


def test_schemes_and_malformed_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        "s.md",
        "[a](mailto:me@example.test) [b](tel:+15550100) [c](ftp://files.example.test/x)\n"
        "[d](javascript:alert(1)) ![e](data:image/png;base64,AAAA) [f](http://[bad)\n"
        "[g](https://example.test/fine) [h](https://exa mple.test)\n",
    )
    verdicts = _verdicts("s.md")
    assert verdicts == {
        "mailto:me@example.test": (Status.SKIPPED, "mailto: links are not checked"),
        "tel:+15550100": (Status.SKIPPED, "tel: links are not checked"),
        "ftp://files.example.test/x": (Status.BROKEN, "unsupported scheme ftp:"),
        "javascript:alert(1)": (Status.BROKEN, "unsupported scheme javascript:"),
        "data:image/png;base64,AAAA": (Status.BROKEN, "unsupported scheme data:"),
        # the href GitHub writes, and a browser refuses: `[` percent-encoded
        "http://%5Bbad": (Status.BROKEN, "invalid URL"),
    }
    links = {link.url: link for link in extract_file("s.md").links}
    assert links["http://[bad"].resolved_url == "http://%5Bbad"  # the href: never a crash
    # `[h](https://exa mple.test)` is not a link at all in CommonMark (space in destination).
    assert "https://exa mple.test" not in links


def test_malformed_url_in_other_link_kinds_is_reported_not_raised() -> None:
    document = extract_text(
        '<a href="https://exa mple.test/">x</a> <https://[::1> ![i](https://%zz)\n', "m.md"
    )
    kinds = {link.url: link.kind for link in document.links}
    assert set(kinds) == {"https://exa mple.test/", "https://[::1", "https://%zz"}
    results = check_local([document])
    assert {r.reason for r in results.values()} == {"invalid URL"}


def test_impossible_paths_are_broken_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    long_name = "a" * 5000 + ".md"
    document = extract_text(f"[x]({long_name}#part) [y](nul%00byte.md)\n", "f.md")
    verdicts = {t[:8]: (r.status, r.reason) for t, r in check_local([document]).items()}
    assert verdicts == {
        "aaaaaaaa": (Status.BROKEN, "invalid path (File name too long)"),
        "nul\x00byte": (Status.BROKEN, "file not found"),
    }


# -- as GitHub shows local targets --------------------------------------------------------------


def test_top_and_empty_fragments_are_the_top_of_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write("other.md", "# Other\n")
    _write("a.md", "# A\n[t](#top) [T](#TOP) [e](#) [o](other.md#top) [n](#nowhere)\n")
    verdicts = _verdicts("a.md")
    assert verdicts["a.md#top"] == (Status.OK, "top of the page")
    assert verdicts["a.md#TOP"] == (Status.OK, "top of the page")
    assert verdicts["other.md#top"] == (Status.OK, "top of the page")
    assert verdicts["a.md"] == (Status.OK, "file exists")  # `#` alone
    assert verdicts["a.md#nowhere"][0] is Status.BROKEN


def test_percent_23_in_a_file_name_is_not_a_fragment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write("c#sharp.md", "# Hello\n")
    _write("100%25.md", "x\n")
    _write("a.md", "[a](c%23sharp.md) [b](c%23sharp.md#hello) [c](c%23sharp.md#bye)\n"
           "[d](100%2525.md)\n")
    verdicts = {t: s for t, (s, _) in _verdicts("a.md").items()}
    assert verdicts == {
        "c%23sharp.md": Status.OK,
        "c%23sharp.md#hello": Status.OK,
        "c%23sharp.md#bye": Status.BROKEN,
        "100%2525.md": Status.OK,  # a literal `%25` in the name stays itself
    }


def test_folder_fragment_is_looked_up_in_its_readme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write("docs/README.md", "# Install\n")
    _write("bare/notes.md", "# Notes\n")
    _write("rst/README.rst", "Install\n=======\n")
    _write("a.md", "[a](docs#install) [b](./docs/#missing) [c](bare#notes) [d](rst#install)\n")
    verdicts = _verdicts("a.md")
    assert verdicts["docs#install"] == (Status.OK, "anchor found")
    assert verdicts["docs#missing"] == (
        Status.BROKEN, "anchor #missing not found in docs/README.md"
    )
    assert verdicts["bare#notes"] == (Status.BROKEN, "folder bare has no README to hold #notes")
    assert verdicts["rst#install"][0] is Status.OK  # not markdown: the fragment is not checked


def test_targets_outside_the_repository_are_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secret.md").write_text("# Secret\n", encoding="utf-8")
    repo = tmp_path / "repo"
    monkeypatch.chdir(repo.mkdir() or repo)
    _write("docs/a.md", "[a](../../secret.md) [b](../../../../etc/passwd) [c](../b.md)\n"
           "[d](/../x)\n")
    _write("b.md", "x\n")
    verdicts = _verdicts("docs/a.md")
    outside = (Status.BROKEN, "outside the repository: no reader can open it")
    assert verdicts["../secret.md"] == outside  # exists on disk, but not in the repository
    assert verdicts["../../../etc/passwd"] == outside
    assert verdicts["b.md"] == (Status.OK, "file exists")
    assert verdicts["../x"] == outside  # on GitHub `/..` climbs out of the repository too


def test_the_repository_root_is_the_git_work_tree_around_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    _write(str(tmp_path / "README.md"), "# Top\n")
    _write(str(tmp_path / "docs" / "a.md"), "[up](../README.md) [out](../../x.md)\n")
    monkeypatch.chdir(tmp_path / "docs")  # run from a folder of the repository
    verdicts = _verdicts("a.md")
    assert verdicts["../README.md"] == (Status.OK, "file exists")
    assert verdicts["../../x.md"][1] == "outside the repository: no reader can open it"
