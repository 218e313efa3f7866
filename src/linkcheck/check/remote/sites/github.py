"""GitHub repository links through the REST API: renamed or transferred repositories (with
their new URL), archived, disabled, deleted or private ones, and `blob/`/`tree/` paths at their
ref. Used only with a token (GITHUB_TOKEN or the variable `sites.github.token_env` names).

The API answers 404 for a deleted repository and for a private one the token cannot see (it
gives nothing away about private repositories); readers without access get the same 404, so
both are broken. A private repository the token can see is unverifiable: readers with access
can follow the link, others cannot. A refused token or a spent rate limit turns the API off for
the rest of the run, with a note; the remaining GitHub links are then checked as pages.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from ....config import GitHubSiteConfig
from ....http.outcome import Failure, Outcome, Reply
from ....http.target import origin_of
from ....models import CheckResult, Hop, Status
from .answers import Once, budget_exhausted, json_body
from .base import Asker

API_VERSION = "2022-11-28"
REPOSITORY_BYTES = 256 * 1024  # a repository's JSON is a few KB; a fork's carries its parents
MAX_REF_SEGMENTS = 4  # refs with slashes (`feature/x`): tried up to this many segments
# First path segments of github.com that are not owners.
RESERVED = frozenset({
    "about", "apps", "collections", "contact", "customer-stories", "enterprise", "events",
    "explore", "features", "issues", "join", "login", "marketplace", "new", "notifications",
    "orgs", "organizations", "pricing", "pulls", "readme", "search", "security", "settings",
    "site", "sponsors", "topics", "trending", "users", "codespaces", "discussions",
})
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
NOT_FOUND = "repository not found (deleted, or private and not visible to this token)"


@dataclass(frozen=True, slots=True)
class RepoLink:
    """A link to a repository, or to a file or directory in it (`blob/`, `tree/`)."""

    owner: str
    name: str
    kind: str  # "repo", "blob" or "tree"
    rest: tuple[str, ...] = ()  # after blob/ or tree/: the ref, then the path
    query: str = ""


@dataclass(frozen=True, slots=True)
class Repository:
    full_name: str
    html_url: str
    default_branch: str
    archived: bool = False
    private: bool = False
    disabled: bool = False
    moved: bool = False  # answered through a 301: renamed or transferred


def parse(page: str, web_origin: str) -> RepoLink | None:
    """The repository link in `page`, if it is one this module checks."""
    if origin_of(page) != web_origin:
        return None
    try:
        split = urlsplit(page)
    except ValueError:
        return None
    parts = [p for p in split.path.split("/") if p]
    if len(parts) < 2 or parts[0].lower() in RESERVED:
        return None
    owner, name = parts[0], parts[1].removesuffix(".git")
    if not (_NAME.fullmatch(owner) and _NAME.fullmatch(name)):
        return None
    rest = tuple(parts[2:])
    if not rest:
        return RepoLink(owner, name, "repo", (), split.query)
    if rest[0] in ("blob", "tree") and len(rest) >= 2:
        return RepoLink(owner, name, rest[0], rest[1:], split.query)
    return None  # issues, pulls, wiki...: the page itself is checked


def from_config(settings: GitHubSiteConfig, trusted: bool = True) -> GitHub | None:
    """The GitHub check, when a token is set. From a pull request's config (not `trusted`) only
    the default variable is read and only for the default API: the pull request could name
    another variable, or send the token to another server."""
    if not trusted and (settings.token_env, settings.api_url) != (_DEFAULTS.token_env,
                                                                   _DEFAULTS.api_url):
        return None
    token = os.environ.get(settings.token_env, "").strip()
    if not settings.enabled or not token:
        return None
    return GitHub(settings, token)


_DEFAULTS = GitHubSiteConfig()


class GitHub:
    name = "github"

    def __init__(self, settings: GitHubSiteConfig, token: str) -> None:
        self.web_origin = origin_of(settings.web_url) or ""
        self.web_url = settings.web_url.rstrip("/")
        self.api = settings.api_url.rstrip("/")
        self.api_origin = origin_of(self.api)
        self.headers = {"Accept": "application/vnd.github+json",
                        "X-GitHub-Api-Version": API_VERSION, "Authorization": f"Bearer {token}"}
        self.off = False  # the API stopped helping for this run (token refused, budget spent)
        self._repositories = Once()

    def claims(self, page: str) -> bool:
        return not self.off and parse(page, self.web_origin) is not None

    async def check(self, page: str, asker: Asker) -> CheckResult | None:
        link = parse(page, self.web_origin)
        if link is None or self.off:
            return None
        key = f"{link.owner}/{link.name}".lower()
        repo = await self._repositories.get(key, lambda: self._repository(link, asker))
        if repo is None or isinstance(repo, CheckResult):
            return CheckResult(page, repo.status, repo.reason, repo.status_code) if repo else None
        if repo.disabled:
            return CheckResult(page, Status.BROKEN, "repository disabled by GitHub")
        if repo.private:
            return CheckResult(page, Status.UNVERIFIABLE,
                               "private repository (readers without access get a 404)")
        if link.kind != "repo":
            found = await self._path(page, link, repo, asker)
            if found is not True:
                return found
        return _answer(page, link, repo)

    async def _repository(self, link: RepoLink, asker: Asker) -> Repository | CheckResult | None:
        url = f"{self.api}/repos/{quote(link.owner)}/{quote(link.name)}"
        outcome = await asker.ask(url, self.headers, REPOSITORY_BYTES)
        moved = isinstance(outcome, Reply) and outcome.status_code in (301, 307, 308)
        if moved:
            target = _moved_to(outcome)
            if target is None or origin_of(target) != self.api_origin:
                return None  # the token goes to the API's own origin only: check the page
            outcome = await asker.ask(target, self.headers, REPOSITORY_BYTES)
        if self._refused(outcome, asker):
            return None
        if isinstance(outcome, Reply) and outcome.status_code == 200:
            return self._repository_from(json_body(outcome), moved)
        return self._error(url, outcome)

    def _repository_from(self, data: object, moved: bool) -> Repository | None:
        if not isinstance(data, dict):
            return None  # not the documented shape: let the page speak
        full_name, html_url = data.get("full_name"), data.get("html_url")
        if not (isinstance(full_name, str) and full_name.count("/") == 1
                and all(_NAME.fullmatch(p) for p in full_name.split("/"))):
            return None
        if not (isinstance(html_url, str) and origin_of(html_url) == self.web_origin):
            html_url = f"{self.web_url}/{full_name}"  # GitHub Enterprise behind another name
        branch = data.get("default_branch")
        return Repository(full_name, html_url, branch if isinstance(branch, str) else "",
                          data.get("archived") is True, data.get("private") is True,
                          data.get("disabled") is True, moved)

    def _refused(self, outcome: Outcome, asker: Asker) -> bool:
        """Whether the API refused this request for the whole run (token refused, budget
        spent): the caller checks the page instead. A spent budget is noticed on the answer
        that spends it, which still counts, so the next request is not even sent."""
        if isinstance(outcome, Reply) and outcome.status_code == 401:
            self._turn_off(asker, "refused the token (HTTP 401)")
            return True
        if isinstance(outcome, Reply) and budget_exhausted(outcome):
            reset = outcome.headers.get("x-ratelimit-reset", "")
            self._turn_off(asker, f"rate limit is spent until {_clock_time(reset)}")
            return outcome.status_code in (403, 429)
        return False

    def _turn_off(self, asker: Asker, why: str) -> None:
        if not self.off:
            self.off = True
            asker.note(f"GitHub API {why}: the other GitHub links were checked as pages")

    def _error(self, url: str, outcome: Outcome) -> CheckResult | None:
        """The verdict an error answer gives the repository (its page's URL is set later)."""
        if isinstance(outcome, Failure):  # the API did not answer: that says nothing of the
            return None  # link, whose page is checked instead
        code = outcome.status_code
        if code == 404:
            return CheckResult(url, Status.BROKEN, NOT_FOUND, 404)
        if code == 451:
            return CheckResult(url, Status.BROKEN,
                               "repository unavailable for legal reasons (HTTP 451)", 451)
        if code == 403 and b"access blocked" in outcome.body.lower():
            return CheckResult(url, Status.BROKEN, "repository access blocked (HTTP 403)", 403)
        return None  # anything else says more about the API than the link: check the page

    async def _path(self, page: str, link: RepoLink, repo: Repository,
                    asker: Asker) -> CheckResult | bool | None:
        """True when the blob/tree path exists at its ref; the verdict when it does not; None
        when the API cannot say (the page is then checked instead)."""
        segments = link.rest
        for split in range(1, min(len(segments), MAX_REF_SEGMENTS) + 1):
            ref, path = "/".join(segments[:split]), "/".join(segments[split:])
            outcome = await asker.ask(self._contents_url(repo, path, ref), self.headers, 0)
            missing = self._missing(page, outcome, asker)
            if missing is False:
                return True
            if missing is not True:
                return missing
            exists = ref == repo.default_branch or await self._ref_exists(repo, ref, page, asker)
            if exists is True:
                return CheckResult(page, Status.BROKEN, f"{path} not found at {ref}", 404)
            if exists is not False:
                return exists
        return CheckResult(page, Status.BROKEN,
                           f"no branch, tag or commit {segments[0]} in {repo.full_name}", 404)

    def _missing(self, page: str, outcome: Outcome, asker: Asker) -> bool | None:
        """True on a 404, False on a 200; None when the API could not say."""
        if self._refused(outcome, asker):
            return None
        if isinstance(outcome, Failure):
            return None  # the API did not answer: the page is checked instead
        if outcome.status_code in (200, 404):
            return outcome.status_code == 404
        return None

    async def _ref_exists(self, repo: Repository, ref: str, page: str,
                          asker: Asker) -> CheckResult | bool | None:
        url = f"{self.api}/repos/{repo.full_name}/commits/{quote(ref, safe='')}"
        outcome = await asker.ask(url, self.headers, 0)
        if isinstance(outcome, Reply) and outcome.status_code == 422:
            return False  # "No commit found for SHA"
        missing = self._missing(page, outcome, asker)
        return (not missing) if isinstance(missing, bool) else missing

    def _contents_url(self, repo: Repository, path: str, ref: str) -> str:
        base = f"{self.api}/repos/{repo.full_name}/contents"
        return f"{base}/{quote(path)}?ref={quote(ref, safe='')}" if path else \
            f"{base}?ref={quote(ref, safe='')}"


def _answer(page: str, link: RepoLink, repo: Repository) -> CheckResult:
    what = "archived repository" if repo.archived else "repository"
    if not repo.moved:
        return CheckResult(page, Status.OK, f"{what} found (GitHub API)", 200,
                           archived=repo.archived)
    final = repo.html_url
    if link.kind != "repo":
        final += "/" + "/".join((link.kind, *link.rest))
    if link.query:
        final += "?" + link.query
    return CheckResult(page, Status.REDIRECTED, f"repository moved to {repo.full_name}", 200,
                       final, (Hop(page, 301),), True, archived=repo.archived)


def _moved_to(reply: Reply) -> str | None:
    """Where a 301 from the API points: its `url` field, else its Location header."""
    body = json_body(reply)
    url = body.get("url") if isinstance(body, dict) else None
    return url if isinstance(url, str) else reply.headers.get("location")


def _clock_time(reset: str) -> str:
    if not reset.isdigit():
        return "its reset"
    return datetime.fromtimestamp(int(reset), UTC).strftime("%H:%M UTC")
