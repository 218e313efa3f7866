"""YouTube video links checked through the oEmbed endpoint (a loopback stand-in answering as
YouTube's does): the watch page answers 200 for removed and private videos alike."""

from __future__ import annotations

from sites_helpers import run_linkcheck


def config(apis) -> str:
    return f"store:\n  enabled: false\nsites:\n  youtube:\n    oembed_url: {apis.oembed_url}\n"


DOC = """# Videos

- [talk](https://www.youtube.com/watch?v=okVideo0001&t=42s)
- [short link](https://youtu.be/okVideo0001)
- [embedded](https://www.youtube.com/embed/okVideo0001)
- [removed](https://www.youtube.com/watch?v=removedVid1)
- [private](https://youtu.be/privateVid1)
- [refused](https://www.youtube.com/watch?v=forbiddenV1)
- [forbidden body](https://www.youtube.com/watch?v=forbidBody1)
- [bad id](https://www.youtube.com/watch?v=badVideoId1)
"""


def test_videos_through_oembed(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    apis.state.videos.update(okVideo0001="ok", privateVid1="private", forbiddenV1="forbidden",
                             forbidBody1="forbidden-body", badVideoId1="bad")
    run = run_linkcheck(tmp_path, capsys, config(apis), DOC)
    yt = "https://www.youtube.com"
    for url in (f"{yt}/watch?v=okVideo0001&t=42s", "https://youtu.be/okVideo0001",
                f"{yt}/embed/okVideo0001"):
        assert run.verdict(url)[0] == "ok", url
    assert run.verdict(f"{yt}/watch?v=removedVid1") == ("broken", "video removed")
    status, reason = run.verdict("https://youtu.be/privateVid1")
    assert status == "unverifiable" and "private" in reason
    assert run.verdict(f"{yt}/watch?v=forbiddenV1")[0] == "unverifiable"
    assert run.verdict(f"{yt}/watch?v=forbidBody1")[0] == "unverifiable"
    assert run.verdict(f"{yt}/watch?v=badVideoId1")[0] == "broken"
    assert run.code == 1  # the removed video fails the run
    # one oEmbed request per distinct video, each for the canonical watch URL, as JSON
    asked = [r.path for r in apis.state.requests if r.path.startswith("/oembed")]
    assert len(asked) == 6
    assert all("format=json" in p and "watch%3Fv%3D" in p for p in asked)
