"""The memory-lean build, dermsim-lean (issue 10), against the default build.

dermsim-lean is the same source with every voxel-grid array stored as float32
(include/derm/core/real.h), arithmetic in double, and the cells' matrix deposits made layer
by layer where the matrix kernel reads them (include/derm/core/grid.h DERM_LAYER_DEPOSITS). Checked here, with both binaries:

  - provenance: `--version` names the storage; run.h5 and checkpoint.h5 carry the root
    attribute storage_precision (float64 / float32);
  - memory: `dermsim check` estimates at most 0.6x the default build's bytes for the
    reference tissue and at most 0.5x for configs/patch_1cm.yaml at 2 threads, where the lean
    build also makes the matrix deposits layer by layer instead of holding their arrays (the
    estimate counts every array a run allocates; the measured peaks are in the README);
  - thread identity and restart: a lean run at 2 threads equals it at 1 in every dataset;
    interrupted by SIGTERM at 1 thread and resumed at 2, it equals the uninterrupted run in
    every dataset and root attribute; a lean checkpoint is refused by the default
    build (and the other way round) with one line naming the build to use, never half-used;
  - agreement: the quickstart at six seeds with each build; for every key series at ages 35,
    55 and 75 the two builds' seed means differ by at most 3x the larger of their seed
    standard deviations (plus 1e-4 relative, for series that hardly vary). Rounding the
    stored values to float32 changes each cell's random path, so the runs are other
    realisations of the same model; this bound is what "the same results" can mean for them.
    The validation table with dermsim-lean (every row at both steps) is in the README.

Environment: DERMSIM_BIN (the default build), DERMSIM_LEAN_BIN (dermsim-lean),
DERMSIM_SOURCE_DIR.
"""
import concurrent.futures
import os
import pathlib
import re
import subprocess

import numpy as np
import pytest

import dermsim_runs  # tests/dermsim_runs.py (on PYTHONPATH under ctest)

h5py = pytest.importorskip("h5py")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
QUICKSTART = SOURCE_DIR / "configs" / "quickstart.yaml"
REFERENCE = SOURCE_DIR / "configs" / "reference.yaml"
PATCH = SOURCE_DIR / "configs" / "patch_1cm.yaml"
SEEDS = (1, 2, 3, 4, 5, 6)
AGES = (35.0, 55.0, 75.0)
SERIES = ("collagen_intact_total", "collagen_fragmented_fraction", "age_total", "elastin_functional_total",
          "elastin_elastotic_total", "ha_total", "fibroblast_count", "senescent_fraction", "mmp1_mean", "tgfb_mean",
          "ros_mean", "dermal_thickness", "dermal_water_content", "cutometer_R0", "cutometer_R2", "cutometer_R7")

# a tiny run that writes checkpoints (tests/integration/test_restart.py uses the same shape)
SMALL = """run: {seed: 5, age_start_years: 25, age_end_years: 25.35, dt_hours: 24}
output: {series_interval_days: 1, frame_interval_days: 2, checkpoint_interval_days: 10}
domain: {nx: 6, ny: 6, nz: 6, voxel_um: 20}
schedule:
  sun: {input: uv, dose: 2, from_age: 25, days_per_week: 5, hour_from: 9, hour_to: 17}
  exo: {input: exosome, dose: 1, at_age: 25.15, count: 3, every_days: 21, source: umbilical_cord}
  mn: {input: microneedling, dose: 0.5, at_age: 25.25, depth_um: 100}
"""


def binary(var):
    path = os.environ.get(var, "")
    if not (path and os.access(path, os.X_OK)):
        pytest.skip(f"{var} is not set or does not name an executable")
    return path


@pytest.fixture(scope="module")
def bins():
    return {"default": binary("DERMSIM_BIN"), "lean": binary("DERMSIM_LEAN_BIN")}


def env():  # threads even on the 216-voxel grid below, so that --threads 2 means two threads
    return dict(os.environ, OMP_WAIT_POLICY="PASSIVE", DERMSIM_REPORT_HTML="0", HDF5_USE_FILE_LOCKING="FALSE",
                DERMSIM_VOXELS_PER_THREAD="1")


def run(exe, *args, timeout=600):
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env(),
                          stdin=subprocess.DEVNULL)


def test_version_names_the_storage(bins):
    v = run(bins["lean"], "--version")
    assert v.returncode == 0 and "float32 fields, the lean build" in v.stdout, v.stdout
    v = run(bins["default"], "--version")
    assert v.returncode == 0 and "float64 fields" in v.stdout and "lean" not in v.stdout, v.stdout


def estimate_mib(exe, cfg, *args):
    p = run(exe, "check", cfg, *args)
    m = re.search(r"about (\d+(?:\.\d+)?) (MiB|GiB)", p.stdout + p.stderr)
    assert m, p.stdout + p.stderr
    return float(m.group(1)) * (1024.0 if m.group(2) == "GiB" else 1.0), p


def test_memory_estimate_is_lower(bins):
    lean, p = estimate_mib(bins["lean"], REFERENCE)
    assert p.returncode == 0 and "(float32 fields)" in p.stdout, p.stdout
    full, p = estimate_mib(bins["default"], REFERENCE)
    assert p.returncode == 0 and "(float64 fields)" in p.stdout, p.stdout
    assert lean <= 0.6 * full, (lean, full)
    # the patch is refused on small machines, with the estimate in the message; at 2 threads
    # (the estimate counts run.threads, else every processor) the lean build holds no matrix
    # deposit arrays there: less than half the default build's memory
    lean, _ = estimate_mib(bins["lean"], PATCH, "--set", "run.threads=2")
    full, _ = estimate_mib(bins["default"], PATCH, "--set", "run.threads=2")
    assert lean <= 0.5 * full, (lean, full)


def read_all(path):
    data = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data[name] = obj[()]
        f.visititems(visit)
        attrs = {k: f.attrs[k] for k in f.attrs if k not in ("created_utc", "command_line", "omp_threads",
                                                             "phase_names", "phase_seconds", "phase_steps",
                                                             "peak_memory_bytes")}
    return data, attrs


def interrupt(exe, cfg, out):
    dermsim_runs.signal_after_rows([exe, "run", cfg, "-o", out, "--quiet", "--threads", "1"], out, env(),
                                    checkpoint=True)


def test_lean_files_and_restart(bins, tmp_path):
    cfg = tmp_path / "small.yaml"
    cfg.write_text(SMALL)
    whole = {}
    for kind in ("lean", "default"):
        p = run(bins[kind], "run", cfg, "-o", tmp_path / f"whole_{kind}", "--quiet", "--threads", "1")
        assert p.returncode == 0, p.stderr
        whole[kind] = read_all(tmp_path / f"whole_{kind}" / "run.h5")
    # thread identity: the lean run at 2 threads equals it at 1
    p = run(bins["lean"], "run", cfg, "-o", tmp_path / "whole_lean2", "--quiet", "--threads", "2")
    assert p.returncode == 0, p.stderr
    with h5py.File(tmp_path / "whole_lean2" / "run.h5", "r") as f:
        assert f.attrs["omp_threads"] == 2
    two = read_all(tmp_path / "whole_lean2" / "run.h5")
    assert sorted(two[0]) == sorted(whole["lean"][0])
    for name, ref in whole["lean"][0].items():
        assert np.array_equal(two[0][name], ref), name
    assert whole["lean"][1]["storage_precision"] == "float32"
    assert whole["default"][1]["storage_precision"] == "float64"
    # the fields differ (float32 state), the layout does not
    assert sorted(whole["lean"][0]) == sorted(whole["default"][0])
    assert not np.array_equal(whole["lean"][0]["collagen_intact_total"], whole["default"][0]["collagen_intact_total"])
    # a lean run interrupted and resumed equals the uninterrupted lean run
    out = tmp_path / "lean_t"
    interrupt(bins["lean"], cfg, out)
    with h5py.File(out / "checkpoint.h5", "r") as f:
        assert f.attrs["storage_precision"] == "float32"
        assert f["collagen_intact"].dtype == np.float32 and f["signals.coarse"].dtype == np.float32
    # the other build refuses it in one line, and leaves it as it was
    before = (out / "checkpoint.h5").read_bytes()
    p = run(bins["default"], "resume", out, "--quiet")
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 1, p.stderr
    assert "float32" in p.stderr and "dermsim-lean" in p.stderr, p.stderr
    assert (out / "checkpoint.h5").read_bytes() == before and not (out / "run.h5").exists()
    p = run(bins["lean"], "resume", out, "--quiet", "--threads", "2")
    assert p.returncode == 0, p.stderr
    got = read_all(out / "run.h5")
    assert sorted(got[0]) == sorted(whole["lean"][0])
    for name, ref in whole["lean"][0].items():
        assert np.array_equal(got[0][name], ref), name
    assert got[1] == whole["lean"][1]
    # and a default checkpoint is refused by the lean build
    out = tmp_path / "default_t"
    interrupt(bins["default"], cfg, out)
    p = run(bins["lean"], "resume", out, "--quiet")
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 1, p.stderr
    assert "float64" in p.stderr and "default build" in p.stderr, p.stderr


@pytest.fixture(scope="module")
def quickstarts(bins, tmp_path_factory):
    d = tmp_path_factory.mktemp("lean_quickstart")
    jobs = [(kind, seed) for seed in SEEDS for kind in ("default", "lean")]

    def one(job):
        kind, seed = job
        out = d / f"{kind}_{seed}"
        p = run(bins[kind], "run", QUICKSTART, "-o", out, "--quiet", "--threads", "1", "--set", f"run.seed={seed}",
                timeout=900)
        assert p.returncode == 0, p.stderr
        with h5py.File(out / "run.h5", "r") as f:
            age = f["age_years"][()]
            rows = [int(np.argmin(np.abs(age - a))) for a in AGES]
            return job, {s: f[s][()][rows] for s in SERIES}

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, jobs))


def test_agrees_with_the_default_build(quickstarts):
    lines, bad = [], []
    for s in SERIES:
        D = np.array([quickstarts[("default", k)][s] for k in SEEDS])
        L = np.array([quickstarts[("lean", k)][s] for k in SEEDS])
        md, ml = D.mean(axis=0), L.mean(axis=0)
        bound = 3.0 * np.maximum(D.std(axis=0, ddof=1), L.std(axis=0, ddof=1)) + 1e-4 * np.abs(md)
        for j, a in enumerate(AGES):
            ok = abs(ml[j] - md[j]) <= bound[j]
            lines.append(f"{s:30s} age {a:4.0f}: default {md[j]:.6g}  lean {ml[j]:.6g}  "
                         f"|diff| {abs(ml[j] - md[j]):.3g} <= {bound[j]:.3g} {'ok' if ok else 'MISS'}")
            if not ok:
                bad.append(lines[-1])
    print("\n" + "\n".join(lines))
    assert not bad, "\n".join(bad)
