#!/usr/bin/python3
"""Ageing budget: which mechanism carries how much of the collagen loss (issue 8).

Usage::

    /usr/bin/python3 analysis/ageing_budget.py [--bin build/dermsim] [--config configs/quickstart.yaml]
        [--seeds 1,2,3] [--age 70] [--ref-age AGE] [--var collagen_total] [-j N] [--out DIR]
        [--markdown FILE] [--csv FILE] [--set section.key=value ...] [--reuse]

Reruns CONFIG with the full model and with each ageing mechanism switched off in turn
(``ageing.systemic``, ``ageing.senescence``, ``ageing.fragmentation``,
``ageing.oxidative``, ``ageing.glycation``, ``ageing.menopause``; ``dermsim params
ageing``), every arm with the same seeds (common random numbers: the arms differ by the
switch, not by the noise). For each run, R = VAR(AGE) / VAR(REF_AGE), each the mean of the
rows within +-0.5 y of the age (as tests/validation/validate.py); REF_AGE defaults to the
run's start age (the first row). The loss is 1 - R, and a mechanism's share of the loss is

    share = (loss_full - loss_without) / loss_full

computed per seed (paired) and averaged over the seeds (mean +- sd). Shares need not sum
to 100 %: mechanisms interact (switching one off also changes what the others do), so the
remainder 1 - sum(shares) is printed too; a negative share means the model loses more
without that mechanism.

Writes the runs to DIR/<arm>/seed<N>/ (default DIR out/ageing_budget; ``--reuse`` keeps
complete runs already there that were made from the same config file, seed and --set
options, and makes the others again), the table as markdown (DIR/ageing_budget.md or --markdown)
and CSV (DIR/ageing_budget.csv or --csv: one row per arm, per-seed ratios in columns), and
prints the markdown table. Runs are single-threaded, -j at a time (default 1), without
fields, agents or report.html.

Exit status: 0 done; 2 bad usage (unknown config, binary, mechanism key or ages outside
the run); 1 a run failed.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import math
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# (config key, label); the order of the table
MECHANISMS = [
    ("ageing.systemic", "systemic decline (growth support, immune clearance, progenitors)"),
    ("ageing.senescence", "senescence and SASP"),
    ("ageing.fragmentation", "fragmentation feedback (collapse on fragmented collagen)"),
    ("ageing.oxidative", "oxidative damage (ROS, mitochondrial cycle)"),
    ("ageing.glycation", "glycation (AGE accumulation)"),
    ("ageing.menopause", "menopause (estrogen loss)"),
]
FULL = "full"


class UsageError(Exception):
    pass


def arms():
    """[(arm name, label, --set options)]: the full model, then each mechanism off."""
    out = [(FULL, "full model (every mechanism on)", [])]
    for key, label in MECHANISMS:
        out.append((key.split(".", 1)[1], label, ["--set", f"{key}=false"]))
    return out


def parse_seeds(text):
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--seeds: '{text}' is not a comma-separated list of integers")
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise UsageError(f"--seeds: '{text}': expected distinct non-negative integers, e.g. 1,2,3")
    return seeds


def find_bin(path):
    cands = [path] if path else [os.environ.get("DERMSIM_BIN"), str(REPO / "build" / "dermsim")]
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise UsageError(f"no dermsim executable ({path or 'DERMSIM_BIN, build/dermsim'}); give --bin")


def check_keys(binary):
    for key, _ in MECHANISMS:
        r = subprocess.run([binary, "params", key], capture_output=True, text=True)
        if r.returncode != 0:
            raise UsageError(f"{binary} does not know the switch {key}: {r.stderr.strip()}")


def complete(h5):
    if not h5.is_file():
        return False
    import h5py

    try:
        with h5py.File(h5, "r") as f:
            return int(f.attrs.get("completed", 0)) == 1
    except OSError:
        return False


def run_key(config, seed, extra):
    """What a run of an arm was made from: the config file's bytes, the seed and the --set list.
    Written beside the run (ageing_budget.run), so that --reuse keeps only a run of the same."""
    import hashlib
    import json

    return json.dumps({"config_sha256": hashlib.sha256(Path(config).read_bytes()).hexdigest(),
                       "seed": int(seed), "set": list(extra)}, sort_keys=True)


def run_one(binary, config, out, seed, extra, reuse):
    """Run one arm and seed (single-threaded, totals only); return the wall time in s."""
    key, made = run_key(config, seed, extra), out / "ageing_budget.run"
    if reuse and complete(out / "run.h5") and made.is_file() and made.read_text() == key:
        return 0.0
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE", HDF5_USE_FILE_LOCKING="FALSE",
               DERMSIM_REPORT_HTML="0")
    argv = [binary, "run", str(config), "-o", str(out), "--seed", str(seed), "--threads", "1", "--quiet",
            "--set", "output.write_fields=false", "--set", "output.write_agents=false", *extra]
    if reuse and any((out / f).exists() for f in ("run.h5", "run.partial.h5", "ageing_budget.run")):
        argv.append("--overwrite")  # a run there that is not this one (another config, or no record): replaced
    t0 = time.monotonic()
    r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed (exit {r.returncode}): {r.stderr.strip()}")
    made.write_text(key)
    return time.monotonic() - t0


def value_at(age_years, values, age):
    """Mean of the rows within +-0.5 y of `age` (the nearest row if none)."""
    import numpy as np

    d = np.abs(age_years - age)
    sel = d <= 0.5
    if not sel.any():
        sel = d == d.min()
    return float(np.mean(values[sel]))


def ratio_of(h5, var, age, ref_age):
    import h5py

    with h5py.File(h5, "r") as f:
        a, x = f["age_years"][()], f[var][()]
    ref = a[0] if ref_age is None else ref_age
    for which, t in (("--age", age), ("--ref-age", ref)):
        if t < a[0] - 0.5 or t > a[-1] + 0.5:
            raise UsageError(f"{which} {t:g} is outside the run ({a[0]:g} to {a[-1]:g} y)")
    return value_at(a, x, age) / value_at(a, x, ref), float(ref)


def mean_sd(xs):
    n = len(xs)
    m = sum(xs) / n
    sd = (sum((x - m) ** 2 for x in xs) / (n - 1)) ** 0.5 if n > 1 else 0.0
    return m, sd


def summarize(ratios, seeds):
    """ratios: {arm: {seed: R}} -> rows (dict per arm) and the remainder (mean, sd)."""
    full = ratios[FULL]
    rows, per_seed_sum = [], {s: 0.0 for s in seeds}
    for arm, label, _ in arms():
        rs = [ratios[arm][s] for s in seeds]
        loss = [1.0 - r for r in rs]
        row = {"arm": arm, "label": label, "ratio": mean_sd(rs), "loss": mean_sd(loss), "per_seed": rs}
        if arm != FULL:
            shares = []
            for s in seeds:
                lf, lw = 1.0 - full[s], 1.0 - ratios[arm][s]
                shares.append((lf - lw) / lf if lf != 0 else float("nan"))
                per_seed_sum[s] += shares[-1]
            row["share"] = mean_sd(shares)
        rows.append(row)
    remainder = mean_sd([1.0 - per_seed_sum[s] for s in seeds])
    return rows, remainder


def pct(x):
    return f"{100 * x:.1f}"


def markdown(rows, remainder, var, age, ref, seeds):
    lines = [f"| run | {var}({age:g})/({ref:g}) | loss | share of the full loss |",
             "|---|---|---|---|"]
    for r in rows:
        (rm, rsd), (lm, _) = r["ratio"], r["loss"]
        name = "full model" if r["arm"] == FULL else f"without {r['label']} (`ageing.{r['arm']}: false`)"
        share = "-" if r["arm"] == FULL else f"{pct(r['share'][0])} % +- {pct(r['share'][1])}"
        lines.append(f"| {name} | {rm:.3f} +- {rsd:.3f} | {pct(lm)} % | {share} |")
    total = sum(r["share"][0] for r in rows if r["arm"] != FULL)
    lines.append(f"| sum of the six shares | | | {pct(total)} % |")
    lines.append(f"| remainder (interactions: 100 % - sum) | | | {pct(remainder[0])} % +- {pct(remainder[1])} |")
    lines.append("")
    lines.append(f"Mean +- sd over seeds {','.join(map(str, seeds))} (the same seeds in every run); a share is "
                 "(loss_full - loss_without) / loss_full per seed. Shares need not sum to 100 %: the "
                 "mechanisms interact.")
    return "\n".join(lines) + "\n"


def write_csv(path, rows, remainder, var, age, ref, seeds):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["arm", "switched_off", "variable", "age", "ref_age", "n_seeds", "ratio_mean", "ratio_sd",
                    "loss_mean", "share_mean", "share_sd"] + [f"ratio_seed{s}" for s in seeds])
        for r in rows:
            share = r.get("share", (float("nan"), float("nan")))
            w.writerow([r["arm"], "" if r["arm"] == FULL else f"ageing.{r['arm']}", var, age, ref, len(seeds),
                        f"{r['ratio'][0]:.10g}", f"{r['ratio'][1]:.10g}", f"{r['loss'][0]:.10g}", f"{share[0]:.10g}",
                        f"{share[1]:.10g}"] + [f"{x:.10g}" for x in r["per_seed"]])
        w.writerow(["remainder", "", var, age, ref, len(seeds), "", "", "", f"{remainder[0]:.10g}",
                    f"{remainder[1]:.10g}"] + [""] * len(seeds))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="Shares need not sum to 100 %: mechanisms interact (the remainder is printed).")
    p.add_argument("--bin", help="dermsim executable (default $DERMSIM_BIN, then build/dermsim)")
    p.add_argument("--config", default=str(REPO / "configs" / "quickstart.yaml"), help="config (default quickstart)")
    p.add_argument("--seeds", default="1,2,3", help="comma-separated seeds, the same in every arm (default 1,2,3)")
    p.add_argument("--age", type=float, default=70.0, help="age of the loss (default 70)")
    p.add_argument("--ref-age", type=float, default=None, help="reference age (default: the run's start)")
    p.add_argument("--var", default="collagen_total", help="series (default collagen_total)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="runs at a time, each single-threaded (default 1)")
    p.add_argument("--out", default="out/ageing_budget", help="directory of the runs and tables")
    p.add_argument("--markdown", help="markdown table file (default OUT/ageing_budget.md)")
    p.add_argument("--csv", help="CSV file (default OUT/ageing_budget.csv)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="passed to every run")
    p.add_argument("--reuse", action="store_true", help="keep complete runs already in OUT")
    args = p.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
        for which, t in (("--age", args.age), ("--ref-age", args.ref_age)):
            if t is not None and not math.isfinite(t):
                raise UsageError(f"{which} must be a finite number of years, got '{t}'")
        config = Path(args.config)
        if not config.is_file():
            raise UsageError(f"--config: {config}: no such file")
        if args.jobs < 1:
            raise UsageError("-j: expected at least 1")
        binary = find_bin(args.bin)
        check_keys(binary)
        r = subprocess.run([binary, "check", str(config)] + [x for kv in args.set for x in ("--set", kv)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise UsageError(r.stderr.strip())
    except UsageError as e:
        print(f"ageing_budget: {e}", file=sys.stderr)
        return 2
    out = Path(args.out)
    extra_common = [x for kv in args.set for x in ("--set", kv)]
    jobs = [(arm, s, out / arm / f"seed{s}", extra_common + extra) for arm, _, extra in arms() for s in seeds]
    t0 = time.monotonic()
    try:
        with ThreadPoolExecutor(args.jobs) as ex:
            walls = list(ex.map(lambda j: run_one(binary, config, j[2], j[1], j[3], args.reuse), jobs))
    except RuntimeError as e:
        print(f"ageing_budget: {e}", file=sys.stderr)
        return 1
    wall = time.monotonic() - t0
    ratios, ref = {}, None
    try:
        for arm, s, d, _ in jobs:
            ratios.setdefault(arm, {})[s], ref = ratio_of(d / "run.h5", args.var, args.age, args.ref_age)
    except UsageError as e:
        print(f"ageing_budget: {e}", file=sys.stderr)
        return 2
    except KeyError:
        print(f"ageing_budget: --var: no series '{args.var}' in the runs", file=sys.stderr)
        return 2
    rows, remainder = summarize(ratios, seeds)
    md = markdown(rows, remainder, args.var, args.age, ref, seeds)
    md_path = Path(args.markdown) if args.markdown else out / "ageing_budget.md"
    csv_path = Path(args.csv) if args.csv else out / "ageing_budget.csv"
    try:  # both tables or a one-line error (a directory in the way, no permission, a full disk)
        for path in (md_path, csv_path):
            if path.is_dir():
                raise OSError(f"{path} is a directory; expected a file name")
            path.parent.mkdir(parents=True, exist_ok=True)
        md_path.write_text(md)
        write_csv(csv_path, rows, remainder, args.var, args.age, ref, seeds)
    except OSError as e:
        print(f"ageing_budget: cannot write the tables: {e.strerror or e}" + (f": {e.filename}" if e.filename else ""),
              file=sys.stderr)
        return 1
    runs = len(jobs) - sum(1 for w in walls if w == 0.0)
    cpu = sum(walls)
    print(md, end="")
    print(f"\n{len(jobs)} runs ({runs} run now, {cpu:.0f} s of single-threaded run time, {wall:.0f} s wall with "
          f"-j {args.jobs}) on {datetime.date.today().isoformat()}; config {config}; tables: {md_path}, {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
