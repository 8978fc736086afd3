#!/usr/bin/env python3
"""Where a second thread starts to pay: the quickstart on lateral sizes N x N (its 40 layers of
20 um), ages 25 to 25+YEARS, at 1 thread and at 2 threads (DERMSIM_VOXELS_PER_THREAD=1, so
dermsim's own thread limit does not decide), alternating, REPS times each.

    /usr/bin/python3 tests/bench/bench_threads_small.py [--bin build/dermsim] [--sizes 20,24,28,32,48]
        [--years 15] [--reps 2]

Prints per size the voxels, the wall times (min of the reps) at 1 and 2 threads, the ratio
(1 thread over 2: above 1 means 2 threads are faster), whether both gave the same row and
frame checksums, and the thread count dermsim chooses by default on this machine, as
`dermsim check` prints it (at most one per 5000 voxels, or per 16384 when waiting threads sleep
at once: app_threads in sim/app/cli.c). The runs wait as the environment says (unset: dermsim's
default, PASSIVE after GOMP_SPINCOUNT=1000 checks; OMP_WAIT_POLICY=PASSIVE alone: sleeping at
once), the same for the timed runs and the default count. Numbers, not pass/fail: use a quiet
machine and quote the load.
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(binary, out, n, years, threads):
    env = dict(os.environ, DERMSIM_VOXELS_PER_THREAD="1", DERMSIM_REPORT_HTML="0")
    cmd = [binary, "run", str(ROOT / "configs" / "quickstart.yaml"), "-o", str(out), "--quiet", "--threads",
           str(threads), "--set", f"domain.nx={n}", "--set", f"domain.ny={n}", "--set",
           f"run.age_end_years={25 + years}"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"bench_threads_small: {' '.join(cmd)} failed: {p.stderr.strip()}")
    return wall


def default_threads(binary, n):
    """The thread count dermsim chooses for this grid on this machine, as `dermsim check` prints it."""
    env = {k: v for k, v in os.environ.items() if k != "DERMSIM_VOXELS_PER_THREAD"}
    p = subprocess.run([binary, "check", str(ROOT / "configs" / "quickstart.yaml"), "--set", f"domain.nx={n}",
                        "--set", f"domain.ny={n}"], capture_output=True, text=True, env=env)
    m = re.search(r"; (\d+) thread\(s\)", p.stdout)
    if p.returncode != 0 or not m:
        sys.exit(f"bench_threads_small: dermsim check gave no thread count: {p.stdout.strip()} {p.stderr.strip()}")
    return int(m.group(1))


def checksums(h5):
    import h5py
    with h5py.File(h5, "r") as f:
        return f["row_checksum"][()].tobytes() + f["frame_checksum"][()].tobytes()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=str(ROOT / "build" / "dermsim"))
    ap.add_argument("--sizes", default="20,24,28,32,48")
    ap.add_argument("--years", type=float, default=15.0)
    ap.add_argument("--reps", type=int, default=2)
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    print(f"quickstart, N x N x 40 voxels of 20 um, ages 25-{25 + a.years:g}, {a.reps} reps alternating, "
          f"load {os.getloadavg()[0]:.2f}")
    print("   N   voxels   1 thread s  2 threads s  1/2 ratio  same bits  default threads")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            walls = {1: [], 2: []}
            for rep in range(a.reps):
                for t in (1, 2):
                    walls[t].append(run(a.bin, pathlib.Path(tmp) / f"n{n}_t{t}_r{rep}", n, a.years, t))
            same = checksums(pathlib.Path(tmp) / f"n{n}_t1_r0" / "run.h5") == checksums(
                pathlib.Path(tmp) / f"n{n}_t2_r0" / "run.h5")
            vox = n * n * 40
            w1, w2 = min(walls[1]), min(walls[2])
            print(f"{n:4d} {vox:8d} {w1:12.2f} {w2:12.2f} {w1 / w2:10.2f} {'yes' if same else 'NO':>10} "
                  f"{default_threads(a.bin, n):16d}")


if __name__ == "__main__":
    main()
