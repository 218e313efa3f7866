"""duplicate-url's comparison key: the fast reading of plain URLs gives what urlsplit gives."""

from __future__ import annotations

import itertools
import random
import re

from linkcheck.rules import urls

SCHEMES = ["http", "https", "HTTP", "Https", "ftp", "mailto", ""]
HOSTS = ["example.com", "Example.COM", "www.example.com", "WWW.x.test", "example.com.",
         "www.", "a_b.test", "127.0.0.1", "[::1]", "user@host.test", "user:pw@host.test",
         "exämple.com", "xn--exmple-cua.com", "-x-.test", "", "h%41.test", "a..b"]
PORTS = ["", ":80", ":443", ":080", ":0", ":8080", ":65535", ":65536", ":99999", ":", ":x",
         ":123456"]
PATHS = ["", "/", "//", "/a", "/a/", "/a//", "/index.html", "/INDEX.HTML", "/a/index.htm",
         "/index.php/index.html", "/index.html/", "/%2F", "/a;b=c", "/é", "/a b", "/a\tb",
         "/~u/(x)*+,", "/a:b@c", "/a\\b", "/!$&'"]
TAILS = ["", "#", "#frag", "#a b", "?", "?q=1", "?utm_source=x", "?a=1&utm_medium=y#f",
         "#x?y", " ", "\n"]


def _shapes() -> list[str]:
    found = [f"{s}://{h}{p}{path}{t}" for s, h, p, path, t in itertools.product(
        SCHEMES[:3], HOSTS, PORTS[:6], PATHS, TAILS[:5])]
    rng = random.Random(20261202)
    pieces = [SCHEMES, ["://", ":/", ":", "//"], HOSTS, PORTS, PATHS, TAILS]
    for _ in range(10000):
        found.append("".join(rng.choice(options) for options in pieces))
        if rng.random() < 0.2:  # leading blanks or controls, which urlsplit strips
            found[-1] = rng.choice([" ", "\t", "\x00"]) + found[-1]
    return found


def test_every_url_shape_gets_the_key_urlsplit_gives():
    shapes = _shapes()
    fast = [url for url in shapes if urls._PLAIN_URL.fullmatch(url)]
    assert len(fast) > 5000  # the fast path is taken, and not by everything
    assert len(fast) < len(shapes)
    for url in shapes:
        assert urls.normalise.__wrapped__(url) == urls._normalise_split(url), url


def test_keys_of_plain_urls():
    normalise = urls.normalise.__wrapped__
    assert normalise("https://WWW.Example.com:443/docs/index.html#x") == "web://example.com/docs"
    assert normalise("http://example.com:8080/a/") == "web://example.com:8080/a"
    assert normalise("http://./a") == "web:/a"  # no host left
    assert normalise("http://example.com:99999/a") == "http://example.com:99999/a"  # unreadable


def _host_and_path_as_defined(scheme, hostname, port, path):
    """The key's host and path, one rule after the other, as the docstring states them."""
    host = hostname.rstrip(".").removeprefix("www.")
    if port is not None and str(port) != {"http": "80", "https": "443"}[scheme]:
        host = f"{host}:{port}"
    for index in urls.INDEX_FILES:
        if path.lower().endswith("/" + index):
            path = path[: -len(index)]
    return host, re.sub(r"/+$", "", path)


def test_the_key_of_a_host_and_path_is_the_one_its_rules_give():
    rng = random.Random(5)
    pieces = ["", "/", "//", "a", "/index.html", "/INDEX.HTM", "/Index.PHP", "index.html",
              "/index.htmlx", "/index.php/index.html", "é", "İ", "Σ", "\n", "/\n", "x/\n"]
    ports = [None, 80, 443, 8080, 0]
    for _ in range(5000):
        path = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        args = (rng.choice(["http", "https"]), rng.choice(["www.x.test.", "x.test", "www."]),
                rng.choice(ports), path)
        assert urls._host_and_path(*args) == _host_and_path_as_defined(*args), args
