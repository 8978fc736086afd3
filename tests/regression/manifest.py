#!/usr/bin/env python3
"""Dataset checksums of a fixed set of runs: a guard that a change meant to leave the
numbers alone (a refactor, a speed-up) really does.

    manifest.py make  [--bin build/dermsim] [-o tests/regression/manifest.json]
    manifest.py check [--bin build/dermsim] [-m tests/regression/manifest.json] [-j 2]

Every config below is run (shortened where it is long) and every dataset of its run.h5 is
hashed: name, dtype, shape and the raw bytes. Root attributes (creation time, version,
command line, resolved config) are not compared. `check` prints each dataset that
differs and exits 1. A change that is meant to alter results regenerates the manifest in
its own commit, and says why.
"""
import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

# runs made here need no report.html (seconds of Python each; see `dermsim run --help`)
os.environ.setdefault("DERMSIM_REPORT_HTML", "0")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cases():
    """(name, config, extra --set options) for every run in the manifest."""
    out = [("quickstart", "configs/quickstart.yaml", []),
           ("reference_2y", "configs/reference.yaml",
            ["run.age_end_years=27", "output.frame_interval_days=365.25"]),
           ("tiny", "tests/configs/tiny.yaml", []),
           ("step_convergence", "tests/configs/step_convergence.yaml", [])]
    for sub in ("scenarios", "validation"):
        d = os.path.join(ROOT, "configs", sub)
        for f in sorted(os.listdir(d)):
            if f.endswith(".yaml"):
                out.append((f"{sub}/{f[:-5]}", f"configs/{sub}/{f}", []))
    return out


def digest(path):
    res = {}
    with h5py.File(path, "r") as h:
        def visit(name, obj):
            # row_checksum / frame_checksum are CRCs of the data hashed here (issue 12)
            if isinstance(obj, h5py.Dataset) and name not in ("row_checksum", "frame_checksum"):
                a = obj[()]
                arr = np.ascontiguousarray(a) if isinstance(a, np.ndarray) else np.asarray(a)
                res[name] = {"dtype": str(obj.dtype), "shape": list(obj.shape),
                             "sha256": hashlib.sha256(arr.tobytes()).hexdigest()}
        h.visititems(visit)
    return res


def run_case(binary, case, tmp):
    name, cfg, sets = case
    out = os.path.join(tmp, name.replace("/", "_"))
    cmd = [binary, "run", os.path.join(ROOT, cfg), "-o", out, "--quiet", "--threads", "1"]
    for s in sets:
        cmd += ["--set", s]
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", HDF5_USE_FILE_LOCKING="FALSE")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{name}: exit {r.returncode}: {r.stderr.strip()}")
    return name, digest(os.path.join(out, "run.h5"))


def run_all(binary, jobs, only=None):
    todo = [c for c in cases() if not only or any(o in c[0] for o in only)]
    with tempfile.TemporaryDirectory(prefix="dermsim-manifest-") as tmp:
        with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
            futs = [ex.submit(run_case, binary, c, tmp) for c in todo]
            return dict(f.result() for f in futs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["make", "check"])
    ap.add_argument("--bin", default=os.environ.get("DERMSIM_BIN", os.path.join(ROOT, "build", "dermsim")))
    ap.add_argument("-m", "-o", dest="manifest", default=os.path.join(ROOT, "tests", "regression", "manifest.json"))
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--only", action="append", help="check only runs whose name contains this (repeatable)")
    a = ap.parse_args()
    got = run_all(a.bin, a.j, a.only)
    if a.mode == "make":
        with open(a.manifest, "w") as f:
            json.dump(got, f, indent=0, sort_keys=True)
            f.write("\n")
        print(f"wrote {a.manifest}: {len(got)} runs, {sum(len(v) for v in got.values())} datasets")
        return 0
    with open(a.manifest) as f:
        want = json.load(f)
    bad = 0
    if a.only:
        want = {k: v for k, v in want.items() if k in got}
    for run in sorted(set(want) | set(got)):
        w, g = want.get(run), got.get(run)
        if w is None or g is None:
            print(f"{run}: {'not in the manifest' if w is None else 'not run'}")
            bad += 1
            continue
        for ds in sorted(set(w) | set(g)):
            if w.get(ds) != g.get(ds):
                what = "missing" if ds not in g else ("new" if ds not in w else "differs")
                print(f"{run}: dataset {ds} {what}")
                bad += 1
    n = sum(len(v) for v in want.values())
    print(f"{len(want)} runs, {n} datasets: {'all identical' if not bad else f'{bad} differences'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
