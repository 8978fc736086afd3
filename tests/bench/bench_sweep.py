#!/usr/bin/env python3
"""Per-run overhead of `dermsim sweep run` over the simulations themselves.

    /usr/bin/python3 tests/bench/bench_sweep.py [--bin build/dermsim] [--runs 100] [--reps 2]

Plans a Latin hypercube of N tiny runs (tests/configs/sweeps/tiny_base.yaml: 8 x 8 x 16
voxels, 6 years in monthly steps, one thread each), then times, alternately --reps times:

- direct: the same N simulations started one after the other with exactly the command
  line `sweep run` uses (`dermsim run DIR/base.yaml -o ... --set k=v --seed S --threads 1
  --quiet`), from Python's subprocess;
- sweep:  `dermsim sweep run DIR -j 1` on a fresh copy of the plan.

and prints, per run: sweep wall / N, direct wall / N, their difference (the overhead of
the sweep machinery beyond starting and running the simulation: manifest checks, status
files, the completed check of every run.h5, polling), the same against the sum of the runs'
own wall_s (status files), and the time of `sweep plan` and `sweep collect`. The target is
an overhead below 0.2 s per run; the exit status is 1 if the best repetition misses it.
Machines are shared and noisy: take the minimum over repetitions.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time

# runs made here need no report.html (seconds of Python each; see `dermsim run --help`)
os.environ.setdefault("DERMSIM_REPORT_HTML", "0")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "dermsim"))
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", HDF5_USE_FILE_LOCKING="FALSE")
    tmp = tempfile.mkdtemp(prefix="bench_sweep_")
    try:
        sweep = os.path.join(tmp, "bench.yaml")
        with open(sweep, "w") as f:
            f.write(f"base: {os.path.join(ROOT, 'tests', 'configs', 'sweeps', 'tiny_base.yaml')}\n"
                    f"design: lhs\nsamples: {args.runs}\nseed: 1\n"
                    "parameters:\n  subject.glucose_mM: {min: 4, max: 20, scale: log}\n"
                    "endpoints:\n  - {name: age_30, variable: age_crosslinks_mean, at_age: 30}\n")
        plan_dir = os.path.join(tmp, "plan")
        t0 = time.perf_counter()
        subprocess.run([args.bin, "sweep", "plan", sweep, "-o", plan_dir], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        t_plan = time.perf_counter() - t0
        with open(os.path.join(plan_dir, "runs.csv")) as f:
            rows = list(csv.DictReader(f))
        keys = [k for k in rows[0] if k not in ("run_id", "point", "replicate", "seed")]

        results = []
        for rep in range(args.reps):
            # direct
            ddir = os.path.join(tmp, f"direct{rep}")
            t0 = time.perf_counter()
            for r in rows:
                cmd = [args.bin, "run", os.path.join(plan_dir, "base.yaml"), "-o", os.path.join(ddir, r["run_id"])]
                for k in keys:
                    cmd += ["--set", f"{k}={r[k]}"]
                cmd += ["--seed", r["seed"], "--threads", "1", "--quiet"]
                subprocess.run(cmd, check=True, env=env, stdin=subprocess.DEVNULL)
            t_direct = time.perf_counter() - t0
            # sweep
            sdir = os.path.join(tmp, f"sweep{rep}")
            shutil.copytree(plan_dir, sdir)
            t0 = time.perf_counter()
            p = subprocess.run([args.bin, "sweep", "run", sdir, "-j", "1"], env=env, stdin=subprocess.DEVNULL)
            t_sweep = time.perf_counter() - t0
            if p.returncode != 0:
                print(f"sweep run failed with exit {p.returncode}", file=sys.stderr)
                return 1
            own = 0.0
            for r in rows:
                with open(os.path.join(sdir, "runs", r["run_id"], "status")) as f:
                    st = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
                assert st["status"] == "ok", st
                own += float(st["wall_s"])
            t0 = time.perf_counter()
            subprocess.run([args.bin, "sweep", "collect", sdir], check=True, env=env, stdout=subprocess.DEVNULL)
            t_collect = time.perf_counter() - t0
            n = len(rows)
            results.append((t_sweep / n, t_direct / n, (t_sweep - t_direct) / n, (t_sweep - own) / n, t_collect))
            print(f"rep {rep}: {n} runs; per run: sweep {t_sweep / n:.4f} s, direct {t_direct / n:.4f} s, "
                  f"overhead {(t_sweep - t_direct) / n:+.4f} s (vs the runs' own wall_s: "
                  f"{(t_sweep - own) / n:+.4f} s); collect {t_collect:.3f} s")
        best = min(r[2] for r in results)
        print(f"plan: {t_plan:.3f} s for {len(rows)} runs")
        print(f"per-run overhead of sweep run -j1 over direct runs: best {best:+.4f} s, "
              f"mean {sum(r[2] for r in results) / len(results):+.4f} s (target < 0.2 s)")
        return 0 if best < 0.2 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
