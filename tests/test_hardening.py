"""Hardening: bad input answered plainly (exit 2, file and line, nothing written, no traceback), names that never
become paths, keys that stay with their host, only regular files read, workers that die with their build,
temp files of dead builds cleaned, deterministic voices, a lock with project-relative paths."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from reelwright import fsutil
from reelwright.project.cache import Cache
from reelwright.cli import main
from reelwright.documents.base import load_document, parse_yaml, save_document
from reelwright.documents.lock import Lock, LockEntry
from reelwright.errors import ConfigError, InputError, ProviderError
from reelwright.fsutil import StorageError, atomic_write_text, clean_orphans, safe_name
from reelwright.project.ledger import Ledger
from reelwright.project.folder import Project
from reelwright.providers.registry import get_provider
from reelwright.project.settings import Settings
from tests.helpers import TWO_SCENE_SCRIPT, edit_yaml, with_board, write_tiny_project
from tests.media_server import MediaServer, Reply, error

SRC = Path(__file__).resolve().parents[1] / "src"


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (links not followed) → hash of its bytes, or what it is."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out[rel] = "link:" + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = "special"
    return out


def bad_build(root: Path, capsys, *where: str) -> str:
    """``reelwright build`` on a broken project: exit 2, one located message, nothing written."""
    before = snapshot(root)
    code = main(["build", str(root), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("error: "), err
    for w in where:
        assert w in err, (w, err)
    assert snapshot(root) == before, "a failed build wrote or changed files"
    return err


# ---- the 11 tracebacks and the inputs accepted in silence, at the CLI ------------------------------------------

def _script(text: str, name: str = "ep001.fountain"):
    def setup(root: Path) -> None:
        for p in (root / "scripts").iterdir():
            p.unlink()
        (root / "scripts" / name).write_text(text, encoding="utf-8")
    return setup


SCRIPT_CASES = {
    "empty script": (_script(""), "ep001.fountain:1", "no dialogue"),
    "whitespace-only script": (_script("  \n\n\t \n"), "ep001.fountain:1", "no dialogue"),
    "title-only script": (_script("Title: Nothing Here\n"), "ep001.fountain:1", "no dialogue"),
    "empty 第1集": (_script("第1集\n", "ep001.txt"), "ep001.txt:1", "no dialogue"),
    "NUL inside a line": (_script(TWO_SCENE_SCRIPT.replace("never come", "never\x00 come")), "ep001.fountain:9",
                          "U+0000"),
    "NUL in a character name": (_script(TWO_SCENE_SCRIPT.replace("\nLEO\n", "\nL\x00EO\n")), "ep001.fountain:",
                                "U+0000"),
    "300-character name": (_script(TWO_SCENE_SCRIPT.replace("\nLEO\n", "\n" + "L" * 300 + "\n")),
                           "ep001.fountain:15", "limit is 64"),
    "400-digit episode": (_script(TWO_SCENE_SCRIPT.replace("Episode: 1", "Episode: " + "9" * 400)),
                          "ep001.fountain:", "out of range"),
    "unclosed 【字幕": (_script("第1集\n1-1 日 内 客厅\n人物：林晚\n【字幕：三年后\n林晚：你好。\n", "ep001.txt"),
                      "ep001.txt:4", "【 is not closed"),
    "unclosed （情绪": (_script("第1集\n1-1 日 内 客厅\n人物：林晚\n林晚：（低声他说过…\n", "ep001.txt"),
                     "ep001.txt:4", "（ is not closed"),
    "line over the limit": (_script(TWO_SCENE_SCRIPT.replace("never come back.", "na " * 3000)),
                            "ep001.fountain:9", "limit is 5000"),
}


@pytest.mark.parametrize("case", list(SCRIPT_CASES))
def test_bad_scripts_exit_2_located_nothing_written(tmp_path, capsys, case):
    setup, *where = SCRIPT_CASES[case]
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    setup(root)
    bad_build(root, capsys, *where)


def _toml(extra: str):
    def setup(root: Path) -> None:
        with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
            fh.write(extra)
    return setup


def _fps_true(root: Path) -> None:
    p = root / "reelwright.toml"
    p.write_text(p.read_text(encoding="utf-8").replace("fps = 15", "fps = true"), encoding="utf-8")


def _bible(text: str):
    def setup(root: Path) -> None:
        (root / "bible.yaml").write_text(text, encoding="utf-8")
    return setup


SETTINGS_CASES = {
    "fps = true": (_fps_true, "reelwright.toml:9", "video.fps"),
    "asl_min > asl_max": (_toml("\n[board]\nasl_min = 5.0\nasl_max = 2.0\n"), "reelwright.toml:",
                          "asl_min = 5 is greater than asl_max = 2"),
    "close_up_min > close_up_max": (_toml("\n[board]\nclose_up_min = 0.9\nclose_up_max = 0.5\n"),
                                    "reelwright.toml:", "close_up_min = 0.9 is greater"),
    "episode min > max": (_toml("\n[targets]\nepisode_min_seconds = 200\nepisode_max_seconds = 100\n"),
                          "reelwright.toml:", "episode_min_seconds = 200 is greater"),
    "negative minimum": (_toml("\n[targets]\nepisode_min_seconds = -5\n"), "reelwright.toml:",
                         "greater than or equal to 0"),
    "5000 nested [ in bible.yaml": (_bible("characters: " + "[" * 5000 + "\n"), "bible.yaml:1",
                                    "nested deeper than 64"),
    "duplicate YAML key": (_bible("title: A\ntitle: B\n"), "bible.yaml:2", "'title' is given twice"),
    "duplicate character": (_bible("characters:\n- name: MAYA\n  look: {seed: MAYA}\n- name: MAYA\n"
                                   "  look: {seed: M2}\n"), "bible.yaml:4",
                            "'MAYA' is defined twice"),
    "music that is not audio": (lambda root: ((root / "bad.wav").write_bytes(os.urandom(4000)),
                                              _toml('\n[sound]\nsting_file = "bad.wav"\n')(root)),
                                "reelwright.toml:", "not audio"),
    "music outside the project": (_toml('\n[sound]\nsting_file = "../x.wav"\n'), "reelwright.toml:",
                                  "inside the project"),
}


@pytest.mark.parametrize("case", list(SETTINGS_CASES))
def test_bad_settings_and_bible_exit_2(tmp_path, capsys, case):
    setup, *where = SETTINGS_CASES[case]
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    setup(root)
    bad_build(root, capsys, *where)


def _shots(fn):
    def edit(data):
        fn(data["shots"])
    return edit


BOARD_CASES = {
    "a shot renamed to another's id": (_shots(lambda s: s[1].update(id=s[0]["id"])), "ids must be unique"),
    "unknown subject": (_shots(lambda s: s[0].update(subjects=["NOBODY"])), "unknown character 'NOBODY'"),
    "line: 99": (_shots(lambda s: s[0].update(line=99)), "line 99 does not exist"),
    "expression for nobody": (_shots(lambda s: s[0]["expressions"].update(NOBODY="sad")),
                              "expressions names unknown character 'NOBODY'"),
    "scene: 42": (_shots(lambda s: s[0].update(scene=42)), "scene 42 does not exist"),
    "shots: []": (lambda d: d.update(shots=[]), "no shots"),
    "frames: 100000000": (_shots(lambda s: s[0].update(frames=100_000_000)), "over the limit of 9000"),
    "music that is a text file": (lambda d: d["scenes"][0].update(music="notes.txt"), "not an audio file"),
}


@pytest.mark.parametrize("case", list(BOARD_CASES))
def test_bad_boards_exit_2_and_are_not_rewritten(tmp_path, capsys, case):
    edit, message = BOARD_CASES[case]
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    (root / "notes.txt").write_text("not music\n", encoding="utf-8")
    board = with_board(root)
    edit_yaml(board, edit)
    err = bad_build(root, capsys, "boards/ep001.yaml:", message)
    assert err.count("error: ") == 1


def test_duplicate_key_in_a_board_is_located(tmp_path, capsys):
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    board = with_board(root)
    lines = board.read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.strip().startswith("angle:"))
    lines.insert(at + 1, lines[at])
    board.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad_build(root, capsys, f"boards/ep001.yaml:{at + 2}", "'angle' is given twice")


@pytest.mark.slow
def test_no_traceback_in_a_real_process(tmp_path):
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    (root / "bible.yaml").write_text("characters: " + "[" * 5000 + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    r = subprocess.run([sys.executable, "-m", "reelwright", "build", str(root)], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "bible.yaml:1" in r.stderr, r.stderr


def test_warnings_for_long_lines_and_text_the_font_cannot_draw(tmp_path):
    from reelwright.project.validation import script_problems
    from reelwright.screenplay import parse_text

    long_line = "word " * 100
    text = TWO_SCENE_SCRIPT.replace("She will come.", long_line).replace(
        "He said he would never come back.", "مرحبا بك")
    errors, warnings = script_problems(parse_text(text, "ep.fountain"), "ep.fountain")
    assert not errors
    found = [str(w) for w in warnings]
    assert any(w.startswith("ep.fountain:15:") and "499 characters" in w and "over 400" in w for w in found), found
    assert any(w.startswith("ep.fountain:8:") and ("cannot draw" in w or "right-to-left" in w) for w in found), found
    assert script_problems(parse_text(TWO_SCENE_SCRIPT, "ep.fountain"), "ep.fountain") == ([], [])


def test_yaml_limits_unit():
    with pytest.raises(ConfigError, match="nested deeper"):
        parse_yaml("a: " + "[" * 200, "x.yaml")
    with pytest.raises(ConfigError, match="given twice"):
        parse_yaml("a:\n  b: 1\n  b: 2\n", "x.yaml")
    assert parse_yaml("a: &x [1]\nb: *x\n", "x.yaml")[0] == {"a": [1], "b": [1]}


# ---- only regular files ----------------------------------------------------------------------------------------

def test_fifo_device_and_outside_links_are_refused_inside_link_is_fine(tmp_path, capsys):
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    os.mkfifo(root / "scripts" / "ep002.fountain")
    (root / "scripts" / "ep003.fountain").symlink_to("/dev/zero")
    outside = tmp_path / "elsewhere.fountain"
    outside.write_text(TWO_SCENE_SCRIPT.replace("Episode: 1", "Episode: 4"), encoding="utf-8")
    (root / "scripts" / "ep004.fountain").symlink_to(outside)
    t0 = time.monotonic()
    err = bad_build(root, capsys, "ep002.fountain: file is a FIFO", "ep003.fountain: file is a device",
                    "ep004.fountain: file leads outside the project")
    assert time.monotonic() - t0 < 30 and err.count("\n") >= 3  # nothing hung, every problem reported
    for name in ("ep002.fountain", "ep003.fountain", "ep004.fountain"):
        (root / "scripts" / name).unlink()
    (root / "drafts").mkdir()
    (root / "drafts" / "five.fountain").write_text(TWO_SCENE_SCRIPT.replace("Episode: 1", "Episode: 5"),
                                                   encoding="utf-8")
    (root / "scripts" / "ep005.fountain").symlink_to(root / "drafts" / "five.fountain")
    assert sorted(Project.load(root).episodes) == [1, 5]


def test_read_user_bytes_never_blocks_or_reads_forever(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        fsutil.read_user_bytes(fifo, 1000)
    with pytest.raises(InputError, match="device"):
        fsutil.read_user_bytes("/dev/zero", 1000)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(InputError, match="limit of 1000|the limit is 1000"):
        fsutil.read_user_bytes(big, 1000)


# ---- files: atomic, readable by colleagues, plain errors on a full disk -------------------------------------------

def test_atomic_write_gives_umask_permissions_and_keeps_a_users_mode(tmp_path):
    old = os.umask(0o022)
    try:
        new = atomic_write_text(tmp_path / "a" / "new.txt", "hi")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        mine = tmp_path / "mine.yaml"
        mine.write_text("x", encoding="utf-8")
        os.chmod(mine, 0o640)
        atomic_write_text(mine, "y")
        assert stat.S_IMODE(mine.stat().st_mode) == 0o640 and mine.read_text() == "y"
    finally:
        os.umask(old)
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_disk_full_is_one_plain_error_naming_the_path(tmp_path, capsys, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(fsutil.os, "fsync", full)
        with pytest.raises(StorageError, match=r"cannot write .*x\.txt: the disk is full") as e:
            atomic_write_text(tmp_path / "x.txt", "data")
        assert e.value.path.endswith("x.txt")
        assert not list(tmp_path.iterdir())  # no temp file left behind
        code = main(["new", str(tmp_path / "show")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "reelwright.toml: the disk is full" in err, err
    # a build on a read-only filesystem: one plain message naming the file it could not place
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)

    def read_only(src, dst):
        raise OSError(errno.EROFS, "Read-only file system")

    with monkeypatch.context() as m:
        m.setattr(fsutil.os, "replace", read_only)
        code = main(["build", str(root), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "read-only" in err and "bible.yaml" in err, err


@pytest.fixture
def small_disk(tmp_path):
    """A real 1.5 MB tmpfs (needs root; skipped where it cannot be mounted)."""
    where = tmp_path / "disk"
    where.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(where)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode(errors='replace').strip()}); the injected ENOSPC "
                    "test covers the same path")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.mark.slow
def test_a_build_that_fills_a_real_disk_says_so_plainly(small_disk, capsys):
    root = write_tiny_project(small_disk / "proj", TWO_SCENE_SCRIPT)
    code = main(["build", str(root), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: cannot write {root}") and "the disk is full" in err and "ENOSPC" in err, err
    assert not [p for p in root.rglob("*.tmp")]  # the failed write took its temp file with it
    if (root / "build" / "ep001.mp4").exists():  # whatever is there under a final name is whole
        from reelwright.media.video import probe
        probe(root / "build" / "ep001.mp4")


def test_storage_error_crosses_processes():
    import pickle

    e = StorageError.from_os("/x/y", OSError(errno.ENOSPC, "full"))
    back = pickle.loads(pickle.dumps(e))
    assert str(back) == str(e) and back.path == "/x/y" and back.errno == errno.ENOSPC


def test_orphaned_temp_files_of_dead_builds_go_live_ones_stay(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        build = tmp_path / "build"
        (build / "cache" / "shot" / "ab").mkdir(parents=True)
        orphan = build / f".ep001.mp4.{dead.pid}.tmp"
        orphan2 = build / "cache" / "shot" / "ab" / f".abc.mp4.{dead.pid}.140.3.tmp"
        other = build / f".ep002.mp4.{live.pid}.tmp"
        mine = build / f".ep003.mp4.{os.getpid()}.7.tmp"
        for p in (orphan, orphan2, other, mine):
            p.write_bytes(b"partial")
        assert clean_orphans(build) == 2
        assert not orphan.exists() and not orphan2.exists() and other.exists() and mine.exists()
    finally:
        live.kill()
        live.wait()


# ---- names are data, never paths -------------------------------------------------------------------------------

def test_safe_name_is_stable_distinct_and_never_a_path():
    names = ["A:B", "A B", "A*B", "a:b", "../../../etc/passwd", "..", ".", "/", "", "林晚", "x" * 500, "a/b\\c\x00"]
    out = [safe_name(n) for n in names]
    assert len(set(out)) == len(out)
    assert out == [safe_name(n) for n in names]  # stable
    for s in out:
        assert "/" not in s and "\\" not in s and "\x00" not in s and s not in (".", "..", "")
        assert not s.startswith(".") and len(s) <= 49
    assert safe_name("MAYA").startswith("MAYA-") and safe_name("林晚").startswith("林晚-")


PATH_SCRIPT = """Title: Names
Episode: 1

INT. KITCHEN - NIGHT

@../../../outside/X
Where am I written?

@{deep}
And me?
"""


@pytest.mark.slow
def test_names_that_look_like_paths_write_nothing_outside_the_project(tmp_path, monkeypatch):
    from reelwright.build.pipeline import build
    from reelwright.stages.images import refs_dir

    target = Path("/tmp") / f"rw-{os.urandom(4).hex()}"  # where the deep name would land: /tmp/rw-…/X
    deep = "../" * 12 + str(target / "X").lstrip("/")
    monkeypatch.setenv("IMG_KEY", "sk-test-names-1234")
    with MediaServer() as server:
        root = write_tiny_project(tmp_path / "proj", PATH_SCRIPT.format(deep=deep))
        with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
            fh.write(f'\n[providers]\nimage = "openai"\nspeech = "openai"\n\n'
                     f'[providers.options."image:openai"]\nbase_url = "{server.url}"\napi_key_env = "IMG_KEY"\n\n'
                     f'[providers.options."speech:openai"]\nbase_url = "{server.url}"\napi_key_env = ""\n\n'
                     '[images]\nexpressions = []\nreference_size = 64\n')
        before = {p for p in tmp_path.rglob("*") if root not in p.parents and p != root}
        build(Project.load(root), quiet=True)
    after = {p for p in tmp_path.rglob("*") if root not in p.parents and p != root}
    assert after == before, sorted(map(str, after - before))
    assert not (tmp_path / "outside").exists() and not target.exists()
    sheets = sorted(p.relative_to(root / "build" / "refs").as_posix() for p in (root / "build" / "refs").rglob("*.png"))
    assert sheets == sorted(f"{refs_dir(root, n).name}/{v}.png" for n in ("../../../outside/X", deep)
                            for v in ("front", "full"))
    assert all(refs_dir(root, n).parent == root / "build" / "refs" for n in ("../../../outside/X", deep))


# ---- keys stay with their host ---------------------------------------------------------------------------------

KEY = "sk-live-SECRET-0123456789abcdef"


def images(url: str, **options):
    return get_provider("image:openai", {"base_url": url, "api_key_env": "IMG_KEY", "retries": 0, "timeout": 5.0,
                                         **options})


def shot_request():
    from reelwright.providers.base import ImageRequest

    return ImageRequest(purpose="shot", prompt="a kitchen at night", width=64, height=64, seed=1)


def test_a_redirect_to_another_host_does_not_carry_the_key(monkeypatch):
    monkeypatch.setenv("IMG_KEY", KEY)
    with MediaServer() as other:
        def redirect(seen):
            return Reply({}, status=302, headers={"Location": other.url + "/images/generations"})

        with MediaServer(fail=redirect) as first:
            try:  # the other host may answer the GET it was sent to with anything: only its headers matter
                images(first.url).generate(shot_request(), key="k")
            except ProviderError:
                pass
            assert first.requests and first.requests[0].headers.get("Authorization") == f"Bearer {KEY}"
        assert other.requests, "the redirect was not followed at all"
        for seen in other.requests:
            assert "Authorization" not in seen.headers and KEY not in json.dumps(seen.headers)


def test_a_server_echoing_the_key_gets_it_redacted_everywhere(tmp_path, monkeypatch, capsys, caplog):
    monkeypatch.setenv("IMG_KEY", KEY)
    for status in (401, 500, 400):
        with MediaServer(fail=lambda seen, s=status: error(f"bad request, you sent {json.dumps(seen.headers)}",
                                                            s)) as server:
            with pytest.raises(ProviderError) as e:
                images(server.url).generate(shot_request(), key="k")
        text = str(e.value) + repr(e.value.args) + str(getattr(e.value, "detail", "")) + \
            str(getattr(e.value, "body", b""))
        assert KEY not in text and "[redacted]" in text, text
    # the ledger stores the redacted error
    ledger = Ledger(tmp_path / "ledger.jsonl", Settings())
    with pytest.raises(ProviderError):
        with ledger.call("image:openai", "ep001/s01", "k"):
            raise ProviderError(f"server said: Authorization: Bearer {KEY}")
    stored = (tmp_path / "ledger.jsonl").read_text(encoding="utf-8")
    assert KEY not in stored and "[redacted]" in stored
    # and the CLI's one message
    from reelwright import redact

    assert KEY not in redact.redact(f"x {KEY} y")


def test_one_options_base_says_which_options_are_transport_only(tmp_path):
    from reelwright.providers.http import HttpOptions

    (tmp_path / "w.json").write_text((Path(__file__).parent / "data").joinpath("comfyui", "still.json").read_text()
                                     if (Path(__file__).parent / "data" / "comfyui" / "still.json").is_file()
                                     else "{}", encoding="utf-8")
    for spec in ("image:openai", "speech:openai", "text:openai"):
        a = get_provider(spec, {"base_url": "http://a:1/v1", "timeout": 3.0, "retries": 1, "api_key_env": "A"})
        b = get_provider(spec, {"base_url": "http://b:2/v1", "timeout": 9.0, "retries": 5, "api_key_env": "B",
                                "concurrency": 7})
        assert a.identity() == b.identity(), spec
        assert isinstance(a.options, HttpOptions) and "base_url" in type(a.options).TRANSPORT
        assert not set(a.identity()["options"]) & type(a.options).TRANSPORT


# ---- one writer's lock file: paths relative to the project -------------------------------------------------------

def test_lock_paths_are_relative_and_old_absolute_locks_upgrade(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    cache = Cache(root / "build" / "cache", root / "reelwright.lock")
    out = cache.path("mix", "ab" * 32, ".wav")
    cache.record("ep001/mix", "mix", "ab" * 32, [str(out)])
    cache.save_lock()
    saved = yaml.safe_load((root / "reelwright.lock").read_text(encoding="utf-8"))
    assert saved["artifacts"]["ep001/mix"]["outputs"] == [f"build/cache/mix/ab/{'ab' * 32}.wav"]
    assert cache.output_path(saved["artifacts"]["ep001/mix"]["outputs"][0]) == out
    old = Lock(artifacts={"ep001/mix": LockEntry(stage="mix", key="k", outputs=[str(out.resolve()), "/elsewhere/x"])})
    save_document(old, root / "reelwright.lock")
    again = Cache(root / "build" / "cache", root / "reelwright.lock")
    assert again.lock.artifacts["ep001/mix"].outputs == [f"build/cache/mix/ab/{'ab' * 32}.wav", "/elsewhere/x"]
    assert load_document(root / "reelwright.lock", Lock).schema_version == 1


# ---- deterministic voices ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_two_clean_voicings_are_identical():
    import numpy as np

    from reelwright.providers import speech_piper
    from reelwright.providers.speech_piper import PiperSpeech

    text = "He said he would never come back. And I believed him."
    first = PiperSpeech().synthesize(text, language="en", pitch=1.5, rate=1.05).samples
    speech_piper._VOICES.clear()  # a fresh session, as a second build's process would have
    second = PiperSpeech().synthesize(text, language="en", pitch=1.5, rate=1.05).samples
    other = PiperSpeech().synthesize(text.replace("him", "her"), language="en", pitch=1.5, rate=1.05).samples
    assert np.array_equal(first, second)
    assert np.abs(first).max() > 0.05 and not (len(other) == len(first) and np.array_equal(other, first))


# ---- workers die with their build --------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d.name))
    return out


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux) to find the workers")
def test_a_killed_build_leaves_no_worker_rendering(tmp_path):
    lines = "\n".join(f"{'MAYA' if i % 2 else 'LEO'}\nLine number {i} of a long scene, said slowly.\n"
                      for i in range(16))
    root = write_tiny_project(tmp_path / "proj", f"Title: T\nEpisode: 1\n\nINT. KITCHEN - NIGHT\n\n{lines}")
    p = root / "reelwright.toml"
    p.write_text(p.read_text().replace("workers = 1", "workers = 2"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    build = subprocess.Popen([sys.executable, "-m", "reelwright", "build", str(root), "--quiet"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and build.poll() is None:
            workers = [c for c in _children(build.pid) if "spawn_main" in _cmdline(c)
                       and "resource_tracker" not in _cmdline(c)]
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the build never started its 2 render workers"
        build.send_signal(signal.SIGKILL)
        build.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() and "spawn_main" in _cmdline(w)
                                                  for w in workers):
            time.sleep(0.1)
        alive = [w for w in workers if Path(f"/proc/{w}").exists() and "spawn_main" in _cmdline(w)]
        assert not alive, f"workers {alive} survived their build"
    finally:
        if build.poll() is None:
            build.kill()
        for w in workers:
            try:
                os.kill(w, signal.SIGKILL)
            except ProcessLookupError:
                pass


# ---- a glyph the subtitle font lacks is a failure, files come out readable ----------------------------------------

@pytest.mark.slow
def test_emoji_is_warned_fails_the_self_check_and_outputs_are_readable(tmp_path, capsys):
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT.replace("She will come.", "She will come 🙂."))
    board = with_board(root)
    os.chmod(board, 0o644)
    old = os.umask(0o022)
    try:
        code = main(["build", str(root), "--quiet"])
    finally:
        os.umask(old)
    err = capsys.readouterr().err
    assert "warning: " in err and "ep001.fountain:15:" in err and "U+1F642" in err, err
    assert code == 1 and "self-check failed for ep001" in err and "Traceback" not in err, err
    assert main(["check", str(root)]) == 1
    report = capsys.readouterr().out
    assert "FAIL" in report and "subtitle glyphs" in report and "U+1F642" in report, report
    for rel in ("build/ep001.mp4", "build/ep001.srt", "build/ep001.timeline.json", "build/ep001.me.wav",
                "boards/ep001.yaml", "bible.yaml", "reelwright.lock"):
        assert stat.S_IMODE((root / rel).stat().st_mode) == 0o644, rel
