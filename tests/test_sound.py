"""Music beds, stings, ambience and the ducking of music under speech; the M&E stem of a build."""

from __future__ import annotations

import numpy as np
import pytest

from reelwright.media import music
from reelwright.media.audio import Audio, loudness, read_wav, write_wav

RATE = 48000


def _rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x.astype(np.float64)))) + 1e-12))


def _centroid(x: np.ndarray) -> float:
    mono = x.mean(axis=1)
    spec = np.abs(np.fft.rfft(mono[: 8 * RATE]))
    freqs = np.fft.rfftfreq(min(len(mono), 8 * RATE), 1 / RATE)
    return float((spec * freqs).sum() / spec.sum())


@pytest.mark.slow
def test_beds_are_deterministic_per_mood_and_at_reference_loudness():
    beds = {mood: music.bed(mood, 8 * RATE, RATE, seed=5) for mood in music.MOODS}
    for mood, x in beds.items():
        assert x.shape == (8 * RATE, 2) and x.dtype == np.float32
        assert abs(loudness(x, RATE) - music.BED_LUFS) < 0.2, mood
        assert np.array_equal(x, music.bed(mood, 8 * RATE, RATE, seed=5))
    # each mood sounds its own: the spectra differ
    centroids = {m: _centroid(x) for m, x in beds.items()}
    values = sorted(centroids.values())
    assert min(b - a for a, b in zip(values, values[1:])) > 5, centroids
    assert not np.array_equal(beds["tense"], music.bed("tense", 8 * RATE, RATE, seed=6))
    # the angry bed has drums: its short-term level swings more than the calm pad's
    def swing(x):
        hop = RATE // 20
        e = [_rms_db(x[i:i + hop]) for i in range(RATE, len(x) - hop, hop)]
        return np.percentile(e, 95) - np.percentile(e, 10)
    assert swing(beds["angry"]) > swing(beds["calm"])


def test_stings_hit_hard_and_the_cliffhanger_rings():
    hit = music.sting("hit", RATE, 1)
    cliff = music.sting("cliffhanger", RATE, 1)
    assert abs(loudness(hit, RATE) - music.STING_LUFS) < 0.2
    assert len(cliff) > len(hit)
    onset = int(np.argmax(np.abs(hit).max(axis=1)))
    assert onset < 0.15 * RATE  # the hit is at the front
    # dun — dun — DUNN: three onsets in the first second of the cliffhanger
    env = np.array([_rms_db(cliff[i:i + 480]) for i in range(0, RATE, 480)])
    rises = np.flatnonzero(np.diff(env) > 8)
    groups = [r for i, r in enumerate(rises) if i == 0 or r - rises[i - 1] > 5]
    assert env[0] > env.max() - 20 and len(groups) >= 2, (env[0], groups)  # dun at 0, then two more
    for kind in ("room", "street", "rain"):
        amb = music.ambience(kind, 2 * RATE, RATE, 3)
        assert abs(loudness(amb, RATE) - music.BED_LUFS) < 0.2
    assert not music.ambience("none", RATE, RATE).any()


def test_duck_gain_is_down_at_least_8_db_under_speech():
    spans = [(RATE, 2 * RATE), (3 * RATE, int(3.5 * RATE))]
    g = music.duck_gain(5 * RATE, spans, RATE, 12.0)
    db = 20 * np.log10(g)
    for a, b in spans:
        assert db[a:b].max() <= -8.0 and db[a:b].max() <= -11.9
    assert db[: int(0.8 * RATE)].min() > -0.1  # far from speech: no duck
    assert db[int(4.5 * RATE):].min() > -0.1
    assert db[int(0.93 * RATE)] < -1.0  # the look-ahead ramp starts before the first word


@pytest.mark.slow
def test_music_stem_ducks_under_speech():
    total = 12 * RATE
    speech = [(2 * RATE, 4 * RATE), (6 * RATE, int(8.5 * RATE))]
    beds = [music.BedCue(0, total, "tense", "room", None, 3)]
    stem = music.music_stem(total, RATE, beds, [], speech, dialogue_lufs=-20.0, duck_db=12.0)
    inside = np.concatenate([stem[a + RATE // 10:b - RATE // 10] for a, b in speech])
    outside = np.concatenate([stem[int(0.5 * RATE):int(1.5 * RATE)], stem[int(4.8 * RATE):int(5.5 * RATE)],
                              stem[int(9.3 * RATE):int(11 * RATE)]])
    assert _rms_db(outside) - _rms_db(inside) >= 8.0
    # the bed sits music_db under the dialogue between lines
    assert abs(loudness(stem[int(9.3 * RATE):int(11.3 * RATE)], RATE) - (-20.0 - 9.0)) < 3.0
    # a cliffhanger sting stops the bed dead; the sting itself plays on
    hits = [music.StingHit(10 * RATE, "cliffhanger", None, 1)]
    cut = music.music_stem(total, RATE, beds, hits, speech, dialogue_lufs=-20.0, use_ambience=False)
    plain = music.music_stem(total, RATE, beds, [], speech, dialogue_lufs=-20.0, use_ambience=False)
    assert _rms_db(plain[int(10 * RATE) - 4800:10 * RATE - 1200]) > -60
    tail = cut[10 * RATE:] - 0
    assert _rms_db(tail) > -40  # the sting
    assert np.allclose(cut[:int(9.9 * RATE)], plain[:int(9.9 * RATE)], atol=1e-6)


def test_user_music_file_replaces_the_synthesised_bed(tmp_path):
    t = np.arange(3 * RATE) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = write_wav(tmp_path / "theme.wav", Audio(np.stack([tone, tone], axis=1), RATE))
    loaded = music.load_music(path, RATE)
    assert loaded.shape == (3 * RATE, 2)
    beds = [music.BedCue(0, 8 * RATE, "sad", "none", str(path), 1)]
    stem = music.music_stem(8 * RATE, RATE, beds, [], [], dialogue_lufs=-20.0)
    spec = np.abs(np.fft.rfft(stem[RATE:7 * RATE, 0]))
    freqs = np.fft.rfftfreq(6 * RATE, 1 / RATE)
    assert abs(freqs[np.argmax(spec)] - 440) < 2  # looped past its 3 s, at 440 Hz


SCRIPT = """INT. OFFICE - NIGHT

ANN
(angry)
You sold the company behind my back!

BOB
I did what I had to do, and I would do it again.

ANN
Then we are finished.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from reelwright.build.pipeline import build
    from reelwright.project.folder import Project
    from tests.helpers import TINY_TOML

    root = tmp_path_factory.mktemp("sound") / "proj"
    (root / "scripts").mkdir(parents=True)
    (root / "music").mkdir()
    t = np.arange(4 * RATE) / RATE
    tone = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    write_wav(root / "music" / "theme.wav", Audio(np.stack([tone, tone], axis=1), RATE))
    moods = ", ".join(f'{m} = "music/theme.wav"' for m in music.MOODS)
    (root / "reelwright.toml").write_text(TINY_TOML.format(lang="en") + f"\n[sound]\nmoods = {{ {moods} }}\n",
                                          encoding="utf-8")
    (root / "scripts" / "ep001.fountain").write_text(SCRIPT, encoding="utf-8")
    report = build(Project.load(root), quiet=True)
    return root, report


@pytest.mark.slow
def test_build_writes_a_dialogue_free_me_stem_ducked_under_speech(built):
    import yaml

    from reelwright.check.report import _ducking_db
    from reelwright.documents.base import load_document
    from reelwright.documents.timeline import Timeline

    root, report = built
    me_path = root / "build" / "ep001.me.wav"
    assert me_path.is_file() and report.outputs[1]["me"] == str(me_path)
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    me = read_wav(me_path)
    assert me.sample_rate == 48000 and me.samples.shape[1] == 2
    assert len(me.samples) == round(timeline.frames * 48000 / timeline.fps)
    assert timeline.music and timeline.music[0].file == "music/theme.wav"
    assert [s.kind for s in timeline.stings][-1] == "cliffhanger"
    # the user's theme is in the stem
    seg = me.samples[: 2 * RATE, 0]
    spec = np.abs(np.fft.rfft(seg))
    freqs = np.fft.rfftfreq(len(seg), 1 / RATE)
    assert abs(freqs[np.argmax(spec[freqs > 100]) + np.count_nonzero(freqs <= 100)] - 330) < 3
    # ducked at least 8 dB under the lines
    duck = _ducking_db(me.samples.astype(np.float64), RATE, timeline)
    assert duck is not None and duck >= 8.0, duck
    # the mix is the dialogue plus exactly this stem: between the lines the two are the same sound
    lock = yaml.safe_load((root / "reelwright.lock").read_text(encoding="utf-8"))
    mix = read_wav(root / lock["artifacts"]["ep001/mix"]["outputs"][0]).samples  # relative to the project
    dialogue = mix - me.samples
    busy = np.zeros(len(mix), bool)
    for c in timeline.audio:
        busy[max(c.start - RATE // 10, 0):c.start + c.samples + RATE // 10] = True
    assert _rms_db(dialogue[~busy]) < _rms_db(me.samples[~busy]) - 20
    assert _rms_db(dialogue[busy]) > _rms_db(me.samples[busy]) + 6
    assert report.checks and report.checks[0].ok, report.checks


def test_sound_switches_and_missing_files(tiny_project):
    from reelwright.build.pipeline import build
    from reelwright.errors import InputError
    from reelwright.project.folder import Project

    root = tiny_project(SCRIPT)
    toml = root / "reelwright.toml"
    toml.write_text(toml.read_text() + '\n[sound]\nmoods = { angry = "music/nope.wav", tense = "music/nope.wav", '
                    'calm = "music/nope.wav", sad = "music/nope.wav", warm = "music/nope.wav", '
                    'mystery = "music/nope.wav" }\n')
    with pytest.raises(InputError, match="music/nope.wav"):
        build(Project.load(root), quiet=True)
