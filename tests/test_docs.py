"""The README and docs/ held to what linkcheck really does."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from locations import ROOT

from linkcheck import arguments, cli

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))


def readme() -> str:
    return README.read_text(encoding="utf-8")


def shell_commands(text: str) -> list[str]:
    """The `linkcheck ...` commands of the ```sh blocks (and `$ linkcheck` lines of samples)."""
    found = []
    for block in re.findall(r"```(?:sh|text)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.removeprefix("$ ")
            for part in line.split("&&"):
                part = part.split("  #")[0].split(" | ")[0].strip()
                if part.startswith("linkcheck "):
                    found.append(part)
    return found


def test_the_readme_is_short_and_says_the_two_commands_first():
    text = readme()
    assert len(text.splitlines()) <= 210
    blocks = re.findall(r"```sh\n(.*?)\n```", text, re.S)
    assert blocks[0].endswith("pip install -e . && linkcheck run")
    assert blocks[1].endswith("pip install -e '.[test]' && python -m pytest")
    assert text.index(blocks[1]) < text.index("## What you will see")


@pytest.mark.parametrize("source", [README, *DOCS], ids=lambda p: p.name)
def test_every_command_shown_is_one_linkcheck_accepts(source):
    parser = arguments.build_parser()
    for command in shell_commands(source.read_text(encoding="utf-8")):
        parser.parse_args(shlex.split(command)[1:])  # SystemExit(2) on a flag that is not there


def test_the_help_examples_are_commands_linkcheck_accepts():
    parser = arguments.build_parser()
    for line in arguments.EXAMPLES.splitlines()[1:]:
        command = re.split(r"\s{2,}", line.strip())[0].split(" | ")[0]
        parser.parse_args(shlex.split(command)[1:])


def test_the_exit_code_table_is_the_one_linkcheck_uses():
    table = readme().split("<!-- exit-codes -->", 1)[1].split("<!-- /exit-codes -->", 1)[0]
    documented = [int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)]
    used = sorted(value for name, value in vars(arguments).items()
                  if name.startswith("EXIT_") and isinstance(value, int))
    assert documented == used
    in_help = [int(code) for code in re.findall(r"^  (\d+) ", arguments.EXIT_CODES, re.M)]
    assert in_help == used


def test_the_sample_output_is_what_the_curriculum_run_prints(tmp_path, monkeypatch, capsys):
    text = readme()
    sample = text.split("<!-- sample: linkcheck run --offline -->\n```text\n", 1)[1]
    sample_lines = sample.split("```", 1)[0].splitlines()
    assert sample_lines[0] == "$ linkcheck run --offline"
    shutil.copytree(ROOT / "curriculum", tmp_path / "curriculum")
    shutil.copy(ROOT / "linkcheck.yml", tmp_path / "linkcheck.yml")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--offline"]) == cli.EXIT_BROKEN, "the README says it exits 1"
    printed = iter(capsys.readouterr().out.splitlines())
    for expected in sample_lines[1:]:
        if expected != "...":
            assert expected in printed, f"not printed (in this order): {expected}"
    broken = json.loads(Path("reports/linkcheck.json").read_text("utf-8"))["summary"]
    assert f"{broken['statuses']['broken']} broken" in sample


def test_the_links_of_the_readme_and_docs_resolve(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    code = cli.main(["run", "--offline", "--quiet", "--no-cache", "--output-dir", str(out),
                     "README.md", "docs/"])
    capsys.readouterr()
    report = json.loads((out / "linkcheck.json").read_text(encoding="utf-8"))
    broken = [(k["file"], k["line"], k["url"], k["reason"]) for k in report["links"]
              if k["status"] == "broken"]
    assert broken == []
    assert code in (cli.EXIT_OK, cli.EXIT_BROKEN)  # the rules docs show bad examples on purpose
    readme_findings = [f for f in report["findings"] if f["file"] == "README.md"]
    assert readme_findings == []
