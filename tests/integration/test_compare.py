"""`dermsim compare`: runs side by side at chosen ages (table on the terminal and in CSV,
difference from and ratio to the first run, one overlay figure per variable), aligned on
age although they write rows at different intervals; runs with other grids or subjects
are refused (with the --set options that would match) unless --allow-different.
"""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

ROOT = Path(os.environ.get("DERMSIM_SOURCE_DIR") or Path(__file__).resolve().parents[2])
BIN = os.environ.get("DERMSIM_BIN") or str(ROOT / "build" / "dermsim")
TINY = ROOT / "tests" / "configs" / "tiny.yaml"


def dermsim(*args, cwd=None):
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"dermsim not built: {BIN}")
    env = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE", DERMSIM_REPORT_HTML="0")
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL, env=env, cwd=cwd)


RUNS = {
    "control": [],
    # monthly rows instead of tiny's quarterly ones: the ages do not line up row by row
    "smoker": ["output.series_interval_days=30.4375", "schedule.cig.input=smoking",
               "schedule.cig.dose=20", "schedule.cig.from_age=25"],
    "narrow": ["domain.nx=6"],
    "male": ["subject.sex=male"],
    "short": ["run.age_end_years=29"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("compare")
    for name, sets in RUNS.items():
        args = ["run", TINY, "-o", d / name, "--quiet", "--set", "run.age_end_years=33"]
        for s in sets:
            args += ["--set", s]
        r = dermsim(*args)
        assert r.returncode == 0, r.stderr
    return d


def series(path, name):
    with h5py.File(path / "run.h5", "r") as f:
        return f["age_years"][()], f[name][()]


def test_table_csv_and_figures(runs, tmp_path):
    out = tmp_path / "cmp"
    r = dermsim("compare", runs / "control", runs / "smoker", "-o", out)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out / "compare.csv")
    assert list(df.columns) == ["variable", "units", "age_years", "run", "value", "difference_from_first",
                                "ratio_to_first"]
    assert sorted(df["age_years"].unique()) == [30.0]          # every 10 years inside 25..33
    assert set(df["run"]) == {"control", "smoker"}
    for v in ("collagen_total", "senescent_fraction", "dermal_thickness"):
        assert v in set(df["variable"])
        assert (out / f"compare_{v}.png").stat().st_size > 5000
    # values: each run interpolated on its own rows (independent check with numpy)
    for name in ("control", "smoker"):
        age, val = series(runs / name, "collagen_total")
        got = df[(df.variable == "collagen_total") & (df.run == name)]["value"].item()
        assert got == pytest.approx(np.interp(30.0, age, val), rel=1e-12)
    c = df[(df.variable == "collagen_total")].set_index("run")
    assert c.loc["control", "ratio_to_first"] == 1.0 and c.loc["control", "difference_from_first"] == 0.0
    assert c.loc["smoker", "ratio_to_first"] == pytest.approx(c.loc["smoker", "value"] / c.loc["control", "value"])
    # the terminal table
    assert "collagen_total [mg/cm²]" in r.stdout and "smoker vs control" in r.stdout
    assert "reference control" in r.stdout


def test_ages_vars_and_ref_age(runs, tmp_path):
    out = tmp_path / "cmp2"
    r = dermsim("compare", runs / "control", runs / "smoker", "--ages", "32,26.5",
                "--vars", "collagen_total,senescent_fraction", "--ref-age", "25", "-o", out)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out / "compare.csv")
    assert sorted(df["variable"].unique()) == ["collagen_total", "senescent_fraction"]
    assert sorted(df["age_years"].unique()) == [26.5, 32.0]
    assert set(df["units"]) == {1}
    age, val = series(runs / "smoker", "collagen_total")
    expect = np.interp(32.0, age, val) / val[np.argmin(np.abs(age - 25.0))]
    got = df[(df.variable == "collagen_total") & (df.run == "smoker") & (df.age_years == 32.0)]["value"].item()
    assert got == pytest.approx(expect, rel=1e-12)
    assert sorted(p.name for p in out.glob("*.png")) == ["compare_collagen_total.png",
                                                          "compare_senescent_fraction.png"]


def test_outside_a_runs_ages(runs, tmp_path):
    """An age one run lacks: a note and an empty cell; an age no run covers: refused."""
    r = dermsim("compare", runs / "control", runs / "short", "--ages", "27,31", "-o", tmp_path / "c")
    assert r.returncode == 0, r.stderr
    assert "note: short covers ages 25 to 29.01: no value at 31" in r.stdout
    df = pd.read_csv(tmp_path / "c" / "compare.csv")
    assert df[(df.age_years == 31) & (df.run == "short")]["value"].isna().all()
    assert df[(df.age_years == 31) & (df.run == "control")]["value"].notna().all()
    r = dermsim("compare", runs / "control", runs / "smoker", "--ages", "30,50,60", "-o", tmp_path / "d")
    assert r.returncode == 2
    assert "--ages 50,60: no run covers them (control 25 to 33.01; smoker 25 to 33.01)" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "d").exists()


def test_refuses_other_grid(runs, tmp_path):
    r = dermsim("compare", runs / "control", runs / "narrow", "-o", tmp_path / "x")
    assert r.returncode == 2
    assert "grid: control has 8 x 8 x 16 voxels of 20 µm, narrow has 6 x 8 x 16" in r.stderr
    assert "--set domain.nx=8" in r.stderr and "--allow-different" in r.stderr
    assert not (tmp_path / "x" / "compare.csv").exists()
    r = dermsim("compare", runs / "control", runs / "narrow", "--allow-different", "-o", tmp_path / "y")
    assert r.returncode == 0, r.stderr
    assert "note: compared although the grid" in r.stdout


def test_refuses_other_subject(runs, tmp_path):
    r = dermsim("compare", runs / "control", runs / "male", "-o", tmp_path / "x")
    assert r.returncode == 2
    assert "subject: control and male differ in sex: female vs male" in r.stderr
    assert "--set subject.sex=female" in r.stderr


def test_usage_errors(runs, tmp_path):
    r = dermsim("compare", runs / "control", runs / "smoker", "--vars", "colagen_total", "-o", tmp_path / "x")
    assert r.returncode == 2 and "did you mean 'collagen_total'" in r.stderr
    r = dermsim("compare", runs / "control", runs / "smoker", "--ages", "forty", "-o", tmp_path / "x")
    assert r.returncode == 2 and "--ages" in r.stderr
    r = dermsim("compare", runs / "control", tmp_path / "missing", "-o", tmp_path / "x")
    assert r.returncode == 1 and "missing" in r.stderr
    r = dermsim("compare", runs / "control")
    assert r.returncode == 2


def test_refusals_without_tracebacks(runs, tmp_path):
    """An earlier comparison is kept unless --force; -o that is a file, a duplicated age, a
    reference age that is not finite or that a run does not cover, and a truncated run file
    are one-line refusals, not tracebacks or a silently nearest row."""
    out = tmp_path / "kept"
    r = dermsim("compare", runs / "control", runs / "smoker", "-o", out)
    assert r.returncode == 0, r.stderr
    (out / "compare.csv").write_text("mine\n")
    r = dermsim("compare", runs / "control", runs / "smoker", "-o", out)
    assert r.returncode == 2 and "already holds a comparison (compare.csv); pass --force" in r.stderr
    assert (out / "compare.csv").read_text() == "mine\n"
    r = dermsim("compare", runs / "control", runs / "smoker", "-o", out, "--force")
    assert r.returncode == 0, r.stderr
    assert (out / "compare.csv").read_text() != "mine\n"
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = [
        (["-o", afile], 2, f"-o {afile}: not a directory"),
        (["--ref-age", "nan", "-o", tmp_path / "n"], 2, "--ref-age must be a finite number"),
        (["--ref-age", "80", "-o", tmp_path / "n"], 2, "--ref-age 80: control covers ages 25 to 33"),
    ]
    for extra, code, needle in cases:
        r = dermsim("compare", runs / "control", runs / "smoker", *extra)
        assert r.returncode == code and needle in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = dermsim("compare", runs / "control", runs / "smoker", "--ages", "30,30", "-o", tmp_path / "d")
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path / "d" / "compare.csv")
    assert sorted(df["age_years"].unique()) == [30.0]
    cut = tmp_path / "cut"
    cut.mkdir()
    data = (runs / "smoker" / "run.h5").read_bytes()
    (cut / "run.h5").write_bytes(data[: len(data) // 3])
    for f in ("resolved.yaml",):
        (cut / f).write_bytes((runs / "smoker" / f).read_bytes())
    r = dermsim("compare", runs / "control", cut, "-o", tmp_path / "t")
    assert r.returncode == 1 and str(cut / "run.h5") in r.stderr and "Traceback" not in r.stderr, r.stderr
