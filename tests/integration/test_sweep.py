"""`dermsim sweep plan|run|collect` end to end on small sweeps (tests/configs/sweeps/).

Covers: re-planning gives a byte-identical runs.csv; every broken sweep file in
tests/configs/sweeps/broken/ (first line "# expect: <regex>") exits 2 with one
"dermsim: FILE:LINE:COL: ..." line and writes nothing; `sweep run -j2` runs every row into
runs/<id>/ (run.h5, report.md, resolved.yaml, status) with the planned seed and swept
values; resume after SIGTERM (finished runs untouched, interrupted and pending ones redone)
and after a run is marked incomplete; failure isolation (one run cannot write its run.h5:
status failed with exit code and last error, the others ok, exit 1, retried next time);
`--index I` gives the same data as row I of a local `sweep run`; `sweep collect` against
endpoints recomputed from the series with h5py/numpy; usage errors.

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR (set by ctest).
"""
import csv
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pandas as pd
import pytest

from dermsim_runs import waiting_env  # tests/dermsim_runs.py (on PYTHONPATH under ctest)

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
SWEEPS = SOURCE_DIR / "tests" / "configs" / "sweeps"
BROKEN = sorted((SWEEPS / "broken").glob("*.yaml"))
EXPECT_RE = re.compile(r"^# expect: (.+)$")


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def dermsim(*args, timeout=300, check=None):
    # dermsim's own OpenMP waiting (test_run_writes_every_run checks what the runs got)
    env = waiting_env(os.environ, HDF5_USE_FILE_LOCKING="FALSE")
    p = subprocess.run([dermsim_bin(), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=env)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}, expected {check}:\n{p.stdout}\n{p.stderr}"
    return p


def plan(sweep, outdir, check=0):
    return dermsim("sweep", "plan", sweep, "-o", outdir, check=check)


def read_runs(d):
    with open(d / "runs.csv", newline="") as f:
        return list(csv.DictReader(f))


def status_of(d, run_id):
    p = d / "runs" / run_id / "status"
    if not p.exists():
        return {}
    return dict(line.split("=", 1) for line in p.read_text().splitlines() if "=" in line)


def completed(h5):
    with h5py.File(h5, "r") as f:
        return int(np.asarray(f.attrs["completed"]).ravel()[0])


def write_sweep(tmp_path, name, body):
    p = tmp_path / name
    p.write_text(f"base: {SWEEPS / 'tiny_base.yaml'}\n" + body)
    return p


# ---- plan --------------------------------------------------------------------------------

def test_plan_is_deterministic(tmp_path):
    for name in ("grid_small.yaml", "lhs_small.yaml", "morris_small.yaml"):
        a, b = tmp_path / f"a_{name}", tmp_path / f"b_{name}"
        out = plan(SWEEPS / name, a).stdout
        plan(SWEEPS / name, b)
        assert (a / "runs.csv").read_bytes() == (b / "runs.csv").read_bytes(), name
        assert re.search(r"^\d+ runs \(\d+ design points x \d+ replicates, \w+\) in .*; estimated [0-9.e+-]+ "
                         r"core-hours$", out.strip()), out
        # re-planning into the same directory keeps it identical too
        plan(SWEEPS / name, a)
        assert (a / "runs.csv").read_bytes() == (b / "runs.csv").read_bytes()
        assert (a / "base.yaml").read_text() == (SWEEPS / "tiny_base.yaml").read_text()
        assert (a / "sweep.yaml").read_text() == (SWEEPS / name).read_text()
    rows = read_runs(tmp_path / "a_grid_small.yaml")
    assert len(rows) == 12 and len({r["seed"] for r in rows}) == 12
    assert list(rows[0]) == ["run_id", "point", "replicate", "seed", "subject.glucose_mM",
                             "fibroblast.lifespan_years"]
    assert [r["subject.glucose_mM"] for r in rows[::2]] == ["5", "5", "10", "10", "20", "20"]


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_sweep_file(tmp_path, path):
    m = EXPECT_RE.match(path.read_text().split("\n", 1)[0])
    assert m, f"{path.name}: first line must be '# expect: <regex>'"
    out = tmp_path / "out"
    p = plan(path, out, check=2)
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"dermsim: {path}:"), lines[0]
    assert re.search(r"^dermsim: [^:]+:\d+:\d+: ", lines[0]), lines[0]
    assert re.search(m.group(1), lines[0]), f"{lines[0]!r} does not match {m.group(1)!r}"
    assert p.stdout == ""
    assert not out.exists()


def test_plan_refuses_dir_with_other_results(tmp_path):
    d = tmp_path / "s"
    plan(SWEEPS / "lhs_small.yaml", d)
    dermsim("sweep", "run", d, "--index", "0", check=0)
    p = plan(SWEEPS / "grid_small.yaml", d, check=2)
    assert "already holds results of a different plan" in p.stderr
    plan(SWEEPS / "lhs_small.yaml", d)  # the same plan again is fine


def test_plan_keeps_the_users_files(tmp_path):
    """Files with a plan's names in a directory that holds no plan are the user's: refused,
    kept as they were; a plan's own directory may be planned again (above)."""
    for name in ("base.yaml", "runs.csv", "plan.txt", "sweep.yaml", "factors.csv"):
        d = tmp_path / name.replace(".", "_")
        d.mkdir()
        (d / name).write_text("mine\n")
        p = plan(SWEEPS / "grid_small.yaml", d, check=2)
        assert f"already holds {name}, not a sweep plan's (no plan.txt of dermsim's)" in p.stderr, p.stderr
        assert len(p.stderr.splitlines()) == 1 and (d / name).read_text() == "mine\n"
        assert sorted(x.name for x in d.iterdir()) == [name]
    # a directory planned by an earlier dermsim (no plan.txt) with the same plan: planned again
    d = tmp_path / "earlier"
    plan(SWEEPS / "grid_small.yaml", d)
    (d / "plan.txt").unlink()
    plan(SWEEPS / "grid_small.yaml", d)
    assert (d / "plan.txt").read_text().startswith("# dermsim sweep plan:")


def test_usage_errors(tmp_path):
    d = tmp_path / "s"
    plan(SWEEPS / "lhs_small.yaml", d)
    for args in (["sweep"], ["sweep", "frob"], ["sweep", "run"], ["sweep", "plan", SWEEPS / "lhs_small.yaml"],
                 ["sweep", "run", d, "-j", "0"], ["sweep", "run", d, "--index", "x"],
                 ["sweep", "run", d, "--index", "6"], ["sweep", "run", tmp_path / "nothing"],
                 ["sweep", "collect", tmp_path / "nothing"], ["sweep", "run", d, "--bogus"]):
        p = dermsim(*args)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert len(p.stderr.splitlines()) == 1 and p.stderr.startswith("dermsim: "), (args, p.stderr)
    assert not (d / "runs" / "p0000_r0").exists()


# ---- run and collect ---------------------------------------------------------------------

def series(h5):
    with h5py.File(h5, "r") as f:
        return {k: f[k][()] for k in f if f[k].ndim == 1 and f[k].dtype.kind == "f" and k not in ("x", "y", "z")}


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("grid") / "sweep"
    plan(SWEEPS / "grid_small.yaml", d)
    p = dermsim("sweep", "run", d, "-j", "2", check=0)
    assert p.stderr == "" and p.stdout == "", "sweep run must be quiet when not on a terminal"
    dermsim("sweep", "collect", d, check=0)
    return d


def test_run_writes_every_run(grid_run):
    rows = read_runs(grid_run)
    for r in rows:
        rd = grid_run / "runs" / r["run_id"]
        for name in ("run.h5", "report.md", "resolved.yaml", "status", "stderr.log"):
            assert (rd / name).exists(), f"{rd}/{name}"
        st = status_of(grid_run, r["run_id"])
        assert st["status"] == "ok" and st["exit_code"] == "0" and st["last_error"] == "", st
        assert float(st["wall_s"]) > 0
        with h5py.File(rd / "run.h5", "r") as f:
            assert int(np.asarray(f.attrs["completed"]).ravel()[0]) == 1
            assert int(np.asarray(f.attrs["seed"]).ravel()[0]) == int(r["seed"])
            cmd = f.attrs["command_line"]
            cmd = cmd.decode() if isinstance(cmd, bytes) else str(cmd)
            policy = f.attrs["omp_wait_policy"]
            policy = policy.decode() if isinstance(policy, bytes) else str(policy)
        # concurrent runs wait strictly passively: no spin before sleeping (main.c)
        assert policy == "PASSIVE", policy
        assert f"--set subject.glucose_mM={r['subject.glucose_mM']}" in cmd
        assert f"--set fibroblast.lifespan_years={r['fibroblast.lifespan_years']}" in cmd
        assert "--set run.age_end_years=31" in cmd  # the sweep's fixed `set:`
        resolved = (rd / "resolved.yaml").read_text()
        assert re.search(r"glucose_mM: %s\.0\b" % r["subject.glucose_mM"], resolved)


def expected_endpoints(h5):
    with h5py.File(h5, "r") as f:
        age = f["age_years"][()]
        col, sen = f["collagen_total"][()], f["senescent_fraction"][()]
        ages, fib = f["age_crosslinks_mean"][()], f["fibroblast_density"][()]
    rel = col / np.interp(25.0, age, col)
    # first crossing of 0.99 after age 25, linear between rows
    cross = np.nan
    for i in range(1, len(age)):
        if rel[i] <= 0.99 < rel[i - 1] or (rel[i] <= 0.99 and i == 1 and rel[0] > 0.99):
            cross = age[i - 1] + (0.99 - rel[i - 1]) / (rel[i] - rel[i - 1]) * (age[i] - age[i - 1])
            break
    return {"collagen_30_rel25": np.interp(30.0, age, col) / np.interp(25.0, age, col),
            "age_30": np.interp(30.0, age, ages), "sen_final": sen[-1],
            "fib_density_30": np.interp(30.0, age, fib), "age_to_1pct_loss": cross}


def test_collect_matches_h5(grid_run):
    df = pd.read_csv(grid_run / "summary.csv")
    assert list(df.columns) == ["run_id", "point", "replicate", "seed", "subject.glucose_mM",
                                "fibroblast.lifespan_years", "status", "error", "collagen_30_rel25", "age_30", "sen_final",
                                "fib_density_30", "age_to_1pct_loss"]
    assert len(df) == 12 and (df.status == "ok").all()
    runs = pd.read_csv(grid_run / "runs.csv")
    pd.testing.assert_frame_equal(df[runs.columns], runs)
    for _, r in df.iterrows():
        exp = expected_endpoints(grid_run / "runs" / r.run_id / "run.h5")
        for k, v in exp.items():
            if np.isnan(v):
                assert np.isnan(r[k]), (r.run_id, k, r[k])
            else:
                assert r[k] == pytest.approx(v, rel=1e-12, abs=1e-15), (r.run_id, k)
    # AGE cross-links rise with glucose: the swept value reached the model
    m = df.groupby("subject.glucose_mM")["age_30"].mean()
    assert m.loc[5] < m.loc[10] < m.loc[20]


def test_index_equals_local_run(grid_run, tmp_path):
    d = tmp_path / "byindex"
    plan(SWEEPS / "grid_small.yaml", d)
    dermsim("sweep", "run", d, "--index", "7", check=0)
    made = sorted(p.name for p in (d / "runs").iterdir())
    assert made == ["p0003_r1"], made
    a, b = series(d / "runs" / "p0003_r1" / "run.h5"), series(grid_run / "runs" / "p0003_r1" / "run.h5")
    assert a.keys() == b.keys() and len(a) > 20
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    # a finished row is not run again
    before = (d / "runs" / "p0003_r1" / "run.h5").stat().st_mtime_ns
    dermsim("sweep", "run", d, "--index", "7", check=0)
    assert (d / "runs" / "p0003_r1" / "run.h5").stat().st_mtime_ns == before


@pytest.mark.ci_may_skip("SIGTERM can only be sent while a run is in flight; a sweep that finishes first cannot test it")
def test_resume_after_sigterm(tmp_path):
    s = write_sweep(tmp_path, "resume.yaml",
                    "set: {run.age_end_years: 55, run.dt_hours: 168}\ndesign: grid\n"
                    "parameters:\n  subject.glucose_mM: [4, 5, 6, 7, 8, 9]\n")
    d = tmp_path / "s"
    plan(s, d)
    # one thread per run: OpenMP barriers spin badly on a loaded 2-core machine
    env = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE", OMP_NUM_THREADS="1")
    proc = subprocess.Popen([dermsim_bin(), "sweep", "run", str(d), "-j", "1"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    ids = [r["run_id"] for r in read_runs(d)]
    t0 = time.time()
    while time.time() - t0 < 600:
        done = [i for i in ids if status_of(d, i).get("status") == "ok"]
        running = [i for i in ids if status_of(d, i).get("status") == "running"]
        # interrupt a run that is writing (past its start-up): it checkpoints on SIGTERM
        if len(done) >= 2 and running and (d / "runs" / running[0] / "run.partial.h5").exists():
            break
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    if len(done) == len(ids):
        pytest.skip("the sweep finished before it could be interrupted")
    assert proc.returncode == 130, (proc.returncode, err)
    assert "interrupted" in err and len(err.splitlines()) == 1, err
    states = {i: status_of(d, i).get("status", "pending") for i in ids}
    ok = [i for i in ids if states[i] == "ok"]
    assert len(ok) >= 2, states
    interrupted = [i for i in ids if states[i] == "interrupted"]
    # normally the run in flight is marked interrupted; if SIGTERM fell between two runs,
    # there is none, but then rows are still pending
    assert interrupted or [i for i in ids if states[i] == "pending"], states
    assert not [i for i in ids if states[i] in ("running", "failed")], states
    for i in interrupted:
        h5 = d / "runs" / i / "run.h5"
        assert not h5.exists() or completed(h5) == 0
    mtimes = {i: (d / "runs" / i / "run.h5").stat().st_mtime_ns for i in ok}
    checkpointed = [i for i in interrupted if (d / "runs" / i / "checkpoint.h5").exists()]
    assert checkpointed == interrupted, "SIGTERM leaves a checkpoint in every interrupted row"
    p = dermsim("sweep", "run", d, "-j", "2", check=0)
    for i in ids:
        assert status_of(d, i)["status"] == "ok"
        assert completed(d / "runs" / i / "run.h5") == 1
        assert not (d / "runs" / i / "checkpoint.h5").exists()
    for i in checkpointed:  # resumed from their checkpoints, not started again
        assert status_of(d, i)["started"] == "resume", i
    for i in ok:  # finished runs were not redone
        assert (d / "runs" / i / "run.h5").stat().st_mtime_ns == mtimes[i], i

    # a run whose file says completed = 0 (killed hard, say) is redone; the others are not
    victim = ids[-1]
    with h5py.File(d / "runs" / victim / "run.h5", "r+") as f:
        f.attrs.modify("completed", np.int32(0))
    mtimes = {i: (d / "runs" / i / "run.h5").stat().st_mtime_ns for i in ids}
    dermsim("sweep", "run", d, check=0)
    for i in ids:
        changed = (d / "runs" / i / "run.h5").stat().st_mtime_ns != mtimes[i]
        assert changed == (i == victim), i
    assert completed(d / "runs" / victim / "run.h5") == 1


def test_failure_is_isolated_and_retried(tmp_path):
    s = write_sweep(tmp_path, "fail.yaml",
                    "design: grid\nreplicates: 2\nparameters:\n  subject.glucose_mM: [5, 9]\n"
                    "endpoints:\n  - {name: age_30, variable: age_crosslinks_mean, at_age: 30}\n")
    d = tmp_path / "s"
    plan(s, d)
    bad = "p0001_r0"
    (d / "runs" / bad / "run.h5").mkdir(parents=True)  # its run file cannot be created
    p = dermsim("sweep", "run", d, "-j", "2", check=1)
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and re.match(r"dermsim: sweep: 1 of 4 runs failed \(first p0001_r0: exit 1: .+\)", lines[0]), \
        p.stderr
    st = status_of(d, bad)
    assert st["status"] == "failed" and st["exit_code"] == "1" and "run.h5" in st["last_error"], st
    for r in read_runs(d):
        if r["run_id"] != bad:
            assert status_of(d, r["run_id"])["status"] == "ok"
    dermsim("sweep", "collect", d, check=0)
    df = pd.read_csv(d / "summary.csv", index_col="run_id")
    assert df.loc[bad, "status"] == "failed" and np.isnan(df.loc[bad, "age_30"])
    assert (df.drop(bad).status == "ok").all() and df.drop(bad).age_30.notna().all()
    # fixed: the next `sweep run` retries only the failed run
    (d / "runs" / bad / "run.h5").rmdir()
    others = {r["run_id"]: (d / "runs" / r["run_id"] / "run.h5").stat().st_mtime_ns
              for r in read_runs(d) if r["run_id"] != bad}
    dermsim("sweep", "run", d, check=0)
    assert status_of(d, bad)["status"] == "ok"
    for i, t in others.items():
        assert (d / "runs" / i / "run.h5").stat().st_mtime_ns == t


def test_a_run_put_in_a_row_is_not_its_result(tmp_path):
    """A sound, completed run.h5 of another row (another seed and value) copied into a row's
    directory: collect reports it `foreign`, without its endpoints; sweep run makes the row."""
    s = write_sweep(tmp_path, "foreign.yaml",
                    "design: grid\nparameters:\n  subject.glucose_mM: [5, 9]\n"
                    "endpoints:\n  - {name: age_30, variable: age_crosslinks_mean, at_age: 30}\n")
    d = tmp_path / "s"
    plan(s, d)
    dermsim("sweep", "run", d, "-j", "2", check=0)
    rows = [r["run_id"] for r in read_runs(d)]
    (d / "runs" / rows[0] / "run.h5").write_bytes((d / "runs" / rows[1] / "run.h5").read_bytes())
    dermsim("sweep", "collect", d, check=0)
    df = pd.read_csv(d / "summary.csv", index_col="run_id")
    assert df.loc[rows[0], "status"] == "foreign" and np.isnan(df.loc[rows[0], "age_30"])
    assert "run.h5 is not this row's run" in df.loc[rows[0], "error"] and "seed" in df.loc[rows[0], "error"]
    assert df.loc[rows[1], "status"] == "ok"
    dermsim("sweep", "run", d, check=0)
    dermsim("sweep", "collect", d, check=0)
    df = pd.read_csv(d / "summary.csv", index_col="run_id")
    assert (df.status == "ok").all() and df.loc[rows[0], "age_30"] != df.loc[rows[1], "age_30"]


def test_collect_before_and_during(tmp_path):
    d = tmp_path / "s"
    plan(SWEEPS / "morris_small.yaml", d)
    dermsim("sweep", "collect", d, check=0)
    df = pd.read_csv(d / "summary.csv")
    assert len(df) == 12 and (df.status == "pending").all() and df.collagen_30_rel25.isna().all()
    dermsim("sweep", "run", d, "--index", "3", check=0)
    dermsim("sweep", "collect", d, check=0)
    df = pd.read_csv(d / "summary.csv")
    assert df.status.tolist().count("ok") == 1 and df.loc[3, "status"] == "ok"
    assert np.isfinite(df.loc[3, ["collagen_30_rel25", "age_30", "frag_30"]].astype(float)).all()


def test_examples_plan(tmp_path):
    """configs/sweeps/: the Morris screening and the UV x glucose grid (which sweeps the dose
    of a schedule entry added through `set:`) both plan."""
    ex = SOURCE_DIR / "configs" / "sweeps"
    out = plan(ex / "morris_rates.yaml", tmp_path / "morris").stdout
    assert out.startswith("90 runs (90 design points x 1 replicates, morris)"), out
    rows = read_runs(tmp_path / "morris")
    assert len(rows[0]) == 4 + 8
    p = plan(ex / "uv_glucose.yaml", tmp_path / "uv", check=None)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("36 runs (12 design points x 3 replicates, grid)"), p.stdout
    rows = read_runs(tmp_path / "uv")
    assert list(rows[0].keys())[4:] == ["subject.glucose_mM", "schedule.sun.dose"]


# ---- safe under clusters (issue 12) -------------------------------------------------------------


def test_concurrent_index_never_loses_the_row(tmp_path):
    """Two `sweep run --index 0` at once (a resubmitted array task), five times: the row is
    run once, completes and verifies; the second process leaves it to the first (exit 0)."""
    s = write_sweep(tmp_path, "c.yaml", "set: {run.age_end_years: 27}\ndesign: grid\n"
                                        "parameters:\n  subject.glucose_mM: [5]\n")
    env = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE", OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    left_to_other = 0
    for trial in range(5):
        d = tmp_path / f"t{trial}"
        plan(s, d)
        procs = [subprocess.Popen([dermsim_bin(), "sweep", "run", str(d), "--index", "0"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        for p, (_, err) in zip(procs, outs):
            assert p.returncode == 0, (trial, err)
        left_to_other += sum("left to the process running them" in err for _, err in outs)
        h5 = d / "runs" / "p0000_r0" / "run.h5"
        assert status_of(d, "p0000_r0")["status"] == "ok", trial
        assert completed(h5) == 1
        assert dermsim("info", h5, "--verify").returncode == 0
        assert not (d / "runs" / "p0000_r0" / "row.lock").exists()
    print(f"concurrent --index: 5 trials, row kept every time; the second process found the row "
          f"in progress {left_to_other} time(s)")


def test_edited_base_is_refused(tmp_path):
    d = tmp_path / "s"
    plan(SWEEPS / "grid_small.yaml", d)
    with open(d / "base.yaml", "a") as f:
        f.write("subject: {sex: male}\n")
    for args in (("sweep", "run", d), ("sweep", "run", d, "--index", "1"), ("sweep", "collect", d)):
        p = dermsim(*args, check=2)
        assert "base.yaml changed after the sweep was planned" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr
    assert not (d / "summary.csv").exists() and not (d / "runs" / "p0000_r0").exists()


def test_sampled_schedule_integers_and_endless_input(tmp_path):
    """An integer schedule key (an entry's count) sampled by lhs is rounded to whole numbers
    as an integer parameter is (it was refused: '2.79...' is not an integer); a sweep file
    without end (/dev/zero) is refused, not read until memory runs out."""
    sw = write_sweep(tmp_path, "count.yaml",
                     "set: {schedule.exo.input: exosome, schedule.exo.dose: 1, schedule.exo.at_age: 26,\n"
                     "      schedule.exo.every_days: 7}\n"
                     "design: lhs\nsamples: 5\nparameters:\n  schedule.exo.count: {min: 1, max: 5}\n")
    plan(sw, tmp_path / "c", check=0)
    counts = [r["schedule.exo.count"] for r in read_runs(tmp_path / "c")]
    assert len(counts) == 5 and all(re.fullmatch(r"[1-5]", c) for c in counts), counts
    if os.path.exists("/dev/zero"):
        p = plan("/dev/zero", tmp_path / "z", check=2)
        assert "more than 64 MiB" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr
