"""Any start age (issue 8, "Any start age from 10 to 90"): 10, 25 and 60.

tests/configs/start_age.yaml (a woman on a 320 x 320 x 640 um block, seed 11) is run
from 25 to 61 and, with --set run.age_start_years=..., from 60 (to 61) and from 10 (to 30).
- The first row of every run is at its start age (within half a step) and at time 0.
- A run started at 60 simulates the history from the young-adult age: its first row
  matches the 60-y row of the run from 25 (same seed, the same step) for collagen_total,
  elastin_functional_total, senescent_fraction, fibroblast_density and
  age_crosslinks_mean, within noise (collagen, elastin, AGE 1 %, density 3 %, senescent
  fraction 0.01 absolute); so does the last row. The differences are printed.
- A run from 10 matures: functional elastin starts well below the young-adult value (at
  most 80 %), rises without overshoot and is within 5 % of it at 25 (most elastin is laid
  down before adulthood); collagen starts lower, peaks in the second or third decade
  (between 12 and 29 y, not at the end of the run) and is within 3 % of the young-adult
  value at 25; AGE cross-links and fibroblast density at 25 are within 10 % of the state a
  run from 25 starts with; report.md states the AGE load at 25 and its ratio.
- Reference ages come from the run: amounts "since the start" are 0 at the first row of
  every run; the young-adult state sits at subject.young_adult_age_years (set to 30: a run
  from 30 starts in exactly the configured young state and its young Cutometer; a run from 25 is then
  still developing); no series names a hard-coded "age 25"; report.md describes the run
  from its start age.
The young-adult reference values are the first row of the run from 25.

Runs go two at a time, single-threaded. Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR.
"""

import os
import pathlib
import re
import subprocess
import time

import numpy as np
import pytest

import dermsim_runs  # tests/dermsim_runs.py (on PYTHONPATH under ctest)

h5py = pytest.importorskip("h5py")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
CONFIG = SOURCE_DIR / "tests" / "configs" / "start_age.yaml"
PARALLEL = 2
DT_H = 168.0
HOURS_PER_YEAR = 8766.0
RUNS = {
    "r25": [],
    "r60": ["--set", "run.age_start_years=60"],
    "r10": ["--set", "run.age_start_years=10", "--set", "run.age_end_years=30",
            "--set", "output.series_interval_days=365.25"],
    "y30": ["--set", "subject.young_adult_age_years=30", "--set", "run.age_start_years=30",
            "--set", "run.age_end_years=31"],
    "y30dev": ["--set", "subject.young_adult_age_years=30", "--set", "run.age_start_years=25",
               "--set", "run.age_end_years=26"],
}
START = {"r25": 25.0, "r60": 60.0, "r10": 10.0, "y30": 30.0, "y30dev": 25.0}
# variable -> (kind, tolerance): relative or absolute difference allowed ("within noise")
MATCH = {
    "collagen_total": ("rel", 0.01),
    "elastin_functional_total": ("rel", 0.01),
    "senescent_fraction": ("abs", 0.01),
    "fibroblast_density": ("rel", 0.03),
    "age_crosslinks_mean": ("rel", 0.01),
}
CUMULATIVE = ("collagen_synthesized", "collagen_cleaved", "collagen_removed", "elastin_synthesized",
              "elastin_oxidised", "elastin_removed", "ha_synthesized", "ha_removed", "age_formed", "age_removed",
              "uv_dose_cumulative", "smoking_pack_years", "exosome_dose_cumulative")


def dermsim_bin():
    return dermsim_runs.dermsim_bin(SOURCE_DIR)


def run_all(jobs, env):
    dermsim_runs.run_all(jobs, env, PARALLEL)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("start_age")
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE", HDF5_USE_FILE_LOCKING="FALSE",
               DERMSIM_REPORT_HTML="0")
    # the longest runs first, so the two workers finish together
    order = ["r25", "r60", "r10", "y30", "y30dev"]
    jobs = [([dermsim_bin(), "run", CONFIG, "-o", d / name, "--threads", "1", "--quiet", *RUNS[name]],
             d / f"{name}.log") for name in order]
    run_all(jobs, env)
    out = {}
    for name in order:
        with h5py.File(d / name / "run.h5", "r") as f:
            n = f["step"].shape[0]
            out[name] = {k: f[k][()] for k in f if f[k].ndim == 1 and f[k].shape[0] == n}
            out[name]["_long_names"] = {k: str(f[k].attrs.get("long_name", "")) for k in f}
        out[name]["_report"] = (d / name / "report.md").read_text()
    return out


def young(runs, name):
    return float(runs["r25"][name][0])


def at_age(s, name, age):
    i = int(np.argmin(np.abs(s["age_years"] - age)))
    assert abs(s["age_years"][i] - age) <= 0.51, f"no row near {age} y"
    return float(s[name][i])


def test_first_row_is_the_start_age(runs):
    half_step = 0.5 * DT_H / HOURS_PER_YEAR
    for name, s in runs.items():
        assert abs(s["age_years"][0] - START[name]) <= half_step + 1e-9, (
            f"{name}: first row at {s['age_years'][0]:.4f} y, start age {START[name]}")
        assert s["time"][0] == 0.0, f"{name}: time of the first row is {s['time'][0]} d, not 0"


def test_start_at_60_matches_the_history_of_a_run_from_25(runs, capsys):
    a, b = runs["r25"], runs["r60"]
    rows = np.nonzero(a["step"] == b["step"][0])[0]
    assert rows.size == 1, f"the run from 25 has no row at step {b['step'][0]} (change output.series_interval_days)"
    i = int(rows[0])
    lines = [f"start at 60 vs the run from 25 at step {b['step'][0]} (age {a['age_years'][i]:.4f}) "
             f"and at the end ({a['age_years'][-1]:.3f} y):"]
    bad = []
    for k, (kind, tol) in MATCH.items():
        for label, x, y in (("first row", a[k][i], b[k][0]), ("last row", a[k][-1], b[k][-1])):
            diff = (y / x - 1.0) if kind == "rel" else (y - x)
            lines.append(f"  {k:26s} {label:9s} from 25: {x:.6g}  from 60: {y:.6g}  "
                         f"{'rel' if kind == 'rel' else 'abs'} diff {diff:+.2e} (tolerance {tol:g})")
            if not abs(diff) <= tol:
                bad.append(f"{k} ({label}): {x:.6g} vs {y:.6g}")
    identical = all(a[k][i] == b[k][0] for k in a if not k.startswith("_") and k in b and k != "time")
    lines.append(f"  every series bit-identical at the first row: {identical}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert not bad, "a run started at 60 does not continue the subject's history:\n" + "\n".join(bad)


def test_amounts_since_the_start_are_zero_at_the_first_row(runs):
    bad = []
    for name, s in runs.items():
        for k in CUMULATIVE:
            assert k in s, f"{name}: no series {k}"
            if s[k][0] != 0.0:
                bad.append(f"{name} (from {START[name]:g} y): {k} = {s[k][0]:.6g} at the first row")
    assert not bad, ("series documented as amounts 'since the start' (budget: collagen_total(t) - "
                     "collagen_total(0) = synthesized - removed) do not start at 0:\n" + "\n".join(bad))


def test_run_from_10_matures_toward_the_young_adult_state(runs, capsys):
    s = runs["r10"]
    ages = s["age_years"]
    el = s["elastin_functional_total"] / young(runs, "elastin_functional_total")
    col = s["collagen_total"] / young(runs, "collagen_total")
    lines = ["run from 10, relative to the young-adult state a run from 25 starts in:",
             "  age      " + " ".join(f"{a:6.1f}" for a in ages),
             "  elastin  " + " ".join(f"{x:6.3f}" for x in el),
             "  collagen " + " ".join(f"{x:6.3f}" for x in col)]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    # elastin: laid down mostly before adulthood, no overshoot
    assert el[0] <= 0.8, f"elastin at 10 is {el[0]:.3f} of the young-adult value: no development"
    before = ages <= 25.0
    assert np.all(np.diff(el[before]) >= -0.005), f"elastin does not rise from 10 to 25: {el[before]}"
    assert abs(at_age(s, "elastin_functional_total", 25.0) / young(runs, "elastin_functional_total") - 1) <= 0.05
    assert el.max() <= 1.03, f"elastin overshoots the young-adult value: max {el.max():.3f}"
    # collagen: lower in childhood, peaks in the second or third decade, young-adult at 25
    assert col[0] <= 0.97, f"collagen at 10 is {col[0]:.3f} of the young-adult value: no development"
    peak = int(np.argmax(col))
    assert 12.0 <= ages[peak] <= 29.0 and peak < len(col) - 1, f"collagen peaks at {ages[peak]:.1f} y: {col}"
    assert col[peak] <= 1.05, f"collagen peak {col[peak]:.3f} of the young-adult value"
    assert abs(at_age(s, "collagen_total", 25.0) / young(runs, "collagen_total") - 1) <= 0.03


def test_run_from_10_arrives_at_25_in_the_state_a_run_from_25_starts_in(runs):
    s = runs["r10"]
    bad = []
    for k, tol in (("fibroblast_density", 0.10), ("age_crosslinks_mean", 0.10)):
        ratio = at_age(s, k, 25.0) / young(runs, k)
        if abs(ratio - 1) > tol:
            bad.append(f"{k} at 25: {at_age(s, k, 25.0):.4g} in the run from 10, {young(runs, k):.4g} at the "
                       f"start of the run from 25 (ratio {ratio:.3f}, tolerance {tol:g})")
    assert not bad, "a run from 10 and a run from 25 disagree about the 25-year-old:\n" + "\n".join(bad)


def test_young_adult_age_is_the_reference(runs):
    y30, dev = runs["y30"], runs["y30dev"]
    for k in ("collagen_total", "elastin_functional_total", "age_crosslinks_mean"):
        assert y30[k][0] == pytest.approx(young(runs, k), rel=1e-9), (
            f"{k}: a run from the young-adult age 30 does not start in the configured young state")
    # the young-adult matrix is the mechanics' reference: the suction test starts at the young one
    assert y30["cutometer_R2"][0] == pytest.approx(young(runs, "cutometer_R2"), rel=1e-9)
    # with the young adult at 30, 25 is not special: a run from 25 is still developing
    assert dev["elastin_functional_total"][0] < 0.99 * young(runs, "elastin_functional_total")
    assert dev["collagen_total"][0] < 0.995 * young(runs, "collagen_total")


def test_no_series_names_a_hard_coded_age_25(runs):
    names = runs["r60"]["_long_names"]
    bad = [f"{k}: {v}" for k, v in names.items() if re.search(r"\bage 25\b|\b25 y", v)]
    assert not bad, ("long names refer to age 25, but the reference is subject.young_adult_age_years "
                     "(or the run's start):\n" + "\n".join(bad))


def test_report_describes_the_run_from_its_start(runs):
    rep = runs["r60"]["_report"]
    assert "from age 60.0" in rep, rep[:400]
    table = re.findall(r"^\| (\d+) \|", rep, re.M)
    assert table and table[0] == "60", f"the decade table of a run from 60 starts at {table[:1]}"
    rep10 = runs["r10"]["_report"]
    assert "from age 10.0" in rep10, rep10[:400]


def test_report_states_the_age_load_at_the_young_adult_age(runs):
    """The gap is not silent: report.md of a run that starts before the young-adult age and
    reaches it states the AGE load there, against the load a run from that age starts with,
    computed from the run; a run that starts after it says nothing of the kind."""
    s = runs["r10"]
    x = at_age(s, "age_crosslinks_mean", 25.0)
    ref = young(runs, "age_crosslinks_mean")
    m = re.search(r"At the young-adult age \((\d+) y\) the load is ([0-9.]+) pmol/mg, ([0-9.]+)x the "
                  r"([0-9.]+) pmol/mg a run started at that age begins with", runs["r10"]["_report"])
    assert m, "report.md of the run from 10 does not state its AGE load at the young-adult age"
    assert int(m.group(1)) == 25
    assert float(m.group(2)) == pytest.approx(x, abs=0.051)
    assert float(m.group(3)) == pytest.approx(x / ref, abs=0.006)
    assert float(m.group(4)) == pytest.approx(ref, abs=0.051)
    assert "young-adult age" not in runs["r60"]["_report"]
