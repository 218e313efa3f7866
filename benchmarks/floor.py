"""The floor: a bare asyncio HTTP/1.1 client that checks the corpus's URLs and does nothing else.

`python benchmarks/floor.py TRUTH_JSON REPORT_JSON --per-host 4` opens `--per-host` keep-alive
connections to each host, GETs every URL once (following one redirect), and writes its verdicts
in the shape of linkcheck's JSON report (`links` with `resolved_url` and `status`). No parsing of
markdown, no retries, no politeness beyond the per-host limit: the time any checker needs at
least against the simulated web.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_targets  # noqa: E402


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, str | None]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = (line.partition(":") for line in lines[1:])
        headers = {name.strip().lower(): value.strip() for name, _, value in fields}
        await self.reader.readexactly(int(headers.get("content-length", "0")))
        return int(lines[0].split(" ")[1]), headers.get("location")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def check(url: str, conn: Connection) -> str:
    status, location = await conn.get(urlsplit(url).path)
    if status in (301, 308) and location:
        status, _ = await conn.get(urlsplit(location).path)
        return "redirected" if status == 200 else "broken"
    return "ok" if status == 200 else "broken"


async def worker(urls: list[str], host: str, port: int, verdicts: dict[str, str]) -> None:
    conn = Connection(host, port)
    try:
        for url in urls:
            verdicts[url] = await check(url, conn)
    finally:
        conn.close()


async def run(truth: Path, per_host: int) -> dict[str, str]:
    by_host: dict[tuple[str, int], list[str]] = {}
    for target in load_targets(truth):
        parts = urlsplit(target.url)
        by_host.setdefault((parts.hostname or "", parts.port or 80), []).append(target.url)
    verdicts: dict[str, str] = {}
    await asyncio.gather(*(
        worker(urls[k::per_host], host, port, verdicts)
        for (host, port), urls in by_host.items() for k in range(per_host)
    ))
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("truth", type=Path)
    parser.add_argument("report", type=Path)
    parser.add_argument("--per-host", type=int, default=4)
    args = parser.parse_args()
    verdicts = asyncio.run(run(args.truth, args.per_host))
    links = [{"resolved_url": url, "status": status} for url, status in verdicts.items()]
    args.report.write_text(json.dumps({"links": links}), "utf-8")


if __name__ == "__main__":
    main()
