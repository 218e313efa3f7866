"""One frozen Config built once (defaults < config file < command line), validated up front.

Every section is a frozen dataclass; the file loader validates keys and types against the
dataclass fields, so adding an option is adding a field with its default.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CONFIG_FILE = "linkcheck.yml"


STATE_DIR = ".linkcheck"  # linkcheck's own files: the result store, caches, pre-commit reports


def make_dir(directory: Path) -> None:
    """`mkdir -p`; a `.linkcheck` directory on the way also ignores itself in git (a
    `.gitignore` of `*`, as pytest's and ruff's caches have), so it never shows as untracked."""
    directory.mkdir(parents=True, exist_ok=True)
    for folder in (directory, *directory.parents):
        if folder.name == STATE_DIR:
            ignore = folder / ".gitignore"
            if not ignore.exists():
                try:
                    ignore.write_text("# Created by linkcheck: its history and caches.\n*\n",
                                      encoding="utf-8")
                except OSError:  # a read-only checkout: the state works without it
                    pass
            return


class ConfigError(Exception):
    """Bad configuration or usage: exit code 2."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class HostConfig:
    """Overrides for one host (matched exactly, or as a suffix when written `.example.com`)."""

    concurrency: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # values may be `${ENV_VAR}`
    accept: tuple[int, ...] = ()  # extra status codes treated as ok
    soft_404: bool = True  # judge soft 404s on this host
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class CheckConfig:
    """Remote checking."""

    timeout: float = 20.0  # per request, total
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    # seconds for the whole remote check, so a scheduled job always ends with its reports;
    # 0 (or null) turns it off
    deadline: float | None = 1200.0
    max_concurrency: int = 128  # lychee's default; politeness is per host (per_host)
    per_host: int = 4
    # processes the remote check is spread over (check/remote/spread.py); 0: one per CPU core
    # available (at most 4), 1: all in the main process
    workers: int = 0
    max_redirects: int = 20  # what browsers follow
    retries: int = 3
    max_retry_after: float = 60.0
    max_host_wait: float = 120.0  # seconds one host's rate limits may make the run wait in all
    max_body_bytes: int = 2 * 1024 * 1024
    user_agent: str = ""  # empty: the descriptive default
    # False: placeholders (localhost, example.com, *.test, private address literals) are
    # skipped, and a name resolving to a private address is refused; True checks them all
    allow_private: bool = False
    accept: tuple[int, ...] = ()  # extra status codes treated as ok everywhere
    trust_env: bool = False  # use HTTP(S)_PROXY, NO_PROXY and netrc from the environment
    # a name public DNS always resolves: "no such domain" is believed (and broken at once) only
    # from a resolver that knows it; empty believes the resolver always
    dns_canary: str = "example.com"
    hosts: dict[str, HostConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A zero timeout would report every link broken, a negative redirect limit crash the
        # checker: such values are refused up front.
        positive = {"timeout": self.timeout, "connect_timeout": self.connect_timeout,
                    "read_timeout": self.read_timeout}
        positive.update({f"hosts.{name}.timeout": host.timeout
                         for name, host in self.hosts.items()})
        at_least = {"max_concurrency": (self.max_concurrency, 1), "per_host": (self.per_host, 1),
                    "workers": (self.workers, 0),
                    "max_redirects": (self.max_redirects, 0), "retries": (self.retries, 0),
                    "max_retry_after": (self.max_retry_after, 0),
                    "max_host_wait": (self.max_host_wait, 0), "deadline": (self.deadline, 0),
                    "max_body_bytes": (self.max_body_bytes, 0)}
        at_least.update({f"hosts.{name}.concurrency": (host.concurrency, 1)
                         for name, host in self.hosts.items()})
        for key, value in positive.items():
            if value is not None and not value > 0:
                raise ConfigError(f"'check.{key}' must be greater than 0, got {value!r}")
        for key, (value, least) in at_least.items():
            if value is not None and not value >= least:
                raise ConfigError(f"'check.{key}' must be at least {least}, got {value!r}")


@dataclass(frozen=True, slots=True)
class RuleConfig:
    severity: str | None = None  # error, warning, info, off; None keeps the rule's default
    options: dict[str, Any] = field(default_factory=dict)
    ignore_paths: tuple[str, ...] = ()  # glob patterns of files this rule does not report on


@dataclass(frozen=True, slots=True)
class StoreConfig:
    path: str = ".linkcheck/history.sqlite"
    enabled: bool = True
    max_age: dict[str, float] = field(
        default_factory=lambda: {"ok": 86400.0, "redirected": 86400.0, "unverifiable": 21600.0,
                                 "no-https": 7 * 86400.0}
    )
    failures_before_broken: int = 2

    def __post_init__(self) -> None:
        # broken is never reused; "no-https": a host found not to serve https at all
        reusable = ("ok", "redirected", "unverifiable", "no-https")
        unknown = sorted(set(self.max_age) - set(reusable))
        if unknown:
            raise ConfigError(
                f"'store.max_age' has unknown status {', '.join(unknown)} "
                f"(what may be reused: {', '.join(reusable)})"
            )
        if self.failures_before_broken < 1:
            raise ConfigError("'store.failures_before_broken' must be at least 1")


@dataclass(frozen=True, slots=True)
class GitHubSiteConfig:
    """GitHub repositories through the REST API (only when the token variable is set)."""

    enabled: bool = True
    token_env: str = "GITHUB_TOKEN"  # the environment variable holding the token
    api_url: str = "https://api.github.com"  # GitHub Enterprise: https://HOST/api/v3
    web_url: str = "https://github.com"  # links to this origin are checked through the API


@dataclass(frozen=True, slots=True)
class YouTubeSiteConfig:
    enabled: bool = True
    oembed_url: str = "https://www.youtube.com/oembed"


@dataclass(frozen=True, slots=True)
class SitesConfig:
    github: GitHubSiteConfig = field(default_factory=GitHubSiteConfig)
    youtube: YouTubeSiteConfig = field(default_factory=YouTubeSiteConfig)


@dataclass(frozen=True, slots=True)
class ArchiveConfig:
    """Verified replacements for broken remote links from the Wayback Machine."""

    enabled: bool = False
    api_url: str = "https://archive.org/wayback/available"
    max_lookups: int = 20  # availability lookups per run; the rest wait for the next run
    interval: float = 1.0  # seconds between two lookups
    max_age: float = 30 * 86400.0  # seconds a stored lookup answers for its link

    def __post_init__(self) -> None:
        if self.max_lookups < 0 or self.interval < 0 or self.max_age < 0:
            raise ConfigError("'archive.max_lookups', 'archive.interval' and 'archive.max_age' "
                              "must not be negative")


SITES = ("github", "docusaurus")  # whose rules local links and anchors follow


@dataclass(frozen=True, slots=True)
class DocusaurusConfig:
    """Where the docs plugin's content lives and is served (with `site: docusaurus`)."""

    docs_dir: str = ""  # the docs content root; empty: the first directory in `paths`
    route_base_path: str = "/docs"  # the docs plugin's routeBasePath


@dataclass(frozen=True, slots=True)
class Config:
    paths: tuple[str, ...] = ("curriculum/",)
    exclude: tuple[str, ...] = ()  # regular expressions matched against URLs (re.search)
    exclude_paths: tuple[str, ...] = ()  # glob patterns of files not to scan
    output_dir: str = "reports/"
    offline: bool = False
    check: CheckConfig = field(default_factory=CheckConfig)
    rules: dict[str, RuleConfig] = field(default_factory=dict)
    store: StoreConfig = field(default_factory=StoreConfig)
    required_front_matter: tuple[str, ...] = ()
    site: str = "github"  # local links and anchors as this site renders them (SITES)
    docusaurus: DocusaurusConfig = field(default_factory=DocusaurusConfig)
    sites: SitesConfig = field(default_factory=SitesConfig)
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    source: str | None = None  # the config file this was read from, if any
    # False when the file comes from a pull request (`--changed-since`): then no value from the
    # environment (`${VAR}` in headers, a site's token variable) reaches a request. Never set
    # from the file itself.
    trusted: bool = True

    def __post_init__(self) -> None:
        if self.site not in SITES:
            raise ConfigError(f"'site' must be one of {', '.join(SITES)}, got {self.site!r}")

    def is_excluded(self, url: str) -> bool:
        if not self.exclude:  # the usual case: asked for every target of a run
            return False
        return any(pattern.search(url) for pattern in _compiled(self.exclude))


def _compiled(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [_compile_one(p) for p in patterns]


_PATTERN_CACHE: dict[str, re.Pattern[str]] = {}


def _compile_one(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERN_CACHE.get(pattern)
    if compiled is None:
        compiled = _PATTERN_CACHE[pattern] = re.compile(pattern)
    return compiled


def load_config(
    config_file: str | None = None,
    overrides: dict[str, Any] | None = None,
    root: Path | None = None,
    mode_defaults: dict[str, Any] | None = None,
) -> Config:
    """Build the Config in layers: defaults, then `mode_defaults` (what a kind of run, such as a
    PR check, changes), then the file (explicit or root/linkcheck.yml), then `overrides`.

    Both `mode_defaults` and `overrides` hold values by dotted key (`"check.timeout"`); None is
    ignored. Rule settings are validated by the caller, which knows the rules.
    """
    root = root or Path.cwd()
    data: dict[str, Any] = {}
    source: str | None = None
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"{config_file}: config file not found")
        data, source = _read_yaml(path), str(config_file)
    elif (root / DEFAULT_CONFIG_FILE).is_file():
        data, source = _read_yaml(root / DEFAULT_CONFIG_FILE), DEFAULT_CONFIG_FILE
    data = _layered(_nested(mode_defaults or {}), data)
    config = _build(Config, data, source or "<defaults>", "")
    config = _apply_overrides(config, overrides or {})
    _validate_patterns(config, source or "<command line>")
    return dataclasses.replace(config, source=source)


def _nested(dotted: dict[str, Any]) -> dict[str, Any]:
    """{"check.timeout": 5} -> {"check": {"timeout": 5}}, None values left out."""
    nested: dict[str, Any] = {}
    for key, value in dotted.items():
        if value is None:
            continue
        *sections, name = key.split(".")
        place = nested
        for section in sections:
            place = place.setdefault(section, {})
        place[name] = value
    return nested


def _layered(below: dict[str, Any], above: dict[str, Any]) -> dict[str, Any]:
    """`above` over `below`, mapping by mapping: a key set above wins, whatever its value."""
    merged = dict(below)
    for key, value in above.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _layered(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml  # here: a run without a config file never loads it

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: invalid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config file must be a mapping of keys to values")
    return data


_NOT_FROM_FILE = frozenset({"source", "trusted"})  # what only the command line decides


def _build(cls: type, data: Any, source: str, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: '{prefix.rstrip('.') or '<root>'}' must be a mapping")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name not in _NOT_FROM_FILE}
    values = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in names:
            known = ", ".join(sorted(names))
            raise ConfigError(f"{source}: unknown key '{dotted}' (known keys here: {known})")
        values[key] = _coerce(hints[key], value, source, dotted)
    try:
        return cls(**values)
    except ConfigError as exc:  # a section's own check (__post_init__): name the file
        raise ConfigError(f"{source}: {exc}") from exc


def _coerce(hint: Any, value: Any, source: str, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(inner, value, source, key)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, source, key + ".")
    if hint is Any:
        return value
    if origin is tuple:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{source}: '{key}' must be a list, got {_type_name(value)}")
        return tuple(_coerce(args[0], item, source, f"{key}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: '{key}' must be a mapping, got {_type_name(value)}")
        return {str(k): _coerce(args[1], v, source, f"{key}.{k}") for k, v in value.items()}
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is bool or hint is str:
        if isinstance(value, hint):
            return value
    else:  # pragma: no cover - a field type this loader does not know is a programming error
        raise TypeError(f"unsupported config type {hint!r} for {key}")
    raise ConfigError(
        f"{source}: '{key}' must be {hint.__name__}, got {_type_name(value)} ({value!r})"
    )


def _type_name(value: Any) -> str:
    return {dict: "mapping", list: "list", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _apply_overrides(config: Config, overrides: dict[str, Any]) -> Config:
    for dotted, value in overrides.items():
        if value is None:
            continue
        head, _, tail = dotted.partition(".")
        if tail:
            section = getattr(config, head)
            config = dataclasses.replace(
                config, **{head: dataclasses.replace(section, **{tail: value})}
            )
        else:
            config = dataclasses.replace(config, **{head: value})
    return config


def _validate_patterns(config: Config, source: str) -> None:
    for i, pattern in enumerate(config.exclude):
        try:
            _compile_one(pattern)
        except re.error as exc:
            raise ConfigError(
                f"{source}: 'exclude[{i}]' is not a valid regex ({exc}): {pattern!r}"
            ) from exc
