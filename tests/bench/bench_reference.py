#!/usr/bin/env python3
"""Reference benchmark: run configs/reference.yaml and print the figures the project tracks.

    /usr/bin/python3 tests/bench/bench_reference.py [--bin build/dermsim] [--years N] [--threads T]

Prints wall time, peak memory (max RSS of the simulator), simulated years per wall
minute, steps per second and signal voxel-updates per second (voxels x signals x steps /
wall time). --years shortens the run (ages 25 to 25+N) for a quick look; the full
benchmark is 50 years. Numbers, not pass/fail: the machines are shared and noisy.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import h5py

# runs made here need no report.html (seconds of Python each; see `dermsim run --help`)
os.environ.setdefault("DERMSIM_REPORT_HTML", "0")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NSIGNALS = 9


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "dermsim"))
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "reference.yaml"))
    ap.add_argument("--years", type=float, default=None, help="shorten the run to N simulated years")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="dermsim-bench-")
    cmd = [args.bin, "run", args.config, "-o", out, "--quiet"]
    if args.years:
        cmd += ["--set", f"run.age_end_years={25 + args.years}"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        print(f"bench_reference: dermsim failed ({p.returncode}): {p.stderr.strip()}", file=sys.stderr)
        return 1
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with h5py.File(os.path.join(out, "run.h5"), "r") as f:
        steps = int(f["step"][-1])
        years = float(f["age_years"][-1] - f["age_years"][0])
        nvox = f["x"].shape[0] * f["y"].shape[0] * f["z"].shape[0]
        fib = int(f["fibroblast_count"][0])
        threads = int(f.attrs["omp_threads"])
        size = os.path.getsize(os.path.join(out, "run.h5"))
    print(f"config                    {os.path.relpath(args.config, ROOT)}  ({nvox:.0f} voxels, {fib} fibroblasts at start, {threads} threads)")
    print(f"simulated                 {years:.2f} years in {steps} steps")
    print(f"wall time                 {wall:.1f} s")
    print(f"peak memory (max RSS)     {peak_kib / 1024:.0f} MiB")
    print(f"simulated years / minute  {years / (wall / 60):.2f}")
    print(f"steps / second            {steps / wall:.2f}")
    print(f"signal voxel-updates / s  {steps * nvox * NSIGNALS / wall:.3e}")
    print(f"run.h5 size               {size / 1048576:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
