"""Files you can trust (issue 12): atomic run directories, full disks, read-only places,
symlinks, crafted and corrupted run files - each reproducer of the issue, rebuilt.

- A directory holding a run is refused (exit 2) unless --overwrite; with --overwrite the old
  run stays whole until the new one completes (a killed new run leaves it untouched, beside
  the new run's *.partial.* files), and a reader holding the old run.h5 keeps reading it.
- resolved.yaml is only written once the run file exists; nothing is left behind by a run
  that could not start.
- Symlinks where outputs go are never followed: their targets stay as they were.
- Disk full (a file-size limit, RLIMIT_FSIZE, which fails writes with EFBIG as a full disk
  fails them with ENOSPC) at many sizes: exit 1 with one line, no temporary file left, the
  previous completed run intact, and what the failed run left verifies.
- Read-only output directory: exit 1 with one line, nothing changed.
- Crafted run files (attributes and datasets of unexpected shapes: completed or seed as
  arrays, strings as arrays, a time series declaring 1e11 rows): `info`, `sweep collect` and
  `sweep run` answer with one line and never crash (the sanitizer build runs this file too).
- 300 (env DERM_CORRUPTIONS) randomly corrupted run files: `info --verify` never accepts
  one whose datasets differ from the original or cannot all be read (h5py's visititems
  included); the figures are printed.

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR, DERM_CORRUPTIONS.
"""
import os
import pathlib
import random
import resource
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

BIN = os.environ.get("DERMSIM_BIN", "")
SRC = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])

CONFIG = """run: {seed: 3, age_start_years: 30, age_end_years: 31, dt_hours: 168}
output: {series_interval_days: 7, frame_interval_days: 28}
domain: {nx: 6, ny: 6, nz: 8, voxel_um: 20}
"""


def need_bin():
    if not (BIN and os.access(BIN, os.X_OK)):
        pytest.skip("DERMSIM_BIN not set")


def dermsim(*args, limit=None, user=None, timeout=300):
    def pre():
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        if user is not None:
            os.setgid(user)
            os.setuid(user)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL, preexec_fn=pre)


def one_line(p):
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dermsim: "), p.stderr
    # A sanitizer build's isolated reader reports a finding as "(exit 86: AddressSanitizer:
    # <kind> at <first frame>)". A damaged file may trip the HDF5 library (its fault, and why
    # it runs in a child); a finding anywhere else is a bug in dermsim, not a damaged file.
    if "Sanitizer" in lines[0]:
        assert "libhdf5" in lines[0].split("Sanitizer", 1)[1], lines[0]
    return lines[0]


def snapshot(d):
    """Name -> (type, content) of everything in a directory (symlinks not followed)."""
    out = {}
    for p in sorted(pathlib.Path(d).iterdir()):
        st = p.lstat()
        if stat.S_ISLNK(st.st_mode):
            out[p.name] = ("link", os.readlink(p))
        elif stat.S_ISDIR(st.st_mode):
            out[p.name] = ("dir", None)
        else:
            out[p.name] = ("file", p.read_bytes())
    return out


def read_datasets(path):
    with h5py.File(path, "r") as f:
        out = {}
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
        return out


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    need_bin()
    d = tmp_path_factory.mktemp("cfg")
    p = d / "files.yaml"
    p.write_text(CONFIG)
    return p


@pytest.fixture(scope="module")
def done(cfg, tmp_path_factory):
    """A completed run directory (a template: copy it before changing anything)."""
    d = tmp_path_factory.mktemp("done") / "run"
    p = dermsim("run", cfg, "-o", d, "--quiet")
    assert p.returncode == 0, p.stderr
    return d


# ---- overwrite, readers, resolved.yaml, symlinks ------------------------------------------


def test_existing_run_needs_overwrite(cfg, done, tmp_path):
    d = tmp_path / "d"
    shutil.copytree(done, d)
    before = snapshot(d)
    p = dermsim("run", cfg, "-o", d, "--quiet", "--set", "run.seed=9")
    assert p.returncode == 2 and "already holds a run (run.h5)" in one_line(p) and "--overwrite" in p.stderr
    assert snapshot(d) == before


def test_overwrite_replaces_only_on_completion(cfg, done, tmp_path):
    d = tmp_path / "d"
    shutil.copytree(done, d)
    before = snapshot(d)
    old = read_datasets(d / "run.h5")
    # the new run is killed: the old one stays whole, the new one's files sit beside it
    long = ["--set", "run.age_end_years=60", "--set", "run.seed=9"]
    proc = subprocess.Popen([BIN, "run", str(cfg), "-o", str(d), "--quiet", "--overwrite", *long],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (d / "run.partial.h5").exists():
        time.sleep(0.01)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    now = snapshot(d)
    for name in before:
        assert now[name] == before[name], f"{name} of the completed run changed"
    assert "run.partial.h5" in now
    # without --overwrite: the unfinished run is not thrown away silently either; the advice
    # is to resume it if the kill came after its first checkpoint (on a slow machine, or a
    # sanitizer build, it may come before), else to start it again
    p = dermsim("run", cfg, "-o", d, "--quiet")
    assert p.returncode == 2 and "unfinished run" in one_line(p), p.stderr
    if (d / "checkpoint.h5").exists():
        assert "dermsim resume" in p.stderr, p.stderr
    else:
        assert "no checkpoint" in p.stderr and "--overwrite" in p.stderr, p.stderr
    # a reader holding the old run.h5 keeps reading it while --overwrite completes
    with h5py.File(d / "run.h5", "r") as held:
        p = dermsim("run", cfg, "-o", d, "--quiet", "--overwrite", "--set", "run.seed=9")
        assert p.returncode == 0, p.stderr
        for k, v in old.items():
            assert np.array_equal(held[k][()], v), k
    assert sorted(snapshot(d)) == ["report.md", "resolved.yaml", "run.h5", "run.xdmf", "run_paraview.py"]
    with h5py.File(d / "run.h5", "r") as f:
        assert int(f.attrs["seed"]) == 9 and int(f.attrs["completed"]) == 1


def test_failed_start_leaves_nothing(cfg, done, tmp_path):
    # the run file cannot be created (a directory has its name): no resolved.yaml of a run
    # that never happened, nothing else either
    d = tmp_path / "d"
    shutil.copytree(done, d)
    (d / "run.partial.h5").mkdir()
    (d / "run.partial.h5" / "x").write_text("")
    before = snapshot(d)
    p = dermsim("run", cfg, "-o", d, "--quiet", "--overwrite")
    assert p.returncode == 1 and "run.partial.h5" in one_line(p)
    assert snapshot(d) == before
    # into a new directory: the directory goes again
    e = tmp_path / "new" / "out"
    (tmp_path / "new").mkdir()
    p = dermsim("run", cfg, "-o", e, "--quiet", "--set", "domain.nx=0")
    assert p.returncode == 2 and not e.exists()


def test_symlinks_are_not_followed(cfg, done, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("do not touch\n")
    for name in ("run.h5", "run.partial.h5", "run.partial.h5.tmp", "resolved.partial.yaml.tmp", "checkpoint.h5",
                 "report.md"):
        d = tmp_path / f"d_{name}"
        d.mkdir()
        os.symlink(target, d / name)
        p = dermsim("run", cfg, "-o", d, "--quiet", "--overwrite")
        assert p.returncode == 0, (name, p.stderr)
        assert target.read_text() == "do not touch\n", name
        assert not (d / "run.h5").is_symlink() and (d / "run.h5").is_file()
    # and without --overwrite a link named run.h5 counts as an existing run
    d = tmp_path / "plain"
    d.mkdir()
    os.symlink(target, d / "run.h5")
    assert dermsim("run", cfg, "-o", d, "--quiet").returncode == 2
    assert target.read_text() == "do not touch\n"


# ---- full disk and read-only places ------------------------------------------------------------


BIG = ["--set", "domain.nx=12", "--set", "domain.ny=12", "--set", "domain.nz=16", "--set", "run.age_end_years=32",
       "--set", "output.frame_interval_days=7"]


def test_disk_full(cfg, done, tmp_path):
    # how much the bigger run below writes, uncapped
    ref = tmp_path / "ref"
    assert dermsim("run", cfg, "-o", ref, "--quiet", *BIG).returncode == 0
    size = (ref / "run.h5").stat().st_size
    limits = [0, 1000, 20000, 60000, 1 << 20] + [int(size * f) for f in (0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.2)]
    outcomes = []
    for i, limit in enumerate(limits):
        d = tmp_path / f"full{i}"
        shutil.copytree(done, d)
        before = snapshot(d)
        p = dermsim("run", cfg, "-o", d, "--quiet", "--overwrite", *BIG, limit=limit)
        now = snapshot(d)
        assert not [n for n in now if n.endswith(".tmp")], (limit, sorted(now))
        if p.returncode == 0:
            outcomes.append((limit, "completed"))
            continue
        assert p.returncode == 1, (limit, p.returncode, p.stderr)
        line = one_line(p)
        assert "File too large" in line or "No space" in line, line
        for name in before:  # the previous state is intact
            assert now[name] == before[name], (limit, name)
        if "run.partial.h5" in now:
            v = dermsim("info", d / "run.partial.h5", "--verify")
            assert v.returncode == 0, (limit, v.stderr)
            read_datasets(d / "run.partial.h5")
        outcomes.append((limit, "refused" if "run.partial.h5" not in now else "partial verified"))
    print(f"disk full (run file of {size} bytes uncapped):", outcomes)
    assert [o for o in outcomes if o[1] == "partial verified"], outcomes
    assert [o for o in outcomes if o[1] == "refused"], outcomes


def test_read_only_directory(cfg, done, tmp_path):
    base = pathlib.Path(tempfile.mkdtemp(prefix="derm_ro_"))
    try:
        os.chmod(base, 0o755)
        c = base / "files.yaml"
        shutil.copy(cfg, c)
        d = base / "ro"
        shutil.copytree(done, d)
        for p in [c, *d.iterdir()]:
            os.chmod(p, 0o644)
        user = None
        if os.geteuid() == 0:
            user = 65534  # nobody: root ignores permissions
        else:
            os.chmod(d, 0o555)
        os.chmod(d, 0o755 if user else 0o555)
        before = snapshot(d)
        p = dermsim("run", c, "-o", d, "--quiet", "--overwrite", user=user)
        assert p.returncode == 1, p.stderr
        line = one_line(p)
        assert "not writable" in line or "Permission denied" in line, line
        assert snapshot(d) == before
        p = dermsim("run", c, "-o", d / "sub", "--quiet", user=user)
        assert p.returncode == 1 and "Permission denied" in one_line(p)
        assert snapshot(d) == before
    finally:
        os.chmod(base / "ro", 0o755) if (base / "ro").exists() else None
        shutil.rmtree(base, ignore_errors=True)


# ---- crafted run files ----------------------------------------------------------------------


def craft(path, src, change):
    shutil.copy(src, path)
    with h5py.File(path, "r+") as f:
        change(f)
    return path


CRAFTED = {
    "completed_array": lambda f: (f.attrs.__delitem__("completed"),
                                  f.attrs.create("completed", np.ones(1_000_000, np.int32))),
    "seed_array": lambda f: (f.attrs.__delitem__("seed"), f.attrs.create("seed", np.arange(100_000, dtype=np.uint64))),
    "fixed_string_array": lambda f: (f.attrs.__delitem__("software"),
                                     f.attrs.create("software", np.array([b"x" * 40] * 5000, dtype="S40"))),
    "vlen_string_array": lambda f: (f.attrs.__delitem__("git_describe"),
                                    f.attrs.create("git_describe", ["a", "b", "c"] * 2000,
                                                   dtype=h5py.string_dtype())),
    "completed_string": lambda f: (f.attrs.__delitem__("completed"), f.attrs.create("completed", "yes")),
    "time_1e11": lambda f: (f.__delitem__("time"),
                            f.create_dataset("time", shape=(100_000_000_000,), maxshape=(None,), chunks=(4096,),
                                             dtype="f8")),
    "series_2d": lambda f: (f.__delitem__("collagen_total"),
                            f.create_dataset("collagen_total", data=np.zeros((3, 4)))),
    "no_series": lambda f: f.__delitem__("collagen_total"),
    "agent_count_huge": lambda f: f["agent_count"].__setitem__(0, 2 ** 62),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_run_files(done, tmp_path, case):
    bad = craft(tmp_path / "run.h5", done / "run.h5", CRAFTED[case])
    for args in (("info", bad), ("info", bad, "--verify")):
        p = dermsim(*args, timeout=60)
        assert p.returncode == 1, (case, p.returncode, p.stderr)
        one_line(p)


def test_file_without_checksums_is_read(done, tmp_path):
    """Run files of dermsim before the checksums (issue 12) are still read and checked for
    structure and chunks; info says what it could not check."""
    old = craft(tmp_path / "old.h5", done / "run.h5",
                lambda f: (f.__delitem__("row_checksum"), f.__delitem__("frame_checksum")))
    p = dermsim("info", old, "--verify")
    assert p.returncode == 0, p.stderr
    assert "structure and chunks only: written by a dermsim without row checksums" in p.stdout


def test_file_that_makes_hdf5_loop(tmp_path):
    """A damaged checkpoint found by fuzzing makes HDF5 1.10.8 loop forever reading its global
    heap (H5C_protect). The reader runs in a child process that is given 15 s + 1 s per 4 MB:
    resume answers with one line instead of hanging."""
    need_bin()
    d = tmp_path / "d"
    d.mkdir()
    shutil.copy(SRC / "tests" / "fuzz" / "corpus" / "h5" / "checkpoint_heap_loop.h5", d / "checkpoint.h5")
    (d / "run.partial.h5").write_bytes(b"")  # the file it continues: resume then reads the checkpoint
    t0 = time.monotonic()
    p = dermsim("resume", d, timeout=120)
    assert p.returncode == 1 and "did not finish" in one_line(p), p.stderr
    assert time.monotonic() - t0 < 60


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A planned and run one-row-per-point sweep (2 rows)."""
    need_bin()
    d = tmp_path_factory.mktemp("sw")
    s = d / "s.yaml"
    s.write_text(f"base: {SRC / 'tests' / 'configs' / 'sweeps' / 'tiny_base.yaml'}\ndesign: grid\n"
                 "parameters:\n  subject.glucose_mM: [5, 9]\n"
                 "endpoints:\n  - {name: age_end, variable: age_crosslinks_mean, at: end}\n")
    assert dermsim("sweep", "plan", s, "-o", d / "plan").returncode == 0
    p = dermsim("sweep", "run", d / "plan", "-j", "2")
    assert p.returncode == 0, p.stderr
    return d / "plan"


@pytest.mark.parametrize("case", ["completed_array", "time_1e11", "no_series", "vlen_string_array"])
def test_crafted_files_in_a_sweep(swept, tmp_path, case):
    d = tmp_path / "s"
    shutil.copytree(swept, d)
    h5 = d / "runs" / "p0000_r0" / "run.h5"
    craft(h5.with_suffix(".new"), h5, CRAFTED[case])
    os.replace(h5.with_suffix(".new"), h5)
    p = dermsim("sweep", "collect", d)
    assert p.returncode == 0, p.stderr
    import pandas as pd
    df = pd.read_csv(d / "summary.csv", index_col="run_id")
    assert df.loc["p0000_r0", "status"] == "damaged" and isinstance(df.loc["p0000_r0", "error"], str)
    assert np.isnan(df.loc["p0000_r0", "age_end"])
    assert df.loc["p0001_r0", "status"] == "ok" and np.isfinite(df.loc["p0001_r0", "age_end"])
    p = dermsim("sweep", "run", d)  # the damaged row is run again, the other is not
    assert p.returncode == 0, p.stderr
    assert dermsim("info", h5, "--verify").returncode == 0


# ---- random corruption -----------------------------------------------------------------------------


def content(path):
    """Every dataset of a file, or None if any cannot be read. Read in a forked child: the
    HDF5 library may abort or crash on a damaged file (it does), which must not end the test."""
    import hashlib
    import pickle
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)  # a crashing HDF5 would fill the log
        try:
            data = read_datasets(path)
            out = {k: (str(v.dtype), v.shape, hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest())
                   for k, v in data.items()}
        except Exception:  # noqa: BLE001 - any failure to read counts as damage
            out = None
        with os.fdopen(w, "wb") as f:
            pickle.dump(out, f)
        os._exit(0)
    os.close(w)
    # the library may also loop on a damaged file: a reader that has not answered within the
    # deadline is killed and the file counts as unreadable (never a hung test)
    raw, deadline = b"", time.monotonic() + 120
    with os.fdopen(r, "rb") as f:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([f], [], [], 1.0)
            if ready:
                chunk = os.read(f.fileno(), 1 << 20)
                if not chunk:
                    break
                raw += chunk
        else:
            os.kill(pid, signal.SIGKILL)
            raw = b""
    _, status = os.waitpid(pid, 0)
    if status != 0 or not raw:
        return None  # the reader crashed or hung: unreadable
    return pickle.loads(raw)


def same(a, b):
    return a is not None and a == b


def test_random_corruption(done, tmp_path):
    rng = random.Random(12)
    src = (done / "run.h5").read_bytes()
    pristine = content(done / "run.h5")
    counts = {"files": 0, "changed": 0, "changed_refused": 0, "unchanged": 0, "unchanged_refused": 0}
    for i in range(int(os.environ.get("DERM_CORRUPTIONS", "300"))):
        data = bytearray(src)
        for _ in range(rng.choice((1, 1, 2, 4))):
            k = rng.randrange(len(data))
            data[k] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(1, 256)
        p = tmp_path / "c.h5"
        p.write_bytes(bytes(data))
        r = dermsim("info", p, "--verify", timeout=60)
        assert r.returncode in (0, 1), (i, r.returncode, r.stderr)  # never a crash
        if r.returncode:
            one_line(r)
        changed = not same(content(p), pristine)
        counts["files"] += 1
        counts["changed" if changed else "unchanged"] += 1
        counts["changed_refused" if changed else "unchanged_refused"] += r.returncode != 0
        assert not (changed and r.returncode == 0), f"corruption {i} changed the data but info --verify accepted it"
    print("random corruption:", counts)
