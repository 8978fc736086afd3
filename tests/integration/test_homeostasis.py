"""The young-adult state is a steady state of the model itself (issue 8, "A true homeostasis").

tests/configs/homeostasis.yaml holds the age drivers at their young values
(ageing.systemic, ageing.menopause and ageing.glycation false; a woman from 25 to 45) on a
640 um cube. Over 20 simulated years, for collagen_total, elastin_total, ha_total and
fibroblast_density, with r_s(t) = X_s(t) / X_s(25) for seed s:
  - drift: the seed mean of r_s over each 5-year window (25-30, 30-35, 35-40, 40-45,
    monthly rows) minus 1 stays within +-2 %;
  - collagen and elastin (slow pools whose snapshots are smooth) also at every row;
  - noise: the standard error of each window drift (sd across seeds / sqrt(seeds)) is at
    most 0.8 %, so the 2 % band is at least 2.5 standard errors wide (a test whose noise
    filled the band could not tell drift from chance).
Why windows for cells and HA: one fibroblast count fluctuates by ~1/sqrt(cells) with a
correlation time of about two years (3-5 % per row in an 875-cell block, ~2 % here), so
a single seed-mean row at 6 seeds has a standard error of ~1 %; a 5-year mean halves it.
The table (drift, sd across seeds, standard error; windows and yearly rows) is printed.

The seeds run two at a time, each single-threaded (results do not depend on the thread
count). Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR.
"""

import os
import pathlib
import subprocess
import time

import numpy as np
import pytest

import dermsim_runs  # tests/dermsim_runs.py (on PYTHONPATH under ctest)

h5py = pytest.importorskip("h5py")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
CONFIG = SOURCE_DIR / "tests" / "configs" / "homeostasis.yaml"
SEEDS = (1, 2, 3, 4, 5, 6)
PARALLEL = 2
VARS = ("collagen_total", "elastin_total", "ha_total", "fibroblast_density")
SMOOTH = ("collagen_total", "elastin_total")  # checked at every row too
BAND = 0.02
MAX_SE = 0.008
WINDOWS = ((25.0, 30.0), (30.0, 35.0), (35.0, 40.0), (40.0, 45.0))


def dermsim_bin():
    return dermsim_runs.dermsim_bin(SOURCE_DIR)


def run_all(jobs, env):
    dermsim_runs.run_all(jobs, env, PARALLEL)


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    d = tmp_path_factory.mktemp("homeostasis")
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE", HDF5_USE_FILE_LOCKING="FALSE",
               DERMSIM_REPORT_HTML="0")
    jobs = [([dermsim_bin(), "run", CONFIG, "-o", d / f"s{s}", "--seed", str(s), "--threads", "1", "--quiet"],
             d / f"s{s}.log") for s in SEEDS]
    t0 = time.monotonic()
    run_all(jobs, env)
    wall = time.monotonic() - t0
    out = {}
    for s in SEEDS:
        with h5py.File(d / f"s{s}" / "run.h5", "r") as f:
            out[s] = {k: f[k][()] for k in ("age_years",) + VARS}
    ages = [out[s]["age_years"] for s in SEEDS]
    assert all(np.array_equal(a, ages[0]) for a in ages), "seeds wrote different rows"
    return ages[0], {k: np.array([out[s][k] for s in SEEDS]) for k in VARS}, wall


def test_age_drivers_are_off_in_the_config():
    text = CONFIG.read_text()
    for key in ("systemic: false", "menopause: false", "glycation: false", "sex: female"):
        assert key in text, f"{CONFIG.name} must set {key}"


def test_young_state_is_a_steady_state(series, capsys):
    age, X, wall = series
    n = len(SEEDS)
    assert age[0] == pytest.approx(25.0) and age[-1] >= 45.0 - 1e-6, age
    lines = [f"homeostasis: {n} seeds, {len(age)} rows, {wall:.0f} s wall; drift = seed mean of X(t)/X(25) - 1, "
             f"sd = across seeds, se = sd/sqrt({n}); band +-{100 * BAND:g} %",
             f"{'':20s}" + "".join(f"{f'{a:g}-{b:g} y':>24s}" for a, b in WINDOWS) + f"{'max |yearly row|':>24s}"]
    failures = []
    for k in VARS:
        r = X[k] / X[k][:, :1]
        cells = []
        for a, b in WINDOWS:
            sel = (age >= a - 1e-6) & ((age < b - 1e-6) if b < WINDOWS[-1][1] else (age <= b + 0.1))
            w = r[:, sel].mean(axis=1)
            drift, sd = w.mean() - 1.0, w.std(ddof=1)
            se = sd / np.sqrt(n)
            cells.append(f"{100 * drift:+7.2f} sd {100 * sd:4.2f} se {100 * se:4.2f}")
            if abs(drift) > BAND:
                failures.append(f"{k}: mean over {a:g}-{b:g} y drifts {100 * drift:+.2f} % (se {100 * se:.2f} %)")
            if se > MAX_SE:
                failures.append(f"{k}: noise over {a:g}-{b:g} y (se {100 * se:.2f} %) exceeds {100 * MAX_SE:g} %: "
                                "the test cannot resolve a 2 % drift; use more seeds or a larger block")
        yearly = [int(np.argmin(np.abs(age - y))) for y in range(25, 46)]
        dy = r[:, yearly].mean(axis=0) - 1.0
        j = int(np.argmax(np.abs(dy)))
        sdy = r[:, yearly[j]].std(ddof=1)
        cells.append(f"{100 * dy[j]:+7.2f} at {age[yearly[j]]:4.1f} sd {100 * sdy:4.2f}")
        lines.append(f"{k:20s}" + "".join(f"{c:>24s}" for c in cells))
        if k in SMOOTH:
            rows = r.mean(axis=0) - 1.0
            i = int(np.argmax(np.abs(rows)))
            if abs(rows[i]) > BAND:
                failures.append(f"{k}: seed mean at {age[i]:.2f} y drifts {100 * rows[i]:+.2f} %")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert not failures, "young-adult state is not steady:\n" + "\n".join(failures) + "\n" + "\n".join(lines)


SMALL = """run: {{seed: {seed}, age_start_years: 25, age_end_years: 25.05, dt_hours: 168}}
output: {{series_interval_days: 365.25, frame_interval_days: 3650, write_fields: false, write_agents: false}}
domain: {{nx: 6, ny: 6, nz: 20, voxel_um: 20}}
"""


def young_number(resolved):
    """Young-adult fibroblast number of a block from its resolved.yaml (fibroblast.c's layers)."""
    text = resolved.read_text()
    get = lambda key: float(text.split(f"\n  {key}:")[1].split()[0])
    rho, ratio = get("density_per_mm3"), get("papillary_density_ratio")
    pap, h = get("papillary_depth_um"), get("voxel_um")
    nx, ny, nz = (int(get(k)) for k in ("nx", "ny", "nz"))
    vol = (h * 1e-3) ** 3
    return sum(rho * (ratio if (k + 0.5) * h < pap else 1.0) * vol * nx * ny for k in range(nz))


def test_small_block_starts_at_the_young_density(tmp_path):
    """A 120 x 120 x 400 um block holds ~95 fibroblasts at the young density. Its spin-up
    population drifts by chance before the division hazard is calibrated; the calibration
    must bring it back to the young density (births balance losses at the young crowding),
    not hold it where it drifted. Measured 2026-12-02 over seeds 4-15 at 25 y, as shares of
    the young number (104): before, 0.15-1.05, mean 0.72 (three seeds below 0.5); with the
    calibration at the young density, 0.70-1.04, mean 0.88. A block this small stays ~10 %
    below the young number on average (its population fluctuates by ~15 % and the
    regulation is not symmetric; a 16 x 16 x 32 block starts at 0.94-0.99). Every seed must
    start within 40 % of the young number and the seed mean within 15 %."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE", HDF5_USE_FILE_LOCKING="FALSE",
               DERMSIM_REPORT_HTML="0")
    seeds = range(4, 16)
    jobs = []
    for s in seeds:
        cfg = tmp_path / f"small{s}.yaml"
        cfg.write_text(SMALL.format(seed=s))
        jobs.append(([dermsim_bin(), "run", cfg, "-o", tmp_path / f"small{s}", "--threads", "1", "--quiet"],
                     tmp_path / f"small{s}.log"))
    run_all(jobs, env)
    n_young = young_number(tmp_path / "small4" / "resolved.yaml")
    assert 80 < n_young < 110, n_young
    ratio = []
    for s in seeds:
        with h5py.File(tmp_path / f"small{s}" / "run.h5", "r") as f:
            ratio.append(float(f["fibroblast_count"][0]) / n_young)
    ratio = np.array(ratio)
    assert np.all((ratio > 0.6) & (ratio < 1.4)), dict(zip(seeds, np.round(ratio, 3)))
    assert abs(ratio.mean() - 1.0) < 0.15, ratio.mean()
