"""The studio: its pages and JSON in process, its safety over HTTP, and a user's session in a real headless
Chromium (tests/browser.py): the season, playing an episode, seeking from the storyboard, editing a line and
rebuilding with live progress (then probing the new video and subtitles), candidates and a pick, bad input.
Screenshots of each page go to a folder of this run (``REELWRIGHT_SCREENSHOTS=docs/img`` refreshes the docs'
ones: ``make screenshots``), so a test run leaves the working tree as it found it."""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import re
import tempfile
import threading
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reelwright import api
from reelwright.cli import main
from reelwright.documents.base import load_document
from reelwright.documents.lock import Lock
from reelwright.documents.timeline import Timeline
from reelwright.lockfile import ProjectLock, lock_holder
from reelwright.media.video import probe
from reelwright.studio import create_app
from tests.browser import Served, chromium, free_port, shoot
from tests.helpers import TWO_SCENE_SCRIPT, write_tiny_project
from tests.media_server import MediaServer

DOCS_IMG = Path(os.environ.get("REELWRIGHT_SCREENSHOTS") or tempfile.mkdtemp(prefix="reelwright-studio-shots-"))
SECOND = """Title: Test
Episode: 2

INT. OFFICE - DAY

LEO slams a folder on the desk.

LEO
You knew all along.

MAYA
I knew nothing.
"""

pytestmark = pytest.mark.slow


def _season(root: Path) -> Path:
    write_tiny_project(root, TWO_SCENE_SCRIPT)
    (root / "scripts" / "ep002.fountain").write_text(SECOND, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def season(tmp_path_factory) -> Path:
    root = _season(tmp_path_factory.mktemp("studio") / "season")
    api.build(root)
    return root


def _client(root: Path, **kw) -> TestClient:
    return TestClient(create_app(root, port=8700, **kw), base_url="http://127.0.0.1:8700")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


# ---- pages and JSON, in process ------------------------------------------------------------------

def test_pages_render_and_answer_json(season):
    c = _client(season)
    home = c.get("/")
    assert home.status_code == 200 and "ep001" in home.text and "ep002" in home.text
    data = c.get("/?format=json").json()
    assert [e["number"] for e in data["episodes"]] == [1, 2]
    assert {e["state"] for e in data["episodes"]} == {"built"} and all(e["shots"] > 0 for e in data["episodes"])
    ep = c.get("/episodes/1", headers={"Accept": "application/json"}).json()
    assert ep["video"] == "/media/build/ep001.mp4" and ep["subtitles"][0]["lang"] == "en"
    assert ep["shots"][0]["start"] == 0 and ep["lines"][0]["shots"], "each line links to the shots showing it"
    assert any(c_["check"] == "loudness" for c_ in ep["checks"])
    shot = c.get(ep["shots"][1]["url"] + "?format=json").json()
    assert shot["size"] in shot["choices"]["size"] and shot["generative"] is False
    assert c.get("/bible?format=json").json()["characters"][0]["sample"].startswith("/media/build/cache/voice/")
    ledger = c.get("/builds?format=json").json()["ledger"]
    assert ledger["spent"] == 0 and ledger["providers"]["speech:piper"]["calls"] == 4  # four lines voiced
    vtt = c.get("/episodes/1/subtitles/en.vtt")
    assert vtt.text.startswith("WEBVTT") and "He said he would never come back." in vtt.text.replace("\n", " ")
    thumb = c.get(ep["shots"][0]["thumb"])
    assert thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"
    made = list((season / "build" / "studio" / "thumbs" / "ep001").glob("*.jpg"))
    before = {p: p.stat().st_mtime_ns for p in made}
    c.get(ep["shots"][0]["thumb"])
    assert {p: p.stat().st_mtime_ns for p in made} == before  # made once, then served from build/studio
    assert c.get("/bible/characters/MAYA/look.png").content[:4] == b"\x89PNG"


def test_video_is_served_with_range_requests(season):
    c = _client(season)
    size = (season / "build" / "ep001.mp4").stat().st_size
    part = c.get("/media/build/ep001.mp4", headers={"Range": "bytes=100-299"})
    assert part.status_code == 206 and part.headers["content-range"] == f"bytes 100-299/{size}"
    assert part.content == (season / "build" / "ep001.mp4").read_bytes()[100:300]


def _raw_get(url: str, path: str, headers: dict | None = None) -> tuple[int, str]:
    """GET ``path`` exactly as written (no client-side normalisation of ../ or %2f)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("GET", path, skip_host=bool(headers and "Host" in headers))
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    conn.close()
    return r.status, body


def test_no_request_reaches_outside_the_project(season, tmp_path):
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"SECRET-BYTES")
    (season / "build" / "escape.mp4").unlink(missing_ok=True)
    (season / "build" / "escape.mp4").symlink_to(secret)
    (season / "build" / "inside.mp4").unlink(missing_ok=True)
    (season / "build" / "inside.mp4").symlink_to(season / "build" / "ep001.mp4")
    with Served(create_app(season, port=(port := free_port())), port) as url:
        tries = ["/media/build/../reelwright.toml", "/media/../../../../etc/passwd", "/media//etc/passwd",
                 "/media/%2fetc%2fpasswd", "/media/build/..%2f..%2f..%2fetc%2fpasswd", "/media/build%2f..%2fbible.yaml",
                 "/media/build/%2e%2e/reelwright.toml", "/media/build/escape.mp4", f"/media/{secret}",
                 "/media/reelwright.toml", "/media/scripts/ep001.fountain", "/media/build/..\\reelwright.toml",
                 "/episodes/1/subtitles/..%2f..%2fetc.vtt", "/episodes/..%2f1"]
        for path in tries:
            status, body = _raw_get(url, path)
            assert status in (400, 404), (path, status)
            assert "SECRET-BYTES" not in body and "[project]" not in body and "root:" not in body, path
        assert _raw_get(url, "/media/build/inside.mp4")[0] == 200  # a link that stays inside is fine
        assert _raw_get(url, "/", {"Host": "evil.example:80"})[0] == 403  # DNS rebinding: another Host
    (season / "build" / "escape.mp4").unlink()
    (season / "build" / "inside.mp4").unlink()


def test_state_changes_need_post_and_the_page_token(season):
    c = _client(season)
    script = season / "scripts" / "ep001.fountain"
    before = script.read_text()
    assert c.get("/episodes/1/lines/0").status_code in (404, 405)
    assert c.post("/episodes/1/lines/0", data={"text": "Hacked."}).status_code == 403
    assert c.post("/episodes/1/lines/0", data={"text": "Hacked.", "csrf": "guess"}).status_code == 403
    token = _csrf(c.get("/").text)
    r = c.post("/episodes/1/lines/0", data={"text": "Hacked.", "csrf": token},
               headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = c.post("/episodes/1/lines/0", data={"text": "Hacked.", "csrf": token},
               headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert script.read_text() == before


def test_bad_form_input_gets_a_message_and_changes_nothing(season):
    c = _client(season)
    token = _csrf(c.get("/").text)
    script, board = season / "scripts" / "ep001.fountain", season / "boards" / "ep001.yaml"
    files = {p: p.read_bytes() for p in (script, board, season / "bible.yaml")}
    for text, why in [("", "cannot be empty"), ("one\n\ntwo", "blank line"), ("(quietly)", "break the script")]:
        r = c.post("/episodes/1/lines/0", data={"text": text, "csrf": token}, follow_redirects=False)
        assert r.status_code == 400 and why in r.text and 'class="field-error"' in r.text
    shot = c.get("/episodes/1?format=json").json()["shots"][1]["id"]
    r = c.post(f"/episodes/1/shots/{shot}", data={"size": "GIANT", "csrf": token})
    assert r.status_code == 400 and "size" in r.text and "Input should be" in r.text
    r = c.post(f"/episodes/1/shots/{shot}", data={"expressions.NOBODY": "happy", "csrf": token})
    assert r.status_code == 400 and "NOBODY is not in shot" in r.text
    r = c.post("/bible/characters/MAYA", data={"voice.pitch": "loud", "csrf": token})
    assert r.status_code == 400 and "voice.pitch: a number" in r.text
    r = c.post("/bible/characters/MAYA", data={"voice.pitch": "40", "csrf": token})
    assert r.status_code == 400 and "less than or equal to 12" in r.text
    r = c.post("/episodes/1/approve", data={"who": "  ", "csrf": token})
    assert r.status_code == 400 and "say who approves" in r.text
    r = c.post("/builds", data={"csrf": token})
    assert r.status_code == 400 and "choose at least one episode" in r.text
    r = c.post("/episodes/1/shots/s01-a01/candidates", data={"count": "3", "csrf": token})
    assert r.status_code == 400 and "image:comic" in r.text
    assert {p: p.read_bytes() for p in files} == files


def test_token_is_required_on_any_other_address(season):
    app = create_app(season, host="0.0.0.0", port=8700, token="s3cret-token")
    c = TestClient(app, base_url="http://192.168.1.20:8700")
    assert c.get("/").status_code == 401
    assert c.get("/?token=wrong").status_code == 403
    assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 403
    r = c.get("/?token=s3cret-token&format=json", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?format=json"
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
    assert c.get("/?format=json").status_code == 200  # the cookie carries it from now on
    other = TestClient(app, base_url="http://192.168.1.20:8700")
    assert other.get("/media/build/ep001.mp4").status_code == 401
    assert other.get("/media/build/ep001.mp4", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_studio_command_prints_the_token_once(season, monkeypatch):
    seen = {}

    def fake_run(app, host, port, log_level):
        seen.update(app=app, host=host, port=port)

    monkeypatch.setattr("uvicorn.run", fake_run)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["studio", str(season), "--host", "0.0.0.0", "--port", "8765"]) == 0
    token = re.search(r"\?token=([\w\-]+)", out.getvalue()).group(1)
    assert len(token) >= 20 and seen["app"].token == token and seen["port"] == 8765
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["studio", str(season)])
    assert "token" not in out.getvalue() and seen["app"].token is None and seen["host"] == "127.0.0.1"


def test_one_build_at_a_time_shared_with_the_cli_and_edits_during_a_build_are_kept(tmp_path):
    root = _season(tmp_path / "busy")
    api.build(root)
    c = _client(root)
    token = _csrf(c.get("/").text)
    # the CLI (here: another holder of the lock) builds: the studio refuses and names it
    held, release = threading.Event(), threading.Event()

    def cli_build():
        with ProjectLock(root, "reelwright build busy --episodes 1"):
            held.set()
            release.wait(30)

    t = threading.Thread(target=cli_build)
    t.start()
    held.wait(10)
    try:
        r = c.post("/builds", data={"episodes": "1", "csrf": token})
        assert r.status_code == 409 and "reelwright build busy --episodes 1" in r.text
        assert "reelwright build busy --episodes 1" in c.get("/").text  # the busy banner
    finally:
        release.set()
        t.join()
    # the studio builds: the CLI is refused with the studio named; an edit made meanwhile is saved
    api.change_line(root, 1, 0, "A longer line now, so the studio has real work to do.")
    r = c.post("/builds", data={"episodes": ["1", "2"], "csrf": token}, headers={"Accept": "application/json"})
    assert r.status_code == 202
    job = r.json()["id"]
    deadline = time.monotonic() + 20
    while lock_holder(root) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["build", str(root), "--quiet"]) == 1
    assert "error: the project is busy" in err.getvalue() and "reelwright studio: build ep001, ep002" in err.getvalue()
    r = c.post("/episodes/2/lines/1", data={"text": "I knew everything.", "csrf": token}, follow_redirects=False)
    assert r.status_code == 303  # saved while the build runs
    while c.get(f"/builds/{job}").json()["state"] == "running":
        time.sleep(0.2)
    assert c.get(f"/builds/{job}").json()["state"] == "done"
    assert "I knew everything." in (root / "scripts" / "ep002.fountain").read_text()
    report = api.build(root)  # the next build picks the edit up
    assert report.work.get("voice", 0) >= 1
    assert "I knew everything." in (root / "build" / "ep002.srt").read_text()


def test_studio_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["studio", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "usage: reelwright studio" in out and "--host" in out and "--port" in out and "token" in out


def test_a_studio_build_can_be_cancelled_and_resumes(tmp_path):
    root = _season(tmp_path / "cancel")
    api.build(root)
    api.change_line(root, 1, 0, "Now the first line is different, so there is work to do.")
    api.change_line(root, 2, 0, "And the second episode changed as well.")
    c = _client(root)
    token = _csrf(c.get("/").text)
    job = c.post("/builds", data={"episodes": ["1", "2"], "csrf": token},
                 headers={"Accept": "application/json"}).json()["id"]
    deadline = time.monotonic() + 20
    while lock_holder(root) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert c.post(f"/builds/{job}/cancel", data={"csrf": token}, headers={"Accept": "application/json"}).status_code == 200
    while (state := c.get(f"/builds/{job}").json())["state"] == "running":
        time.sleep(0.1)
    assert state["state"] == "cancelled" and "finished work is kept" in state["error"]
    assert lock_holder(root) is None
    events = c.get(f"/builds/{job}/events").text  # the stream replays the job's events and ends
    assert events.rstrip().split("\n")[-2] == "event: end"
    report = api.build(root)  # resumes and finishes
    assert "so there is work to do." in (root / "build" / "ep001.srt").read_text()
    assert "changed as well." in (root / "build" / "ep002.srt").read_text()
    assert 1 <= report.work["voice"] <= 2 and [r.episode for r in report.checks] == [1, 2]  # only what was left


def test_a_build_calling_paid_providers_shows_the_estimate_and_asks_first(tmp_path):
    with MediaServer() as media:
        root = write_tiny_project(tmp_path / "paid", TWO_SCENE_SCRIPT)
        with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
            fh.write(f'\n[providers]\nimage = "openai"\n\n[providers.options."image:openai"]\nbase_url = "{media.url}"\n'
                     'api_key_env = ""\n\n[providers.prices."image:openai"]\nper_call = 0.04\n\n'
                     '[images]\nexpressions = []\nreference_size = 64\n')
        c = _client(root)
        token = _csrf(c.get("/").text)
        r = c.post("/builds", data={"episodes": "1", "csrf": token})
        assert r.status_code == 200 and "Confirm and build" in r.text and "image:openai" in r.text
        assert c.get("/builds?format=json").json()["jobs"] == []  # nothing started, nothing asked
        assert not [q for q in media.requests if "images" in q.path]
        plan = c.get("/builds?episodes=1&episodes=1&plan=1&format=json").json()["plan"]  # as the form sends it
        assert plan["providers"]["image:openai"]["calls"] > 0 and plan["cost"] > 0


def test_approval_marks_changes_and_limits_delivery(tmp_path):
    root = _season(tmp_path / "approve")
    api.build(root)
    c = _client(root)
    token = _csrf(c.get("/").text)
    assert c.post("/episodes/1/approve", data={"who": "Lin", "csrf": token}).status_code == 200
    ep = c.get("/episodes/1?format=json").json()
    assert ep["state"] == "approved" and ep["approval"]["by"] == "Lin"
    assert api.approved(root) == [1]
    api.change_line(root, 1, 1, "She will come. She always does.")  # an edit after approval
    assert c.get("/episodes/1?format=json").json()["state"] == "changed since approval"
    assert api.approved(root) == []
    with pytest.raises(api.InputError, match="no approved episode"):
        api.deliver(root, approved_only=True)


# ---- in a real browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def _wait(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception as exc:  # noqa: BLE001 - a page reloading under us: stale or missing elements
            if "Stale" not in type(exc).__name__ and "NoSuchElement" not in type(exc).__name__:
                raise
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_browser_season_play_seek_edit_rebuild(browser, tmp_path):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    root = _season(tmp_path / "browse")
    api.build(root)
    before_key = load_document(root / "reelwright.lock", Lock).artifacts["ep001/video"].key
    with Served(create_app(root, port=(port := free_port())), port) as url:
        b = browser
        b.get(url + "/")
        cards = b.find_elements(By.CSS_SELECTOR, ".card")
        assert len(cards) == 2 and "built" in cards[0].text
        _wait(lambda: b.execute_script("return Array.from(document.images).every(i => i.complete && i.naturalWidth)"),
              what="thumbnails")
        shoot(b, DOCS_IMG / "studio-season.png")

        cards[0].find_element(By.TAG_NAME, "a").click()
        _wait(lambda: "/episodes/1" in b.current_url, what="episode page")
        b.execute_script("const v = document.getElementById('player'); v.muted = true; v.play();")
        _wait(lambda: b.execute_script("return document.getElementById('player').currentTime") > 0.5, 20,
              "the video to play")
        b.execute_script("document.getElementById('player').pause()")
        shots = b.find_elements(By.CSS_SELECTOR, "#strip .shot")
        target = shots[3]
        start = float(target.get_attribute("data-start"))
        target.find_element(By.CSS_SELECTOR, "button.seek").click()
        _wait(lambda: abs(b.execute_script("return document.getElementById('player').currentTime") - start) < 0.1,
              10, "the player to seek to the clicked shot")
        _wait(lambda: "current" in target.get_attribute("class"), 5, "the clicked shot highlighted")
        _wait(lambda: b.execute_script("return Array.from(document.images).every(i => i.complete && i.naturalWidth)"),
              what="storyboard thumbnails")
        shoot(b, DOCS_IMG / "studio-episode.png")

        # edit the first line in the page, then rebuild from the studio and watch it
        new = "He swore he would stay away for good."
        form = b.find_element(By.CSS_SELECTOR, "#line-0 form")
        area = form.find_element(By.TAG_NAME, "textarea")
        area.clear()
        area.send_keys(new)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        _wait(lambda: new in (root / "scripts" / "ep001.fountain").read_text(), 10, "the script edit")
        # bad input in the page: a message beside the field, nothing written
        form = b.find_element(By.CSS_SELECTOR, "#line-1 form")
        form.find_element(By.TAG_NAME, "textarea").clear()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        error = _wait(lambda: b.find_elements(By.CSS_SELECTOR, "#line-1 .field-error"), 10, "the field's message")
        assert "cannot be empty" in error[0].text
        assert "She will come." in (root / "scripts" / "ep001.fountain").read_text()

        b.get(url + "/builds")
        b.find_element(By.CSS_SELECTOR, "input[name=episodes][value='1']").click()
        b.find_element(By.ID, "start-build").click()
        seen = set()

        def progressed():
            try:  # the page reloads itself when the job ends
                text = b.find_element(By.ID, "job-progress").text
                if text:
                    seen.add(text)
                return b.find_element(By.ID, "job-state").text in ("done", "failed", "cancelled")
            except WebDriverException:
                return False

        _wait(progressed, 180, "the build to finish")
        assert b.find_element(By.ID, "job-state").text == "done", b.find_element(By.ID, "job-summary").text
        assert any(re.search(r"ep001 (voice|render): \d+/\d+", t) for t in seen), seen
        _wait(lambda: "ep001 self-check" in b.find_element(By.ID, "job-log").text, 10, "the log")
        _wait(lambda: "building" not in b.find_element(By.ID, "build-form").text, 10, "the reloaded page")
        shoot(b, DOCS_IMG / "studio-builds.png")
    # the new line is in the new video and its subtitles
    srt = (root / "build" / "ep001.srt").read_text()
    assert new in srt.replace("\n", " ")
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    info = probe(root / "build" / "ep001.mp4", count_frames=True)
    assert info["video"]["frames"] == timeline.frames
    assert any(new.split()[0] in c.text for c in timeline.cues)
    assert load_document(root / "reelwright.lock", Lock).artifacts["ep001/video"].key != before_key


def test_browser_shot_and_bible_pages(browser, season):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with Served(create_app(season, port=(port := free_port())), port) as url:
        b = browser
        ep = api.board(season, 1)
        shot = next(s for s in ep.shots if s.subjects)
        b.get(f"{url}/episodes/1/shots/{shot.id}")
        Select(b.find_element(By.NAME, "size")).select_by_visible_text("ECU")
        b.find_element(By.ID, "save-fields").click()
        _wait(lambda: api.board(season, 1).shots[ep.shots.index(shot)].size == "ECU", 10, "the board edit")
        assert "size: ECU" in (season / "boards" / "ep001.yaml").read_text()
        shoot(b, DOCS_IMG / "studio-shot.png")
        b.get(url + "/bible")
        _wait(lambda: b.execute_script("return Array.from(document.images).every(i => i.complete && i.naturalWidth)"),
              what="bible pictures")
        assert b.find_elements(By.CSS_SELECTOR, ".characters audio")
        shoot(b, DOCS_IMG / "studio-bible.png")


def test_browser_candidates_and_pick(browser, tmp_path):
    from selenium.webdriver.common.by import By

    with MediaServer() as media:
        root = write_tiny_project(tmp_path / "gen", TWO_SCENE_SCRIPT)
        with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
            fh.write(f'\n[providers]\nimage = "openai"\n\n[providers.options."image:openai"]\nbase_url = "{media.url}"\nsend_seed = true\n'
                     'api_key_env = ""\nretries = 0\n\n[images]\nexpressions = []\nreference_size = 64\n')
        api.build(root)
        shot = next(s for s in api.board(root, 1).shots if s.subjects)
        asked = len([r for r in media.requests if "images" in r.path])
        with Served(create_app(root, port=(port := free_port())), port) as url:
            b = browser
            b.get(f"{url}/episodes/1/shots/{shot.id}")
            assert "seed" in b.find_element(By.TAG_NAME, "main").text
            count = b.find_element(By.NAME, "count")
            count.clear()
            count.send_keys("2")
            b.find_element(By.ID, "make-candidates").click()
            _wait(lambda: f"/episodes/1/shots/{shot.id}" in b.current_url and b.find_elements(By.CSS_SELECTOR,
                  ".takes li"), 60, "the candidates, back on the shot page")
            assert len(b.find_elements(By.CSS_SELECTOR, ".takes li img")) == 2
            assert len([r for r in media.requests if "images" in r.path]) == asked + 2
            _wait(lambda: b.execute_script("return Array.from(document.querySelectorAll('.takes img'))"
                                           ".every(i => i.complete && i.naturalWidth)"), what="candidate pictures")
            shoot(b, DOCS_IMG / "studio-candidates.png")
            pick = b.find_elements(By.CSS_SELECTOR, "button.pick")[1]
            seed = int(pick.get_attribute("data-seed"))
            pick.click()
            _wait(lambda: b.find_elements(By.CSS_SELECTOR, ".takes li.current"), 10, "the pick")
            assert str(seed) in b.find_element(By.CSS_SELECTOR, ".takes li.current").text
            assert b.find_elements(By.ID, "revert")
        takes = api.takes(root, 1, shot.id)
        assert takes.seed == seed and len(takes.candidates) == 2 and takes.history
        asked = len([r for r in media.requests if "images" in r.path])
        report = api.build(root)  # the rebuild reproduces the pick from the cache: no new picture is asked for
        assert len([r for r in media.requests if "images" in r.path]) == asked
        assert report.work.get("render", 0) >= 1
        timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
        assert next(ts for ts in timeline.shots if ts.shot.id == shot.id).media.still.seed == seed
        previous = takes.history[-1]
        assert api.revert(root, 1, shot.id) == previous and api.takes(root, 1, shot.id).seed == previous


def test_screenshots_are_small_and_show_the_pages():
    from PIL import Image

    shots = sorted(DOCS_IMG.glob("studio-*.png"))
    if os.environ.get("REELWRIGHT_REQUIRE_BROWSER") != "1" and not shots:
        pytest.skip("no screenshots yet (the browser tests make them)")
    assert {p.name for p in shots} >= {"studio-season.png", "studio-episode.png", "studio-shot.png",
                                       "studio-bible.png", "studio-builds.png", "studio-candidates.png"}
    for p in shots:
        assert p.stat().st_size < 400_000, p
        with Image.open(p) as im:
            assert im.width <= 960 and len(im.convert("L").getcolors(256) or []) > 8  # a page, not a blank frame
