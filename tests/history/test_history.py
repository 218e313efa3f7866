"""Run history end to end: a loopback server whose answers change between runs, the flakiness
policy (new failure, then broken), reuse of fresh verdicts, and the change since the last report.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from statusweb import StatusWeb

from linkcheck import pipeline
from linkcheck.cli import EXIT_BROKEN, EXIT_OK, _write_reports, main
from linkcheck.config import CheckConfig, Config, StoreConfig
from linkcheck.history.policy import apply_policy, check_with_history
from linkcheck.history.store import UrlHistory
from linkcheck.models import CheckResult, Status
from linkcheck.report.changes import compare, load_baseline

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _write_docs(root: Path, web: StatusWeb) -> None:
    (root / "docs").mkdir()
    lines = ["# Course", "", "## Reading", ""]
    lines += [f"- [{name}]({web.url('/' + name)})" for name in ("steady", "dies", "fixed", "flaky")]
    (root / "docs" / "course.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _statuses(report: dict) -> dict[str, str]:
    return {entry["url"].rsplit("/", 1)[1]: entry["status"] for entry in report["links"]}


def _names(entries: list[dict]) -> list[str]:
    return [entry["url"].rsplit("/", 1)[1] for entry in entries]


def test_history_across_runs_through_the_cli(tmp_path, monkeypatch, web, capsys):
    monkeypatch.chdir(tmp_path)
    _write_docs(tmp_path, web)
    # every verdict expires at once, so each run asks the server again
    (tmp_path / "linkcheck.yml").write_text(
        "paths: [docs/]\ncheck: {retries: 0, timeout: 5, allow_private: true}\n"
        "store: {max_age: {ok: 0, redirected: 0, unverifiable: 0}}\n", encoding="utf-8")
    report_file = tmp_path / "reports" / "linkcheck.json"

    def run(answers: dict[str, int]) -> tuple[int, dict]:
        web.answers = {f"/{k}": v for k, v in answers.items()}
        code = main(["run", "-q"])
        return code, json.loads(report_file.read_text(encoding="utf-8"))

    code, first = run({"steady": 200, "dies": 503, "fixed": 503, "flaky": 200})
    assert code == EXIT_OK  # failures seen once are new failures: no job failure yet
    assert _statuses(first) == {"steady": "ok", "dies": "new-failure", "fixed": "new-failure",
                                "flaky": "ok"}
    assert first["changes"]["baseline"] is None
    assert _names(first["changes"]["new"]) == ["dies", "fixed"]
    since = {e["url"]: e["first_failed_at"] for e in first["links"] if e["first_failed_at"]}

    code, second = run({"steady": 200, "dies": 503, "fixed": 200, "flaky": 503})
    assert code == EXIT_BROKEN  # "dies" failed two runs in a row
    assert _statuses(second) == {"steady": "ok", "dies": "broken", "fixed": "ok",
                                 "flaky": "new-failure"}
    changes = second["changes"]
    assert changes["baseline"] == str(Path("reports") / "linkcheck.json")
    assert _names(changes["new"]) == ["flaky"]
    assert _names(changes["still_broken"]) == ["dies"]
    still = changes["still_broken"][0]
    assert still["failed_runs"] == 2 and still["since"] == since[still["url"]]
    assert _names(changes["fixed"]) == ["fixed"] and changes["fixed"][0]["status"] == "ok"
    markdown = (tmp_path / "reports" / "linkcheck.md").read_text(encoding="utf-8")
    assert f"since {still['since'][:10]}, 2 runs" in markdown

    code, third = run({"steady": 200, "dies": 503, "fixed": 200, "flaky": 200})
    assert code == EXIT_BROKEN
    assert _statuses(third)["flaky"] == "ok"  # flaky once: never called broken
    assert _names(third["changes"]["fixed"]) == ["flaky"]
    assert third["changes"]["still_broken"][0]["failed_runs"] == 3

    # an explicit baseline: compared with the first report instead of the last one
    first_file = tmp_path / "first.json"
    first_file.write_text(json.dumps(first), encoding="utf-8")
    web.answers = {"/steady": 200, "/dies": 503, "/fixed": 200, "/flaky": 200}
    assert main(["run", "-q", "--baseline", str(first_file)]) == EXIT_BROKEN
    against_first = json.loads(report_file.read_text(encoding="utf-8"))["changes"]
    assert against_first["baseline"] == str(first_file)
    assert _names(against_first["fixed"]) == ["fixed"] and against_first["new"] == []

    # a corrupted store: the run goes on, says so, and keeps the damaged file
    store = tmp_path / ".linkcheck" / "history.sqlite"
    for leftover in store.parent.iterdir():
        leftover.unlink()
    store.write_bytes(b"\x00 not a database " * 50)
    capsys.readouterr()
    code, fifth = run({"steady": 200, "dies": 503, "fixed": 200, "flaky": 200})
    err = capsys.readouterr().err
    assert "history.sqlite" in err and "corrupt-1" in err
    assert (store.parent / "history.sqlite.corrupt-1").read_bytes().startswith(b"\x00 not")
    assert any("corrupt-1" in note for note in fifth["notes"])
    assert code == EXIT_OK and _statuses(fifth)["dies"] == "new-failure"  # history restarts


def _config(tmp_path: Path, **store: object) -> Config:
    return Config(
        paths=("docs/",),
        output_dir=str(tmp_path / "reports"),
        check=CheckConfig(retries=0, timeout=5, allow_private=True),
        store=StoreConfig(path=str(tmp_path / ".linkcheck" / "history.sqlite"), **store),
    )


def test_warm_run_fetches_only_what_it_may_not_reuse(tmp_path, monkeypatch, web):
    monkeypatch.chdir(tmp_path)
    _write_docs(tmp_path, web)
    web.answers = {"/steady": 200, "/fixed": 200, "/flaky": 200}  # "/dies" answers 503
    config = _config(tmp_path)
    cold = pipeline.run(config, clock=lambda: T0)
    assert cold.requests_sent >= 4 and not any(r.from_cache for r in cold.results.values())
    web.requests.clear()
    warm = pipeline.run(config, clock=lambda: T0 + timedelta(hours=1))
    assert web.requests and set(web.requests) == {"/dies"}  # fresh ok verdicts are not re-fetched
    reused = {url for url, r in warm.results.items() if r.from_cache}
    assert {url for url in reused if url.startswith("http:")} == {
        web.url(p) for p in ("/steady", "/fixed", "/flaky")}
    # the https:// twins: this plain-HTTP port was found not to answer TLS, a week-long fact
    twins = {url for url in reused if url.startswith("https:")}
    assert len(twins) == 4 and {warm.results[url].status for url in twins} == {Status.SKIPPED}
    assert warm.results[web.url("/dies")].status == Status.BROKEN  # second failed run
    web.requests.clear()
    stale = pipeline.run(config, clock=lambda: T0 + timedelta(days=2))
    assert len(set(web.requests)) == 4
    assert not any(r.from_cache for url, r in stale.results.items() if url.startswith("http:"))


def test_no_cache_neither_reads_nor_writes_and_fails_at_once(tmp_path, monkeypatch, web):
    monkeypatch.chdir(tmp_path)
    _write_docs(tmp_path, web)
    web.answers = {"/steady": 200, "/fixed": 200, "/flaky": 200}
    result = pipeline.run(_config(tmp_path, enabled=False), clock=lambda: T0)
    assert result.results[web.url("/dies")].status == Status.BROKEN
    assert not (tmp_path / ".linkcheck").exists()


def _report_bytes(config: Config, when: datetime, baseline_file: Path, out: Path) -> list[bytes]:
    baseline, _ = load_baseline(baseline_file)
    result = pipeline.run(config, clock=lambda: when)
    result = dataclasses.replace(result, changes=compare(result, baseline))
    _write_reports(result, out, {"markdown", "json", "sarif"})
    return [(out / n).read_bytes() for n in ("linkcheck.md", "linkcheck.json", "linkcheck.sarif")]


def test_byte_identical_reports_for_identical_inputs_and_history(tmp_path, monkeypatch, web):
    monkeypatch.chdir(tmp_path)
    _write_docs(tmp_path, web)
    web.answers = {"/steady": 200, "/fixed": 200, "/flaky": 200}
    config = _config(tmp_path)
    _report_bytes(config, T0, tmp_path / "none.json", tmp_path / "cold")
    store = Path(config.store.path)
    saved = store.read_bytes()  # the store is closed: its WAL is checkpointed into the file
    outputs = []
    for attempt in range(2):
        for leftover in store.parent.iterdir():
            leftover.unlink()
        store.write_bytes(saved)
        out = tmp_path / f"warm{attempt}"
        outputs.append(_report_bytes(config, T0 + timedelta(hours=1),
                                     tmp_path / "cold" / "linkcheck.json", out))
    assert outputs[0] == outputs[1]
    assert b"since 2026-03-02, 2 runs" in outputs[0][0]  # history dates do appear, from the store


def test_steady_state_reports_do_not_change(tmp_path, monkeypatch, web):
    monkeypatch.chdir(tmp_path)
    _write_docs(tmp_path, web)
    web.answers = {f"/{name}": 200 for name in ("steady", "dies", "fixed", "flaky")}
    config = _config(tmp_path)
    baseline = tmp_path / "previous.json"  # a fixed place, as reports/linkcheck.json is
    outputs = []
    for hour in range(3):  # a cold run, then two runs answered from the store
        out = tmp_path / f"run{hour}"
        outputs.append(_report_bytes(config, T0 + timedelta(hours=hour), baseline, out))
        baseline.write_bytes((out / "linkcheck.json").read_bytes())
    assert outputs[1] == outputs[2]
    assert outputs[0] != outputs[1]  # the cold run fetched; the JSON says which came from cache


def test_policy_marks_failures_new_until_the_threshold():
    url = "https://x.test/a"
    broken = {url: CheckResult(url, Status.BROKEN, "HTTP 503", 503, transient=True)}
    once = {url: UrlHistory(url, "2026-03-02T09:30:00Z", 1)}
    twice = {url: UrlHistory(url, "2026-03-02T09:30:00Z", 2)}
    assert apply_policy(broken, once, 2)[url].status == Status.NEW_FAILURE
    assert apply_policy(broken, twice, 2)[url].status == Status.BROKEN
    assert apply_policy(broken, twice, 2)[url].failed_runs == 2
    assert apply_policy(broken, once, 1)[url].status == Status.BROKEN
    assert apply_policy(broken, None, 2)[url].status == Status.BROKEN  # no store: no delay
    ok = {url: CheckResult(url, Status.OK, "HTTP 200", 200)}
    assert apply_policy(ok, {url: UrlHistory(url)}, 2)[url].status == Status.OK


def test_a_definitive_answer_is_broken_on_its_first_failed_run():
    url = "https://x.test/a"
    gone = {url: CheckResult(url, Status.BROKEN, "HTTP 404 Not Found", 404)}
    once = {url: UrlHistory(url, "2026-03-02T09:30:00Z", 1)}
    judged = apply_policy(gone, once, 3)[url]
    assert (judged.status, judged.failed_runs) == (Status.BROKEN, 1)


class _Outcome:
    def __init__(self, results, network_down=False):
        self.results, self.network_down, self.requests_sent = results, network_down, len(results)


async def _down(urls, extras=frozenset()):
    return _Outcome({u: CheckResult(u, Status.UNVERIFIABLE, "no network") for u in urls}, True)


async def _gone(urls, extras=frozenset()):  # a transient failure: the flakiness delay applies
    return _Outcome({u: CheckResult(u, Status.BROKEN, "HTTP 503", 503, transient=True)
                     for u in urls})


def test_a_run_without_network_leaves_history_alone(tmp_path):
    import asyncio

    config = _config(tmp_path)
    url = "https://x.test/a"
    first = asyncio.run(check_with_history([url], config, _gone, lambda: T0))
    assert first.results[url].status == Status.NEW_FAILURE
    down = asyncio.run(check_with_history([url], config, _down, lambda: T0 + timedelta(days=1)))
    assert down.network_down and down.results[url].status == Status.UNVERIFIABLE
    again = asyncio.run(check_with_history([url], config, _gone, lambda: T0 + timedelta(days=2)))
    # the offline run neither counted as a failure nor was stored as a reusable verdict
    assert again.results[url].status == Status.BROKEN and again.results[url].failed_runs == 2
    assert again.requests_sent == 1


def test_unusable_store_gives_a_note_and_the_run_goes_on(tmp_path):
    import asyncio

    config = _config(tmp_path)
    Path(config.store.path).parent.mkdir(parents=True)
    Path(config.store.path).write_bytes(b"\x00garbage" * 64)
    run = asyncio.run(check_with_history(["https://x.test/a"], config, _gone, lambda: T0))
    assert run.results["https://x.test/a"].status == Status.NEW_FAILURE
    assert len(run.notes) == 1 and "corrupt-1" in run.notes[0]


def test_store_settings_are_checked_up_front(tmp_path):
    from linkcheck.config import ConfigError, load_config

    bad = tmp_path / "linkcheck.yml"
    bad.write_text("store:\n  max_age: {okk: 3, broken: 60}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"linkcheck.yml: 'store.max_age' has unknown status "
                                          r"broken, okk"):
        load_config(str(bad))
    bad.write_text("store: {failures_before_broken: 0}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="at least 1"):
        load_config(str(bad))
