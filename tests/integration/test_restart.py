"""Crash consistency and restart (issue 12), end to end with the binary.

- Kill test: a small run with every exposure and treatment on, frames every other step and a
  checkpoint every ten steps, is SIGKILLed at KILLS (default 50, env DERM_KILLS) random
  moments (four in five while its run file is written, one in five from the start of the
  process); it fails if fewer than half of them land after the first row was written. Every left-over run file is read completely with h5py (every dataset, every
  attribute), `dermsim info --verify` must accept it, and every complete row and frame in it
  must equal the same row and frame of an uninterrupted run bit for bit (0 corrupted earlier
  frames). Where a checkpoint was left (one kill in three), `dermsim resume` must finish the
  run into a run.h5 equal to the uninterrupted one (every dataset). The figures are printed and written to
  kill_test_summary.txt in the working directory.
- Restart equality: killed at 1 thread and resumed at 2, killed at 2 and resumed at 1, and
  interrupted by SIGTERM and resumed: every dataset equals the uninterrupted run's, and the
  root attributes too except created_utc and command_line.
- Resume refuses what it cannot do: no checkpoint (exit 2), a checkpoint of another build
  (exit 2), a damaged checkpoint (exit 1); a completed run is not resumed.

Environment: DERMSIM_BIN, DERM_KILLS.
"""
import os
import pathlib
import random
import signal
import subprocess
import time

import numpy as np
import pytest

import dermsim_runs  # tests/dermsim_runs.py (on PYTHONPATH under ctest)

h5py = pytest.importorskip("h5py")

BIN = os.environ.get("DERMSIM_BIN", "")
KILLS = int(os.environ.get("DERM_KILLS", "50"))

SCHEDULE = """schedule:
  sun: {input: uv, dose: 2, from_age: 25, days_per_week: 5, hour_from: 9, hour_to: 17, season_amplitude: 0.6}
  spf: {input: sunscreen, dose: 10, from_age: 25.2}
  glu: {input: glucose, dose: 9, from_age: 25.1}
  cig: {input: smoking, dose: 10, from_age: 25}
  air: {input: pollution, dose: 1, from_age: 25}
  exo: {input: exosome, dose: 1, at_age: 25.15, count: 3, every_days: 21, source: umbilical_cord}
  cm: {input: conditioned_medium, dose: 1, at_age: 25.25, route: topical, source: amnion}
  prp: {input: growth_factor, dose: 1, at_age: 25.3}
  mn: {input: microneedling, dose: 0.5, at_age: 25.25, depth_um: 100}
"""

# The run starts at subject.young_adult_age_years (25, the default): no history phase (the years
# from 25 to a later start are simulated without output), so the kills land while rows and
# frames are written; a run started later spent its whole time in the history and the kill
# test checked no killed output at all.
CONFIG = """run: {seed: 5, age_start_years: 25, age_end_years: 25.35, dt_hours: 24}
output: {series_interval_days: 1, frame_interval_days: 2, checkpoint_interval_days: 10}
domain: {nx: 6, ny: 6, nz: 6, voxel_um: 20}
""" + SCHEDULE

SKIP_ATTRS = {"created_utc", "command_line", "omp_threads",  # provenance of the start
              "phase_names", "phase_seconds", "phase_steps",  # wall times of the last process
              "peak_memory_bytes"}  # and its memory


def need_bin():
    if not (BIN and os.access(BIN, os.X_OK)):
        pytest.skip("DERMSIM_BIN not set")


def env():  # report.html (python, ~13 s) is not what is tested here; the threads asked for on the 216-voxel grid
    return dict(os.environ, OMP_WAIT_POLICY="PASSIVE", DERMSIM_REPORT_HTML="0", DERMSIM_VOXELS_PER_THREAD="1")


def start(cfg, out, *extra):
    return subprocess.Popen([BIN, "run", str(cfg), "-o", str(out), "--quiet", *extra], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())


def dermsim(*args, timeout=300):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env(),
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    need_bin()
    d = tmp_path_factory.mktemp("ref")
    cfg = d / "restart.yaml"
    cfg.write_text(CONFIG)
    t0 = time.monotonic()
    proc, t_file = start(cfg, d / "ref", "--threads", "1"), None
    while proc.poll() is None:  # when the run file appears: the rest is the time spent writing it
        if t_file is None and (d / "ref" / "run.partial.h5").exists():
            t_file = time.monotonic()
        time.sleep(0.002)
    _, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    t1 = time.monotonic()
    return {"cfg": cfg, "h5": d / "ref" / "run.h5", "seconds": t1 - t0, "writing": t1 - (t_file or t0)}


def read_all(path):
    """Every dataset and root attribute of a file, read completely."""
    data, attrs = {}, {}
    with h5py.File(path, "r") as f:
        for k, v in f.attrs.items():
            attrs[k] = v
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data[name] = obj[()]
                for a in obj.attrs.values():  # attributes of every dataset, too
                    np.asarray(a)
        f.visititems(visit)
    return data, attrs


def assert_same_run(a, b):
    da, aa = read_all(a)
    db, ab = read_all(b)
    assert sorted(da) == sorted(db)
    for k in da:
        assert da[k].dtype == db[k].dtype and da[k].shape == db[k].shape, k
        assert np.array_equal(da[k], db[k]), f"dataset {k} differs"
    def norm(k, v):  # run.threads is recorded in the resolved config; results do not depend on it
        if k == "config_resolved":
            return "\n".join(l for l in str(v).splitlines() if not l.lstrip().startswith("threads:"))
        return np.asarray(v)
    for k in set(aa) | set(ab):
        if k not in SKIP_ATTRS:
            assert np.array_equal(norm(k, aa.get(k)), norm(k, ab.get(k))), f"attribute {k} differs"


def axis_of(v, name):
    """The growing dimension a dataset is appended along (time, frame or agent), else None."""
    if name == "time":
        return "time"
    if len(v.dims[0]):
        return v.dims[0][0].name.lstrip("/")
    return None


def check_prefix(left, ref, summary):
    """Complete rows and frames of a left-over file equal the reference's, bit for bit."""
    rows, frames = summary["rows"], summary["frames"]
    with h5py.File(left, "r") as f, h5py.File(ref, "r") as g:
        agents = int(np.sum(g["agent_count"][:frames]))
        checked = 0
        for k, v in f.items():
            if k in ("frame", "agent"):
                continue  # pure dimensions: no data
            n = {"time": rows, "frame": frames, "agent": agents}.get(axis_of(v, k))
            if n is None:
                assert np.array_equal(v[()], g[k][()]), k  # x, y, z
                continue
            assert v.shape[0] >= n, (k, v.shape, n)
            if not np.array_equal(v[:n], g[k][:n]):
                raise AssertionError(f"{left}: {k}: the complete rows/frames differ from the reference")
            checked += 1
        assert checked > 100


def summary_of(path):
    p = dermsim("info", path, "--verify")
    assert p.returncode == 0, f"info --verify refused {path}: {p.stderr}"
    import re
    m = re.search(r"completed:\s*(yes|NO - incomplete run \((\d+) complete rows, (\d+) frames)", p.stdout)
    assert m, p.stdout
    trailing = int("an unfinished row or frame at the end is not counted" in p.stdout)
    if m.group(1) == "yes":
        with h5py.File(path, "r") as f:
            return {"rows": f["time"].shape[0], "frames": f["frame_time"].shape[0], "trailing": 0}
    return {"rows": int(m.group(2)), "frames": int(m.group(3)), "trailing": trailing}


def undo(path):
    """A copy of run file `path` with its undo log (PATH.undo, io/h5file.c) restored, as resume
    restores it: the complete records, newest first. Returns the copy's path."""
    import shutil
    import struct
    import zlib
    log = pathlib.Path(str(path) + ".undo").read_bytes()
    recs, o = [], 0
    while o + 24 <= len(log):
        magic, addr, n = struct.unpack_from("<IQQ", log, o)
        if magic != 0x314E5544 or n > len(log) - o - 24:
            break
        (crc,) = struct.unpack_from("<I", log, o + 20 + n)
        if crc != zlib.crc32(log[o + 4:o + 20 + n]):
            break
        recs.append((addr, log[o + 20:o + 20 + n]))
        o += 24 + n
    copy = path.parent.parent / (path.parent.name + "_undone.h5")  # not in the run directory
    shutil.copy(path, copy)
    with open(copy, "r+b") as f:
        for addr, data in reversed(recs):
            f.seek(addr)
            f.write(data)
    return copy


def restore_undo(part):
    """Restore and remove the undo log a kill mid-flush left beside run file `part`, as
    resume would, so that a test can damage the file itself and knows what resume sees."""
    log = pathlib.Path(str(part) + ".undo")
    if log.exists():
        undo(part).replace(part)
        log.unlink()


def test_kill_test(reference, tmp_path):
    """>= 50 SIGKILLs at random moments: 0 unreadable files, 0 corrupted complete frames, and
    every run with a checkpoint resumes to the uninterrupted result."""
    rng = random.Random(20261202)
    T = max(reference["seconds"], 0.3)
    W = max(reference["writing"], 0.3)  # at 1 thread; a 2-thread run can take longer to set up
    stats = {"kills": 0, "files": 0, "rows": 0, "frames": 0, "before_file": 0, "finished_first": 0,
             "resumed": 0, "checkpoints": 0, "corrupted": 0, "in_output": 0, "trailing": 0, "undone": 0}
    i = 0
    while stats["kills"] < KILLS and i < 4 * KILLS:  # until KILLS kills landed inside a run
        i += 1
        out = tmp_path / f"k{i}"
        proc = start(reference["cfg"], out, "--threads", str(1 + i % 2))
        t0 = time.monotonic()
        if i % 5:  # four kills in five at a random moment while the run file is written
            while proc.poll() is None and not (out / "run.partial.h5").exists() and time.monotonic() - t0 < 10 * T:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.9) * W)
        else:  # one in five at any moment, from the start of the process
            time.sleep(rng.uniform(0.02, 0.95) * T)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
            stats["kills"] += 1
        else:  # the machine got quicker than the reference run: aim earlier from now on
            T, W = max(0.8 * T, 0.05), max(0.8 * W, 0.05)
        proc.communicate()
        part = out / "run.partial.h5"
        left = part if part.exists() else out / "run.h5"
        if not left.exists():
            stats["before_file"] += 1  # killed before the run file existed: nothing to lose
            assert not list(out.glob("*.h5")) if out.exists() else True
            continue
        if left.name == "run.h5":
            stats["finished_first"] += 1
        stats["files"] += 1
        if pathlib.Path(str(left) + ".undo").exists():  # killed mid-flush: what resume restores
            stats["undone"] += 1
            left = undo(left)
        read_all(left)  # every dataset and attribute reads completely
        s = summary_of(left)
        if killed and (s["rows"] > 0 or s["frames"] > 0):
            stats["in_output"] += 1  # the kill landed after the first row was written
        stats["trailing"] += s["trailing"]
        stats["rows"] += s["rows"]
        stats["frames"] += s["frames"]
        check_prefix(left, reference["h5"], s)
        if (out / "checkpoint.h5").exists() and i % 3 == 0:  # every third: resume and compare
            stats["checkpoints"] += 1
            p = dermsim("resume", out, "--quiet", "--threads", str(2 - i % 2))
            assert p.returncode == 0, p.stderr
            assert_same_run(out / "run.h5", reference["h5"])
            stats["resumed"] += 1
    line = ("kill test: {kills} SIGKILLs, {in_output} of them after the first row was written, {files} left-over run files read completely and verified "
            "({rows} complete rows, {frames} complete frames checked against the uninterrupted run: "
            "{corrupted} corrupted; {trailing} with an unfinished row or frame at the end, {undone} restored from "
            "their undo log first), {before_file} killed before the file existed, {finished_first} "
            "finished first; {resumed} of {checkpoints} runs with a checkpoint (one kill in three) resumed to a "
            "bitwise equal run.h5").format(**stats)
    print(line)
    pathlib.Path("kill_test_summary.txt").write_text(line + "\n")
    assert stats["kills"] == KILLS, stats
    assert stats["files"] >= stats["kills"] // 2, stats
    # a kill test whose kills all land before the output (e.g. in a history phase) tests nothing
    assert stats["in_output"] >= stats["kills"] // 2, f"only {stats['in_output']} of {stats['kills']} kills landed " \
        "after the first row was written"


@pytest.mark.parametrize("first, second", [(1, 2), (2, 1)])
def test_restart_equals_uninterrupted(reference, tmp_path, first, second):
    out = tmp_path / "r"
    dermsim_runs.signal_after_rows([BIN, "run", reference["cfg"], "-o", out, "--quiet", "--threads", first], out, env(),
                                   rows=40, checkpoint=True, sig=signal.SIGKILL)
    assert not (out / "run.h5").exists()
    p = dermsim("resume", out, "--quiet", "--threads", second)
    assert p.returncode == 0, p.stderr
    assert sorted(x.name for x in out.iterdir()) == ["report.md", "resolved.yaml", "run.h5", "run.xdmf",
                                                     "run_paraview.py"]
    assert_same_run(out / "run.h5", reference["h5"])
    def no_threads(t):
        return [l for l in t.splitlines() if not l.lstrip().startswith("threads:")]
    assert no_threads((out / "resolved.yaml").read_text()) == no_threads(
        (reference["h5"].parent / "resolved.yaml").read_text())
    with h5py.File(out / "run.h5", "r") as f:  # resolved.yaml is the one of the run's start
        assert f.attrs["config_resolved"] == (out / "resolved.yaml").read_text()


def interrupt_after_rows(cfg, out, threads, rows=20):
    """Start a run, send SIGTERM once it has written more than `rows` rows; return its stderr
    (the run must stop with exit 130)."""
    return dermsim_runs.signal_after_rows([BIN, "run", cfg, "-o", out, "--quiet", "--threads", threads], out, env(),
                                           rows)


def test_sigterm_then_resume(reference, tmp_path):
    out = tmp_path / "t"
    err = interrupt_after_rows(reference["cfg"], out, 2)
    assert f"dermsim resume {out}" in err.decode()
    p = dermsim("resume", out, "--quiet")
    assert p.returncode == 0, p.stderr
    assert_same_run(out / "run.h5", reference["h5"])


def test_resume_refusals(reference, tmp_path):
    out = tmp_path / "n"
    out.mkdir()
    p = dermsim("resume", out)
    assert p.returncode == 2 and "no checkpoint.h5" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr
    p = dermsim("resume", reference["h5"].parent)
    assert p.returncode == 2 and "completed" in p.stderr, p.stderr
    # a checkpoint of another build is refused, never half-used
    out = tmp_path / "o"
    proc = start(reference["cfg"], out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not (out / "checkpoint.h5").exists():
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    ck = out / "checkpoint.h5"
    if not ck.exists():
        pytest.skip("the run finished before its first checkpoint")
    with h5py.File(ck, "r+") as f:
        f.attrs.modify("git_describe", "v0.0-other")
    p = dermsim("resume", out)
    assert p.returncode == 2 and "written by dermsim" in p.stderr, p.stderr
    # a damaged checkpoint: refused with one line
    data = bytearray(ck.read_bytes())
    for k in range(len(data) // 3, len(data) // 3 + 4096):
        data[k] ^= 0x5A
    ck.write_bytes(bytes(data))
    p = dermsim("resume", out)
    assert p.returncode in (1, 2) and len(p.stderr.splitlines()) == 1, p.stderr


def test_resume_refuses_what_is_not_its_run(reference, tmp_path):
    """A directory edited by hand is not resumed into a mix of runs: a checkpoint whose
    run.partial.h5 was removed beside a finished run (that run's files stay byte for byte),
    a run.partial.h5 of another seed; a removed resolved.partial.yaml comes back from the
    checkpoint; a hand-over a kill interrupted (its marker run.handover) is finished."""
    outs = {}
    for seed in (5, 6):
        out = tmp_path / f"s{seed}"
        dermsim_runs.signal_after_rows([BIN, "run", reference["cfg"], "-o", out, "--quiet", "--seed", seed], out,
                                       env(), rows=30, checkpoint=True, sig=signal.SIGKILL)
        outs[seed] = out
    # another seed's run.partial.h5 beside the checkpoint: refused, nothing written
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for f in outs[5].iterdir():
        if not f.name.startswith("run.partial.h5"):  # the file and its undo log (a kill mid-flush)
            (mixed / f.name).write_bytes(f.read_bytes())
    for f in outs[6].glob("run.partial.h5*"):
        (mixed / f.name).write_bytes(f.read_bytes())
    p = dermsim("resume", mixed)
    assert p.returncode == 2 and "is not the run of" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr
    assert (mixed / "checkpoint.h5").exists() and not (mixed / "resolved.yaml").exists() and not (mixed / "run.h5").exists()
    # the checkpoint without its run.partial.h5, beside a finished run: refused, the run kept
    edited = tmp_path / "edited"
    edited.mkdir()
    for f in reference["h5"].parent.iterdir():
        (edited / f.name).write_bytes(f.read_bytes())
    (edited / "checkpoint.h5").write_bytes((outs[5] / "checkpoint.h5").read_bytes())
    kept = {f.name: f.read_bytes() for f in edited.iterdir() if f.name != "run.lock"}
    p = dermsim("resume", edited)
    assert p.returncode == 2 and "has checkpoint.h5 but not run.partial.h5" in p.stderr, p.stderr
    assert {f.name: f.read_bytes() for f in edited.iterdir() if f.name != "run.lock"} == kept
    # the same with the hand-over's marker (a kill between its renames): finished
    (edited / "run.handover").write_bytes(b"")
    p = dermsim("resume", edited, "--quiet")
    assert p.returncode == 0, p.stderr
    assert not (edited / "checkpoint.h5").exists() and not (edited / "run.handover").exists()
    assert (edited / "run.h5").read_bytes() == kept["run.h5"]
    # resolved.partial.yaml removed: written again from the checkpoint, the run finished
    (outs[5] / "resolved.partial.yaml").unlink()
    p = dermsim("resume", outs[5], "--quiet")
    assert p.returncode == 0, p.stderr
    with h5py.File(outs[5] / "run.h5", "r") as f:
        assert f.attrs["config_resolved"] == (outs[5] / "resolved.yaml").read_text()


def test_resume_finishes_a_completed_run_without_checkpoint(reference, tmp_path):
    """A run that wrote no checkpoint, killed after it completed, while its files were handed
    over (run.handover made, nothing renamed yet, report.md not written): run advises resume,
    and resume finishes it (report written) instead of refusing for want of a checkpoint."""
    out = tmp_path / "h"
    out.mkdir()
    ref = reference["h5"].parent
    (out / "run.partial.h5").write_bytes((ref / "run.h5").read_bytes())
    (out / "resolved.partial.yaml").write_bytes((ref / "resolved.yaml").read_bytes())
    (out / "run.handover").write_bytes(b"")
    p = dermsim("run", reference["cfg"], "-o", out, "--quiet")
    assert p.returncode == 2 and f"continue it with 'dermsim resume {out}'" in p.stderr, p.stderr
    p = dermsim("resume", out, "--quiet")
    assert p.returncode == 0, p.stderr
    names = sorted(x.name for x in out.iterdir())
    assert names == ["report.md", "resolved.yaml", "run.h5", "run.xdmf", "run_paraview.py"], names
    assert (out / "run.h5").read_bytes() == (ref / "run.h5").read_bytes()
    assert "# dermsim run report" in (out / "report.md").read_text()


def kill_after(cfg, out, rows_past_checkpoint):
    """Start a run and SIGKILL it once run.partial.h5 holds `rows_past_checkpoint` rows more
    than its checkpoint recorded; returns the checkpoint's output.rows and output.frames."""
    proc = start(cfg, out, "--threads", "1")

    def holds():
        try:
            with h5py.File(out / "checkpoint.h5", "r") as c, h5py.File(out / "run.partial.h5", "r") as f:
                return f["time"].shape[0] >= int(c["output.rows"][()]) + rows_past_checkpoint
        except Exception:  # noqa: BLE001 - not there yet, or caught mid-write
            return False

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if holds():
            # frozen, then checked again: a checkpoint written between the check and the
            # signal would otherwise move the goal (the run goes on if it did)
            proc.send_signal(signal.SIGSTOP)
            time.sleep(0.05)
            if holds():
                break
            proc.send_signal(signal.SIGCONT)
        time.sleep(0.005)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    with h5py.File(out / "checkpoint.h5", "r") as c:
        return int(c["output.rows"][()]), int(c["output.frames"][()])


def test_unfinished_last_frame(reference, tmp_path):
    """The state a kill left while HDF5 flushed a frame in its own order (found by the kill
    test): every frame variable one frame longer, but the new frame's chunks missing from
    their chunk index. That frame is unfinished, not damage: `info --verify` counts the
    frames before it and says so; a damaged earlier frame, or the same in a completed file,
    is still refused."""
    import shutil
    part = tmp_path / "run.partial.h5"
    shutil.copy(reference["h5"], part)
    with h5py.File(part, "r+") as f:
        F = f["frame_time"].shape[0]
        f.attrs.modify("completed", 0)
        for k, v in f.items():
            if k == "frame" or (k != "agent" and axis_of(v, k) == "frame"):
                v.resize(F + 1, axis=0)
                if v.ndim == 1 and not k.startswith("frame_checksum"):
                    v[F] = 0 if k == "agent_count" else v[F - 1]  # coordinates on disk, the fields' chunks not
    p = dermsim("info", part, "--verify")
    assert p.returncode == 0, p.stderr
    assert f"complete rows, {F} frames; an unfinished row or frame" in p.stdout, p.stdout
    with h5py.File(part, "r+") as f:
        f.attrs.modify("completed", 1)
    p = dermsim("info", part, "--verify")
    assert p.returncode != 0 and "damaged" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr
    with h5py.File(part, "r+") as f:
        f.attrs.modify("completed", 0)
        f["frame_checksum"][F - 3] ^= 1  # an earlier frame: damage, never forgiven
    p = dermsim("info", part, "--verify")
    assert p.returncode != 0 and f"frame {F - 3} " in p.stderr, p.stderr
    assert ".undo" not in p.stderr, p.stderr
    log = pathlib.Path(str(part) + ".undo")  # beside a file killed mid-flush: named, as what resume restores
    log.write_bytes(b"")
    p = dermsim("info", part, "--verify")
    assert p.returncode != 0 and f"frame {F - 3} " in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr
    assert f"{log} is present" in p.stderr and "dermsim resume" in p.stderr, p.stderr


def test_resume_ignores_what_follows_the_checkpoint(reference, tmp_path):
    """Resume trusts only the rows and frames its checkpoint recorded as flushed: damage
    after them (here a row checksum, which `info --verify` refuses) is cut off and rewritten,
    and the resumed run equals the uninterrupted one."""
    out = tmp_path / "d"
    rows, frames = kill_after(reference["cfg"], out, 4)
    part = out / "run.partial.h5"
    restore_undo(part)  # a kill mid-flush tears the file; this test damages only a row
    with h5py.File(part, "r+") as f:
        assert f["time"].shape[0] >= rows + 2
        f["row_checksum"][rows] ^= 1
    p = dermsim("info", part, "--verify")
    assert p.returncode != 0 and f"series row {rows} " in p.stderr, p.stderr
    p = dermsim("resume", out, "--quiet")
    assert p.returncode == 0, p.stderr
    assert_same_run(out / "run.h5", reference["h5"])


def test_resume_refuses_a_damaged_durable_part(reference, tmp_path):
    """Damage to what the checkpoint recorded as written cannot be redone from the
    checkpoint: resume refuses with one line naming the file and leaves it as it was."""
    out = tmp_path / "e"
    rows, _ = kill_after(reference["cfg"], out, 2)
    part = out / "run.partial.h5"
    restore_undo(part)
    with h5py.File(part, "r+") as f:
        f["row_checksum"][rows - 1] ^= 1
    before = part.read_bytes()
    p = dermsim("resume", out, "--quiet")
    assert p.returncode == 1 and len(p.stderr.splitlines()) == 1 and str(part) in p.stderr, p.stderr
    assert part.read_bytes() == before and not (out / "run.h5").exists()
    data = bytearray(before)
    data[:512] = bytes(512)  # no superblock: not an HDF5 file any more
    part.write_bytes(bytes(data))
    p = dermsim("resume", out, "--quiet")
    assert p.returncode == 1 and len(p.stderr.splitlines()) == 1 and str(part) in p.stderr, p.stderr


def test_signal_grids_resume_both_ways(reference, tmp_path):
    """The default run solves its signals on coarser grids (domain.signal_voxel_ratio 0.125:
    MMP-1 etc. on a 6x coarser grid here), whose states are the model's state and are
    checkpointed, factors first; with the ratio 0 (every signal on the voxel grid) a run
    interrupted by SIGTERM and resumed equals the uninterrupted one too, and the option acts
    (its fields differ from the default run's)."""
    out = tmp_path / "d"
    interrupt_after_rows(reference["cfg"], out, 1)
    with h5py.File(out / "checkpoint.h5", "r") as f:
        coarse = f["signals.coarse"][()]
        assert coarse[:9].max() == 6 and coarse[:9].min() == 1 and len(coarse) > 9
    cfg = tmp_path / "voxel.yaml"
    cfg.write_text(CONFIG.replace("voxel_um: 20}", "voxel_um: 20, signal_voxel_ratio: 0}"))
    assert "signal_voxel_ratio: 0}" in cfg.read_text()
    p = dermsim("run", cfg, "-o", tmp_path / "whole", "--quiet", "--threads", "1")
    assert p.returncode == 0, p.stderr
    out = tmp_path / "t"
    interrupt_after_rows(cfg, out, 2)
    with h5py.File(out / "checkpoint.h5", "r") as f:  # every factor 1: no coarse state
        coarse = f["signals.coarse"][()]
        assert coarse[:9].max() == 1 and coarse[:9].min() == 1
    p = dermsim("resume", out, "--quiet", "--threads", "1")
    assert p.returncode == 0, p.stderr
    assert_same_run(out / "run.h5", tmp_path / "whole" / "run.h5")
    with h5py.File(out / "run.h5", "r") as a, h5py.File(reference["h5"], "r") as b:
        assert not np.array_equal(a["mmp1_mean"][()], b["mmp1_mean"][()])


UNALIGNED = """\
run: {seed: 5, age_start_years: 25, age_end_years: 25.5, dt_hours: 24}
output: {series_interval_days: 7, frame_interval_days: 1, checkpoint_interval_days: 50}
domain: {nx: 24, ny: 24, nz: 12, voxel_um: 20}
"""


def test_resume_at_a_frame_step_between_rows(tmp_path):
    """Frames every step, series rows every seventh: a run stopped at a step that is not a
    series step (its file ends in a frame newer than its last row) resumes, and ends as the
    uninterrupted run. Until 2026-12-06 such a file was refused as damaged. A row becomes
    visible with the frame of its step, so the signal waits a little to land a few steps
    later, between rows."""
    need_bin()
    cfg = tmp_path / "unaligned.yaml"
    cfg.write_text(UNALIGNED)
    p = dermsim("run", cfg, "-o", tmp_path / "ref", "--quiet", "--threads", "1")
    assert p.returncode == 0, p.stderr
    met = 0
    for attempt, delay in enumerate((0.03, 0.015, 0.06, 0.1, 0.045)):
        out = tmp_path / f"t{attempt}"
        if dermsim_runs.signal_after_rows([BIN, "run", cfg, "-o", out, "--quiet", "--threads", "1"], out, env(),
                                          rows=3 + attempt, delay=delay, may_finish=True) is None:
            continue  # the short run ended before the signal: this attempt tells nothing
        with h5py.File(out / "checkpoint.h5", "r") as f:
            step = int(np.asarray(f["step"][()]).ravel()[0])
        p = dermsim("resume", out, "--quiet")
        assert p.returncode == 0, p.stderr
        assert_same_run(out / "run.h5", tmp_path / "ref" / "run.h5")
        met += step % 7 != 0
        if met:
            break
    assert met, "no stop landed between two series rows"


def test_interrupt_during_the_setup(tmp_path):
    """Ctrl-C during the setup ends the run there: exit 130, one line saying where, and the
    output directory the run made removed (nothing was written yet). The reference with a
    200-year spin-up keeps the setup busy for tens of seconds, so the signal lands in it and a
    setup that ignored it would overrun the wait."""
    need_bin()
    src = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
    out = tmp_path / "o"
    proc = start(src / "configs" / "reference.yaml", out, "--set", "run.spinup_years=200", "--set",
                 "run.age_end_years=25.1")
    time.sleep(2.0)
    assert proc.poll() is None, proc.communicate()[1]
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the setup did not stop within 20 s of SIGINT")
    err = err.decode(errors="replace")
    assert proc.returncode == 130, err
    assert "interrupted during the setup" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()
