"""Lifetime results must not depend on the time step.

Issue 8 asks that runs at dt = 168, 42 and 12 h (several seeds, seed means) agree within 3 %
on collagen, fibroblast density and MMP-1 at 70. tests/configs/step_convergence.yaml is the
C1 validation scenario (intrinsic ageing, female) on a 480 x 480 x 640 um block of 40 um
voxels (~1600 fibroblasts), ages 25 to 70. It runs at the three steps with twelve seeds,
2024-2035 (the same seeds at every step). Values "at age A" are means over the rows within +-0.5 y
of A, as in tests/validation/validate.py.

What is asserted, and why:
  - collagen_total(70)/(25) and fibroblast_density(70): the seed means at 42 h and at 12 h
    are within 3 % of the seed mean at 168 h (and 12 h within 3 % of 42 h). Their seed noise
    (standard error of a paired difference over twelve seeds, ~0.5 % and ~1.3 %) is well
    below 3 %, so the band is a real test of step independence. With four seeds the density
    s.e. reached 2.4-3.3 % (measured 2026-12-02): a hard 3 % band then passed or failed by
    the luck of the seeds, so the seeds were raised to twelve.
  - mmp1_mean(70) and senescent_fraction(70): the seed means are printed with the standard
    error of the paired difference. In old skin MMP-1 is made mostly by senescent cells
    (SASP), so its noise is the Poisson noise of ~150 senescent cells per run: a paired
    standard error of ~2-5 %, not always below the 3 % band. Twelve seeds cannot always
    resolve 3 % and a 3 % assertion would fail at random; the test asserts instead that no
    difference is larger than three standard errors (a step bias like the one issue 8
    measured, +75 % between 168 h and 42 h, fails it). Resolving 3 % on MMP-1 takes four
    times the seeds: DERM_STEP_SEEDS=48 (README, Validation: Step convergence, where the
    48-seed result is tabulated: MMP-1 within 0.72 % +- 0.98 %).
Every measured number is printed (pytest -s, or ctest output on failure).

The 3 x N runs (36 with twelve seeds) go two at a time, each single-threaded (results do not depend on the
thread count; test_reproducibility.py checks that).

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR (defaults to this file's repository);
DERM_STEP_SEEDS=N (default 12, at least 4) runs N seeds: with enough of them the MMP-1 and
senescence bound max(3 %, 3 s.e.) becomes the 3 % of issue 8 (48 seeds: README).
"""

import os
import pathlib
import subprocess
import time

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
CONFIG = SOURCE_DIR / "tests" / "configs" / "step_convergence.yaml"
STEPS_H = (168.0, 42.0, 12.0)
# twelve seeds under ctest; DERM_STEP_SEEDS=N runs seeds 2024 .. 2024+N-1 (the offline
# study that resolves 3 % on MMP-1 uses 48: README, Validation: step convergence)
N_SEEDS = int(os.environ.get("DERM_STEP_SEEDS", "12"))
SEEDS = tuple(range(2024, 2024 + max(N_SEEDS, 4)))
PARALLEL = 2
NAMES = ("collagen_ratio", "fibroblast_density", "mmp1", "senescent_fraction")


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN") or str(SOURCE_DIR / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def at(s, name, age):
    sel = np.abs(s["age_years"] - age) <= 0.5
    assert sel.sum() >= 2, f"no rows near age {age}"
    return float(np.mean(s[name][sel]))


def run_all(d):
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE", HDF5_USE_FILE_LOCKING="FALSE",
               DERMSIM_REPORT_HTML="0")
    # longest first, so the two lanes finish together
    jobs = [(dt, seed) for dt in sorted(STEPS_H) for seed in SEEDS]
    pending, running, done = list(jobs), {}, {}
    t0 = time.monotonic()
    try:
        while pending or running:
            while pending and len(running) < PARALLEL:
                dt, seed = pending.pop(0)
                out = d / f"dt{dt:g}_s{seed}"
                cmd = [dermsim_bin(), "run", str(CONFIG), "-o", str(out), "--quiet", "--threads", "1", "--seed",
                       str(seed), "--set", f"run.dt_hours={dt}"]
                running[(dt, seed)] = (subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                        stderr=subprocess.PIPE, text=True, env=env), out)
            for key, (p, out) in list(running.items()):
                if p.poll() is None:
                    continue
                _, err = p.communicate()
                assert p.returncode == 0, f"dt {key[0]} seed {key[1]}: dermsim exited {p.returncode}: {err}"
                done[key] = out
                del running[key]
            if time.monotonic() - t0 > 200 * len(SEEDS):
                pytest.fail(f"step-convergence runs took more than {200 * len(SEEDS) / 60:.0f} minutes")
            time.sleep(0.05)
    finally:
        for p, _ in running.values():
            p.kill()
            p.communicate()
    return done, time.monotonic() - t0


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    done, wall = run_all(tmp_path_factory.mktemp("dt"))
    res = {}
    for (dt, seed), out in done.items():
        with h5py.File(out / "run.h5", "r") as f:
            assert int(np.asarray(f.attrs["completed"]).ravel()[0]) == 1
            s = {k: f[k][...] for k in ("age_years", "collagen_total", "fibroblast_density", "mmp1_mean",
                                        "senescent_fraction")}
        assert s["age_years"][-1] >= 70.0 - 1e-9
        res[(dt, seed)] = np.array([at(s, "collagen_total", 70) / at(s, "collagen_total", 25),
                                    at(s, "fibroblast_density", 70), at(s, "mmp1_mean", 70),
                                    at(s, "senescent_fraction", 70)])
    lines = [f"step convergence ({len(done)} runs, {wall:.0f} s wall)",
             f"{'dt (h)':>7} {'seed':>5} " + " ".join(f"{n:>19}" for n in NAMES)]
    for dt in STEPS_H:
        for seed in SEEDS:
            lines.append(f"{dt:7g} {seed:5d} " + " ".join(f"{x:19.4f}" for x in res[(dt, seed)]))
        lines.append(f"{dt:7g}  mean " + " ".join(f"{x:19.4f}" for x in mean(res, dt)))
    for a, b in PAIRS:
        rel, se = compare(res, a, b)
        lines.append(f"dt {b:g} h vs {a:g} h: " + ", ".join(
            f"{n} {100 * rel[i]:+.2f} % (paired s.e. {100 * se[i]:.2f} %)" for i, n in enumerate(NAMES)))
    # printed in ctest's output whether or not a test fails, and kept beside the build
    print("\n" + "\n".join(lines))
    pathlib.Path("step_convergence.txt").write_text("\n".join(lines) + "\n")
    return res


def mean(res, dt):
    return np.mean([res[(dt, s)] for s in SEEDS], axis=0)


def compare(res, a, b):
    """Relative difference of the seed means of step b against step a, and the standard
    error of that difference from the paired (same-seed) differences."""
    ma, mb = mean(res, a), mean(res, b)
    rel = mb / ma - 1.0
    paired = np.array([res[(b, s)] / res[(a, s)] - 1.0 for s in SEEDS])
    se = paired.std(axis=0, ddof=1) / np.sqrt(len(SEEDS))
    return rel, se


PAIRS = ((168.0, 42.0), (168.0, 12.0), (42.0, 12.0))


@pytest.mark.parametrize("a,b", PAIRS)
def test_collagen_and_density_within_3_percent(metrics, a, b):
    rel, se = compare(metrics, a, b)
    for i, name in ((0, "collagen_total(70)/(25)"), (1, "fibroblast_density(70)")):
        print(f"{name}: dt {b:g} h vs {a:g} h: {100 * rel[i]:+.2f} % (paired s.e. {100 * se[i]:.2f} %)")
    assert mean(metrics, a)[0] < 0.9, "collagen must fall with age in this scenario (C1)"
    assert abs(rel[0]) < 0.03, f"collagen(70)/(25) differs by {100 * rel[0]:+.2f} % between {a:g} h and {b:g} h"
    assert abs(rel[1]) < 0.03, f"fibroblast density(70) differs by {100 * rel[1]:+.2f} % between {a:g} h and {b:g} h"


@pytest.mark.parametrize("a,b", PAIRS)
def test_mmp1_and_senescence_no_step_bias(metrics, a, b):
    rel, se = compare(metrics, a, b)
    for i, name in ((2, "mmp1_mean(70)"), (3, "senescent_fraction(70)")):
        print(f"{name}: dt {b:g} h vs {a:g} h: {100 * rel[i]:+.2f} % (paired s.e. {100 * se[i]:.2f} %; "
              f"3 % {'resolved' if 3 * se[i] < 0.03 else 'not resolved by these seeds'})")
    assert mean(metrics, a)[2] > 1.5, "MMP-1 must rise with age in this scenario (C6)"
    for i, name in ((2, "MMP-1"), (3, "senescent fraction")):
        assert abs(rel[i]) < max(0.03, 3.0 * se[i]), (
            f"{name} at 70 differs by {100 * rel[i]:+.2f} % between {a:g} h and {b:g} h, more than three paired "
            f"standard errors ({100 * se[i]:.2f} %)")
        assert se[i] < 0.10, f"{name}: paired standard error {100 * se[i]:.1f} % too large to detect a step bias"
