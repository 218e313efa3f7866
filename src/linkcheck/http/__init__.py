"""The HTTP layer: one small httpcore connection pool per origin, and answers as neutral records.

This package is the only importer of httpcore, so changing the HTTP library is a change here
alone. Everything else sees `Reply` (an answer, with a bounded body prefix) or `Failure` (no
usable answer, with a `FailureKind`), both in outcome.py.

httpcore is driven directly rather than through httpx: every header is chosen by the caller,
redirects, cookies and decoding are done here, so httpx's request and response models only
added cost (about a third of a request's CPU time on a loopback benchmark). For the same reason
connections are asyncio streams (not anyio's, streams.py) and each origin's pool is a small one
of our own (origin_pool.py).
"""
