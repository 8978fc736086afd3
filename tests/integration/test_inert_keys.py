"""Schedule keys that would do nothing are errors, never silently ignored (issue 8, point 9).

The broken configs tests/configs/broken/inert_*.yaml hold one inert key each (their
"# expect:" line is checked by test_broken_configs.py). Here, for each of them:
- the file:line:col of the message points at the key itself in the file,
- the same file without that key is valid (the entry was rejected for that key only),
- the suite covers every case the issue names (uv route, source, depth_um, penetration_um,
  open_hours; count, every_days, hour with from_age; season keys on each level input;
  exosome spectrum; hour windows on instantaneous courses).
Further: an inert key given by --set; season keys act on a dose input (uv: same yearly
total, different months) and on every timing form they are accepted for; resolved.yaml of
a run with a schedule is itself a valid config (it reproduces the run).

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR (as the other integration tests).
"""

import os
import pathlib
import re
import subprocess

import h5py
import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(
    os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2]
)
BROKEN_DIR = SOURCE_DIR / "tests" / "configs" / "broken"
INERT_FILES = sorted(BROKEN_DIR.glob("inert_*.yaml"))
MESSAGE = re.compile(
    r"^dermsim: (?P<file>.+?):(?P<line>\d+):(?P<col>\d+): schedule entry '(?P<entry>\w+)': "
    r"key 'schedule\.(?P=entry)\.(?P<key>\w+)' does nothing for input (?P<input>\w+): (?P<why>.+); "
    r"expected it removed$"
)
LEVEL_INPUTS = ("smoking", "pollution", "glucose", "sunscreen")
# a block small enough that a one-year run takes about a second
TINY = """\
run: {seed: 3, age_start_years: 25, age_end_years: 26}
output: {series_interval_days: 30.4375, write_fields: false, write_agents: false}
domain: {nx: 4, ny: 4, nz: 6, voxel_um: 40}
"""


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN")
    if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def dermsim(*args, timeout=300):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", DERMSIM_REPORT_HTML="0")
    proc = subprocess.run([dermsim_bin(), *map(str, args)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def parse_message(stderr):
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one error line, got:\n{stderr}"
    m = MESSAGE.match(lines[0])
    assert m, f"not an inert-key message (file:line:col, entry, key, input, why): {lines[0]}"
    return m


def key_at(text, line, col):
    """The key written at 1-based line:col of text."""
    row = text.split("\n")[line - 1]
    m = re.match(r"(\w+)\s*:", row[col - 1:])
    return m.group(1) if m else None


def without_key(text, key):
    """text with the entry key `key` removed (block line or flow item)."""
    out = re.sub(rf"(?m)^[ \t]+{key}:[^\n]*\n", "", text)
    return re.sub(rf",\s*{key}:\s*[^,}}\n]+", "", out)


def run_tiny(tmp_path, name, schedule_yaml, *extra):
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(TINY + schedule_yaml)
    out = tmp_path / name
    code, _, stderr = dermsim("run", cfg, "-o", out, "--quiet", "--threads", "1", *extra)
    assert code == 0, stderr
    with h5py.File(out / "run.h5", "r") as f:
        return {k: f[k][()] for k in f if f[k].ndim == 1 and f[k].dtype.kind == "f"}


# ---- the inert broken configs -------------------------------------------------------------


def test_suite_covers_every_case_of_the_issue():
    assert len(INERT_FILES) >= 20, f"only {len(INERT_FILES)} inert_*.yaml in {BROKEN_DIR}"
    cases = set()
    for path in INERT_FILES:
        text = path.read_text()
        m = re.search(r"key 'schedule\\\.(\w+)\\\.(\w+)' does nothing for input (\w+)", text.split("\n")[0])
        assert m, f"{path.name}: the expect line must name the key and the input"
        timing = "period" if re.search(r"\bfrom_age:", text) else "course"
        instant = timing == "course" and not re.search(r"\bduration_days:", text)
        cases.add((m.group(3), m.group(2), "instant" if instant else timing))
    needed = [("uv", k, "period") for k in ("route", "source", "depth_um", "penetration_um", "open_hours")]
    needed += [(None, k, "period") for k in ("count", "every_days", "hour")]
    needed += [(i, None, "period") for i in LEVEL_INPUTS]  # a season key on each level input
    needed += [("exosome", "spectrum", None), (None, "hour_from", "instant"), (None, "hour_to", "instant")]
    for inp, key, timing in needed:
        hit = [c for c in cases if (inp is None or c[0] == inp) and (timing is None or c[2] == timing) and
               (c[1] == key if key else c[1] in ("season_amplitude", "peak_day"))]
        assert hit, f"no inert_*.yaml covers input={inp} key={key or 'season_*'} timing={timing}"


@pytest.mark.parametrize("path", INERT_FILES, ids=[p.stem for p in INERT_FILES])
def test_message_points_at_the_key_and_the_key_alone_is_wrong(path, tmp_path):
    code, stdout, stderr = dermsim("check", path)
    assert code == 2, f"exit {code}: {stderr}"
    assert stdout == ""
    m = parse_message(stderr)
    assert m["file"] == str(path)
    text = path.read_text()
    line, col, key = int(m["line"]), int(m["col"]), m["key"]
    assert key_at(text, line, col) == key, (
        f"{path.name}:{line}:{col} is {text.split(chr(10))[line - 1]!r}, not the key {key!r}")
    assert len(m["why"]) > 10, f"no reason given: {stderr}"
    # without its inert keys the file is valid: nothing else was wrong with it (a file may
    # hold two, e.g. count and every_days on a period: then each is named in turn)
    fixed, removed = tmp_path / path.name, []
    for _ in range(3):
        removed.append(key)
        text = without_key(text, key)
        fixed.write_text(text)
        code, stdout, stderr = dermsim("check", fixed)
        if code == 0:
            break
        m = parse_message(stderr)
        key = m["key"]
        assert key_at(text, int(m["line"]), int(m["col"])) == key, stderr
    assert code == 0, f"without {removed} {path.name} should be valid:\n{stderr}"


def test_count_alone_on_a_period_is_named_as_inert(tmp_path):
    # count without every_days on a from_age period: the message must say that count does
    # nothing for a period (not ask for every_days, which would then be rejected as inert)
    cfg = tmp_path / "count.yaml"
    cfg.write_text("schedule:\n  sun:\n    input: uv\n    dose: 1\n    from_age: 30\n    count: 3\n")
    code, _, stderr = dermsim("check", cfg)
    assert code == 2, stderr
    m = parse_message(stderr)
    assert (m["key"], m["line"], m["col"]) == ("count", "6", "5"), stderr
    assert "at_age" in m["why"], stderr


def test_inert_key_given_by_set_is_rejected(tmp_path):
    cfg = tmp_path / "sun.yaml"
    cfg.write_text("schedule:\n  sun: {input: uv, dose: 1, from_age: 30, to_age: 40}\n")
    assert dermsim("check", cfg)[0] == 0
    for mode in ("check", "run"):
        out = tmp_path / f"out_{mode}"
        args = ["check", cfg] if mode == "check" else ["run", cfg, "-o", out, "--quiet"]
        code, _, stderr = dermsim(*args, "--set", "schedule.sun.route=topical")
        assert code == 2, stderr
        # located at the option that gave the key (it has no place in the file)
        assert len(stderr.splitlines()) == 1 and stderr.startswith(
            "dermsim: --set 'schedule.sun.route=topical': schedule entry 'sun': key 'schedule.sun.route' does nothing "
            "for input uv: it applies to exosome"), stderr
        assert not out.exists()


@pytest.mark.parametrize("inp, dose", [("smoking", 10), ("pollution", 2), ("glucose", 8), ("sunscreen", 30)])
@pytest.mark.parametrize("key, value", [("season_amplitude", 0.5), ("peak_day", 30)])
def test_season_keys_on_level_inputs_are_rejected(tmp_path, inp, dose, key, value):
    cfg = tmp_path / "level.yaml"
    cfg.write_text(f"schedule:\n  lvl: {{input: {inp}, dose: {dose}, from_age: 30, to_age: 40, {key}: {value}}}\n")
    code, _, stderr = dermsim("check", cfg)
    assert code == 2, f"{key} on {inp} was accepted; the code neither honours nor rejects it?\n{stderr}"
    m = parse_message(stderr)
    assert (m["key"], m["input"]) == (key, inp) and "level" in m["why"], stderr


# ---- accepted keys act ---------------------------------------------------------------------


def test_season_acts_on_uv(tmp_path):
    # a season on a uv period: the same dose over the year (yearly mean factor 1), but a
    # winter peak (day 355) puts more of it into the months around the turn of the year
    sched = "schedule:\n  sun: {input: uv, dose: 1, from_age: 25, to_age: 26%s}\n"
    flat = run_tiny(tmp_path, "flat", sched % "")
    seas = run_tiny(tmp_path, "season", sched % ", season_amplitude: 0.8, peak_day: 355")
    a, b = flat["uv_dose_cumulative"], seas["uv_dose_cumulative"]
    assert a[-1] == pytest.approx(365.25, rel=2e-3)
    assert b[-1] == pytest.approx(a[-1], rel=5e-3), "a season must keep the yearly total"
    monthly_a, monthly_b = np.diff(a), np.diff(b)
    assert np.max(np.abs(monthly_b / monthly_a - 1)) > 0.5, "the season changed nothing month by month"
    assert not np.array_equal(flat["collagen_synthesis_per_cell"], seas["collagen_synthesis_per_cell"])


def test_season_on_microneedling_acts_or_is_rejected(tmp_path):
    # microneedling sessions are instantaneous: season_amplitude is accepted for them, so it
    # must scale the session dose (as it does for the other instantaneous treatments)
    base = "schedule:\n  mn: {input: microneedling, dose: 1, at_age: 25.1, count: 10, every_days: 30%s}\n"
    cfg = tmp_path / "mn_check.yaml"
    cfg.write_text(TINY + base % ", season_amplitude: 0.9, peak_day: 355")
    code, _, stderr = dermsim("check", cfg)
    if code == 2:  # rejected: then as an inert key with its position
        m = parse_message(stderr)
        assert m["key"] in ("season_amplitude", "peak_day"), stderr
        return
    plain = run_tiny(tmp_path, "mn_plain", base % "")
    seas = run_tiny(tmp_path, "mn_season", base % ", season_amplitude: 0.9, peak_day: 355")
    assert not np.array_equal(plain["microneedling_cumulative"], seas["microneedling_cumulative"]), (
        "season_amplitude on microneedling is accepted but the delivered session doses are bit-identical "
        "(schedule.c: the microneedling branch adds `dose`, not `dose * season_at(e, t)`)")


def test_resolved_yaml_of_a_scheduled_run_is_valid(tmp_path):
    # resolved.yaml "reproduces the run": it must not list keys that the loader then rejects
    sched = ("schedule:\n"
             "  sun: {input: uv, dose: 1, from_age: 25, to_age: 26, hour_from: 10, hour_to: 16}\n"
             "  exo: {input: exosome, dose: 1, at_age: 25.5, route: topical}\n"
             "  cigs: {input: smoking, dose: 5, from_age: 25}\n")
    cfg = tmp_path / "sched.yaml"
    cfg.write_text(TINY + sched)
    out = tmp_path / "sched"
    code, _, stderr = dermsim("run", cfg, "-o", out, "--quiet", "--threads", "1")
    assert code == 0, stderr
    code, _, stderr = dermsim("check", out / "resolved.yaml")
    assert code == 0, f"resolved.yaml of a run with a schedule is rejected:\n{stderr}"
