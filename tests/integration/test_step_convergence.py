"""Lifetime results must not depend materially on the time step.

Product requirement (run.dt_hours help text): collagen at 70 y within 5 % between the
default weekly step (168 h) and a 4x smaller one (42 h). tests/configs/step_convergence.yaml
is the C1 validation scenario (intrinsic ageing, female) on a 12 x 12 x 24 block, ages 25
to 70, totals only. It is run at dt 168 h and 42 h with seeds 2024 and 2025; the seed
means are compared:
  - collagen_total(70)/collagen_total(25): relative difference < 5 %
  - fibroblast_density(70): relative difference < 10 %
  - senescent_fraction(70): absolute difference < 0.05
Values "at age A" are means over the rows within +-0.5 y of A, as in
tests/validation/validate.py. The measured numbers are printed.

The four runs go two at a time, each single-threaded (results do not depend on the
thread count; test_reproducibility.py checks that), so the test keeps both cores busy
without oversubscribing them.

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR (defaults to this file's repository).
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
STEPS_H = (168.0, 42.0)
SEEDS = (2024, 2025)
PARALLEL = 2


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN") or str(SOURCE_DIR / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def at(s, name, age):
    sel = np.abs(s["age_years"] - age) <= 0.5
    assert sel.sum() >= 2, f"no rows near age {age}"
    return float(np.mean(s[name][sel]))


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    d = tmp_path_factory.mktemp("dt")
    env = dict(os.environ, OMP_NUM_THREADS="1", HDF5_USE_FILE_LOCKING="FALSE")
    jobs = [(dt, seed) for dt in STEPS_H for seed in SEEDS]
    pending, running, done = list(jobs), {}, {}
    t0 = time.monotonic()
    try:
        while pending or running:
            while pending and len(running) < PARALLEL:
                dt, seed = pending.pop(0)
                out = d / f"dt{dt:g}_s{seed}"
                cmd = [dermsim_bin(), "run", str(CONFIG), "-o", str(out), "--quiet", "--seed", str(seed),
                       "--set", f"run.dt_hours={dt}"]
                running[(dt, seed)] = (subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                        stderr=subprocess.PIPE, text=True, env=env), out)
            for key, (p, out) in list(running.items()):
                if p.poll() is None:
                    continue
                _, err = p.communicate()
                assert p.returncode == 0, f"dt {key[0]} seed {key[1]}: dermsim exited {p.returncode}: {err}"
                done[key] = out
                del running[key]
            if time.monotonic() - t0 > 900:
                pytest.fail("step-convergence runs took more than 15 minutes")
            time.sleep(0.05)
    finally:
        for p, _ in running.values():
            p.kill()
            p.communicate()
    wall = time.monotonic() - t0

    res = {}
    for (dt, seed), out in done.items():
        with h5py.File(out / "run.h5", "r") as f:
            assert int(np.asarray(f.attrs["completed"]).ravel()[0]) == 1
            s = {k: f[k][...] for k in ("age_years", "collagen_total", "fibroblast_density", "senescent_fraction")}
        assert s["age_years"][-1] >= 70.0 - 1e-9
        res[(dt, seed)] = dict(collagen_ratio=at(s, "collagen_total", 70) / at(s, "collagen_total", 25),
                               fibroblast_density=at(s, "fibroblast_density", 70),
                               senescent_fraction=at(s, "senescent_fraction", 70))
    names = ("collagen_ratio", "fibroblast_density", "senescent_fraction")
    mean = {dt: {n: float(np.mean([res[(dt, s)][n] for s in SEEDS])) for n in names} for dt in STEPS_H}
    print(f"\nstep convergence ({len(jobs)} runs, {wall:.1f} s wall)")
    print(f"{'dt (h)':>7} {'seed':>5} {'coll(70)/(25)':>14} {'fib dens(70)':>13} {'senescent(70)':>14}")
    for (dt, seed) in jobs:
        r = res[(dt, seed)]
        print(f"{dt:7g} {seed:5d} {r['collagen_ratio']:14.4f} {r['fibroblast_density']:13.1f} "
              f"{r['senescent_fraction']:14.4f}")
    for dt in STEPS_H:
        m = mean[dt]
        print(f"{dt:7g}  mean {m['collagen_ratio']:14.4f} {m['fibroblast_density']:13.1f} "
              f"{m['senescent_fraction']:14.4f}")
    return mean


def rel_diff(a, b):
    return abs(a - b) / abs(b)


@pytest.mark.xfail(strict=True, reason=(
    "BUG (reported to lead): collagen loss depends strongly on run.dt_hours - seed-mean "
    "collagen_total(70)/(25) is ~0.61 at 168 h but ~0.44 at 42 h (and ~0.38 at 21 h); "
    "MMP-1 mean at 70 y rises from ~3.3 to ~5.8 as the step shrinks. Not converged."))
def test_collagen_at_70_independent_of_step(metrics):
    a, b = metrics[168.0]["collagen_ratio"], metrics[42.0]["collagen_ratio"]
    d = rel_diff(a, b)
    print(f"collagen_total(70)/(25): dt 168 h {a:.4f}, dt 42 h {b:.4f}, relative difference {100 * d:.1f} %")
    assert 0 < a < 1.2 and 0 < b < 1.2
    assert d < 0.05, f"collagen(70)/(25) differs by {100 * d:.1f} % between dt 168 h and 42 h (limit 5 %)"


def test_fibroblast_density_at_70_independent_of_step(metrics):
    a, b = metrics[168.0]["fibroblast_density"], metrics[42.0]["fibroblast_density"]
    d = rel_diff(a, b)
    print(f"fibroblast_density(70): dt 168 h {a:.1f}, dt 42 h {b:.1f} /mm^3, relative difference {100 * d:.1f} %")
    assert a > 0 and b > 0
    assert d < 0.10, f"fibroblast density at 70 differs by {100 * d:.1f} % (limit 10 %)"


def test_senescent_fraction_at_70_independent_of_step(metrics):
    a, b = metrics[168.0]["senescent_fraction"], metrics[42.0]["senescent_fraction"]
    print(f"senescent_fraction(70): dt 168 h {a:.4f}, dt 42 h {b:.4f}, absolute difference {abs(a - b):.4f}")
    assert 0 <= a <= 1 and 0 <= b <= 1
    assert abs(a - b) < 0.05, f"senescent fraction at 70 differs by {abs(a - b):.3f} (limit 0.05)"
