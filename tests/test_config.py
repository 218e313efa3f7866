"""Configuration: defaults < file < command line; bad keys and types name the key and file."""

from __future__ import annotations

import pytest

from linkcheck.config import Config, ConfigError, load_config


def write(tmp_path, text: str):
    path = tmp_path / "linkcheck.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    config = load_config(root=tmp_path)
    assert config == Config()
    assert config.paths == ("curriculum/",)
    assert config.output_dir == "reports/"
    assert config.source is None


def test_file_in_root_is_read(tmp_path):
    write(tmp_path, "paths: [docs/]\nexclude: ['^https://example\\.com/']\noutput_dir: out/\n")
    config = load_config(root=tmp_path)
    assert config.paths == ("docs/",)
    assert config.exclude == ("^https://example\\.com/",)
    assert config.output_dir == "out/"
    assert config.source == "linkcheck.yml"


def test_command_line_beats_file(tmp_path):
    path = write(tmp_path, "output_dir: out/\ncheck:\n  timeout: 5\n  per_host: 2\n")
    config = load_config(
        str(path), {"output_dir": "cli/", "check.timeout": 9.0, "check.per_host": None}
    )
    assert config.output_dir == "cli/"
    assert config.check.timeout == 9.0
    assert config.check.per_host == 2  # None on the command line keeps the file's value


def test_single_string_is_accepted_for_a_list(tmp_path):
    path = write(tmp_path, "paths: curriculum/\n")
    assert load_config(str(path)).paths == ("curriculum/",)


def test_unknown_key_names_key_and_file(tmp_path):
    path = write(tmp_path, "paths: [a/]\noutptu_dir: x\n")
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert "outptu_dir" in str(err.value)
    assert str(path) in str(err.value)


def test_unknown_nested_key_names_dotted_key(tmp_path):
    path = write(tmp_path, "check:\n  per_hots: 3\n")
    with pytest.raises(ConfigError, match=r"check\.per_hots"):
        load_config(str(path))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("output_dir: 3\n", "output_dir"),
        ("paths: {a: 1}\n", "paths"),
        ("check:\n  per_host: many\n", "check.per_host"),
        ("check:\n  timeout: true\n", "check.timeout"),
        (
            "check:\n  hosts:\n    example.com:\n      headers: [a]\n",
            "check.hosts.example.com.headers",
        ),
    ],
)
def test_wrong_types_name_the_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert f"'{key}'" in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("check:\n  timeout: 0\n", "check.timeout"),
        ("check:\n  deadline: -5\n", "check.deadline"),
        ("check:\n  max_redirects: -1\n", "check.max_redirects"),
        ("check:\n  per_host: 0\n", "check.per_host"),
        ("check:\n  retries: -1\n", "check.retries"),
        ("check:\n  hosts:\n    a.test:\n      timeout: 0\n", "check.hosts.a.test.timeout"),
        ("check:\n  hosts:\n    a.test:\n      concurrency: 0\n",
         "check.hosts.a.test.concurrency"),
    ],
)
def test_out_of_range_numbers_name_the_key_and_file(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert f"'{key}'" in str(err.value)
    assert str(path) in str(err.value)


def test_out_of_range_command_line_values_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"'check\.timeout' must be greater than 0"):
        load_config(None, {"check.timeout": -1.0}, root=tmp_path)


def test_invalid_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "paths:\n  - a\n bad: [\n")
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert f"{path}:" in str(err.value)
    assert "invalid YAML" in str(err.value)


def test_invalid_exclude_regex(tmp_path):
    path = write(tmp_path, "exclude: ['([']\n")
    with pytest.raises(ConfigError, match=r"exclude\[0\]"):
        load_config(str(path))


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.yml"))


def test_top_level_must_be_mapping(tmp_path):
    path = write(tmp_path, "- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(str(path))


def test_exclude_matches_by_search():
    config = Config(exclude=(r"linkedin\.com",))
    assert config.is_excluded("https://www.linkedin.com/in/x")
    assert not config.is_excluded("https://example.com/")


def test_host_overrides_are_typed(tmp_path):
    path = write(
        tmp_path,
        "check:\n  hosts:\n    api.github.com:\n      concurrency: 1\n"
        "      headers: {Authorization: 'token ${GITHUB_TOKEN}'}\n      accept: [429]\n",
    )
    host = load_config(str(path)).check.hosts["api.github.com"]
    assert host.concurrency == 1
    assert host.headers == {"Authorization": "token ${GITHUB_TOKEN}"}
    assert host.accept == (429,)


def test_mode_defaults_sit_between_the_defaults_and_the_file(tmp_path):
    mode = {"check.retries": 0, "check.allow_private": False}
    assert load_config(root=tmp_path).check.retries == 3
    assert load_config(root=tmp_path, mode_defaults=mode).check.retries == 0
    (tmp_path / "linkcheck.yml").write_text("check:\n  allow_private: true\n  retries: 1\n")
    config = load_config(root=tmp_path, mode_defaults=mode)
    assert config.check.allow_private is True and config.check.retries == 1  # the file wins
    (tmp_path / "linkcheck.yml").write_text("check:\n  timeout: 5\n")
    config = load_config(root=tmp_path, mode_defaults=mode)
    assert config.check.allow_private is False and config.check.retries == 0
    overridden = load_config(None, {"check.allow_private": True}, tmp_path, mode_defaults=mode)
    assert overridden.check.allow_private is True  # the command line wins over both


def test_a_broken_section_is_still_named_under_mode_defaults(tmp_path):
    (tmp_path / "linkcheck.yml").write_text("check: [1, 2]\n")
    with pytest.raises(ConfigError, match="'check' must be a mapping"):
        load_config(root=tmp_path, mode_defaults={"check.allow_private": False})
