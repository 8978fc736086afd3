#!/usr/bin/env python3
"""Run the VALIDATION.md scenarios under configs/validation/ and compare with the bands.

Each config names its targets in a '# targets: C1 C2' comment. Configs whose parameter
text is identical (comments aside) share their runs. Each scenario runs as R replicates
(seeds seed, seed+1, ...; --replicates, default 3); every observable is the replicate
mean, reported with its standard deviation against its band, as PASS or MISSED. Nothing
is loosened to pass.

    /usr/bin/python3 tests/validation/validate.py [--bin build/dermsim] [--out out/validation]
        [--replicates 3] [--json results.json] [--markdown results.md] [configs ...]

Exit status: 0 when every target was evaluated (whether it passed or was missed), 1 when a
run failed or a target could not be evaluated, 3 with --strict when any target is missed.
"""
import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load_series(path):
    with h5py.File(path, "r") as f:
        if int(np.asarray(f.attrs.get("completed", 0)).ravel()[0]) != 1:
            raise RuntimeError(f"{path}: run is incomplete")
        return {k: f[k][...] for k in f.keys() if f[k].ndim == 1 and f[k].shape[0] == f["age_years"].shape[0]}


def at(s, name, age):
    """Value of series `name` at the row nearest `age` (mean over +-0.5 y to damp noise)."""
    a = s["age_years"]
    sel = np.abs(a - age) <= 0.5
    if not sel.any():
        sel = np.abs(a - age) == np.abs(a - age).min()
    return float(np.mean(s[name][sel]))


def band(value, lo, hi):
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def check(tid, s):
    """Return a list of (observable, value, lo, hi) for target tid."""
    rows = []
    if tid == "C1":
        r = at(s, "collagen_total", 70) / at(s, "collagen_total", 25)
        rows.append(("collagen_total(70)/(25)", r, 0.60, 0.80))
        rows.append(("mean slope 25-70 (%/yr)", 100 * (1 - r) / 45, 0.5, 1.2))
        ages = np.arange(30, 85.1, 5)
        vals = np.array([at(s, "collagen_total", x) for x in ages])
        rises = np.max(np.diff(vals) / vals[:-1])
        rows.append(("largest 5-y rise after 30 (fraction; <= 0.005 = monotonic)", float(rises), None, 0.005))
    elif tid == "C2":
        rows.append(("dermal_thickness(80)/(30)", at(s, "dermal_thickness", 80) / at(s, "dermal_thickness", 30), 0.60, 0.85))
    elif tid == "C6":
        rows.append(("collagen_synthesis_per_cell(80)/(25)",
                     at(s, "collagen_synthesis_per_cell", 80) / at(s, "collagen_synthesis_per_cell", 25), 0.55, 0.80))
        rows.append(("mmp1_mean(80)/(25)", at(s, "mmp1_mean", 80) / at(s, "mmp1_mean", 25), 3.0, 10.0))
        # attached cell surface 78 % young vs 58 % old (Varani 2006): +-8 points
        rows.append(("attached_area_mean(25)", at(s, "attached_area_mean", 25), 0.70, 0.86))
        rows.append(("attached_area_mean(80)", at(s, "attached_area_mean", 80), 0.50, 0.66))
    elif tid == "C7":
        rows.append(("fibroblast_density(80)/(25)", at(s, "fibroblast_density", 80) / at(s, "fibroblast_density", 25), 0.50, 0.75))
    elif tid == "C8":
        rows.append(("senescent_fraction(25)", at(s, "senescent_fraction", 25), None, 0.03))
        rows.append(("senescent_fraction(80)", at(s, "senescent_fraction", 80), 0.08, 0.25))
    elif tid == "C11":
        rt = np.mean([at(s, "collagen_residence_time", x) for x in (30, 40, 50)])
        rows.append(("collagen residence time 30-50 y (years)", float(rt), 10.0, 20.0))
    elif tid == "C12":
        e30, e80 = at(s, "elastin_functional_total", 30), at(s, "elastin_functional_total", 80)
        hl = 50 * math.log(2) / math.log(e30 / e80) if e80 < e30 else float("inf")
        rows.append(("functional elastin apparent half-life 30-80 y (years)", hl, 40.0, None))
        rows.append(("elastotic / functional at 80", at(s, "elastin_elastotic_total", 80) / e80, None, 0.05))
    elif tid == "C13":
        hl = np.mean([at(s, "ha_half_life", x) for x in (25, 50, 80)])
        rows.append(("HMW HA pool half-life (days)", float(hl), 0.5, 2.0))
        tot = lambda x: at(s, "ha_hmw_total", x) + at(s, "ha_lmw_total", x)
        rows.append(("total HA(80)/(25)", tot(80) / tot(25), 0.70, 1.30))
        lmw = lambda x: at(s, "ha_lmw_total", x) / tot(x)
        rows.append(("low-MW share rise 25->80 (fraction points)", lmw(80) - lmw(25), 1e-6, None))
    else:
        raise KeyError(tid)
    return rows


def config_key(path):
    text = open(path).read()
    body = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    return hashlib.sha256(body.encode()).hexdigest()[:12], re.findall(r"#\s*targets:\s*(.*)", text)


def seed_of(cfg):
    m = re.search(r"^\s*seed:\s*(\d+)", open(cfg).read(), re.M)
    return int(m.group(1)) if m else 1


def fmt(x):
    return "-" if x is None else (f"{x:.3g}" if abs(x) < 1e4 else f"{x:.3e}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("configs", nargs="*")
    ap.add_argument("--bin", default=os.environ.get("DERMSIM_BIN", os.path.join(ROOT, "build", "dermsim")))
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "validation"))
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    ap.add_argument("--replicates", type=int, default=3, help="seeds per scenario (default 3)")
    ap.add_argument("--strict", action="store_true", help="exit 3 if any target is missed")
    args = ap.parse_args(argv)
    cfgs = args.configs or sorted(
        os.path.join(ROOT, "configs", "validation", f) for f in os.listdir(os.path.join(ROOT, "configs", "validation"))
        if f.endswith(".yaml"))
    runs, results, failed = {}, [], False
    for cfg in cfgs:
        key, tgt = config_key(cfg)
        targets = " ".join(tgt).split()
        if key not in runs:
            runs[key] = []
            for rep in range(args.replicates):
                out = os.path.join(args.out, f"{key}_r{rep}")
                cmd = [args.bin, "run", cfg, "-o", out, "--quiet"]
                if rep:
                    cmd += ["--seed", str(seed_of(cfg) + rep)]
                p = subprocess.run(cmd, capture_output=True, text=True)
                if p.returncode != 0:
                    print(f"validate: {cfg}: dermsim exited {p.returncode}: {p.stderr.strip()}", file=sys.stderr)
                    failed = True
                    runs[key] = None
                    break
                runs[key].append(load_series(os.path.join(out, "run.h5")))
        if not runs[key]:
            continue
        for tid in targets:
            per_rep = [check(tid, s) for s in runs[key]]
            for i, (obs, _, lo, hi) in enumerate(per_rep[0]):
                vals = np.array([r[i][1] for r in per_rep], dtype=float)
                val, sd = float(np.mean(vals)), float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0
                ok = bool(np.isfinite(val)) and band(val, lo, hi)
                results.append(dict(target=tid, config=os.path.relpath(cfg, ROOT), observable=obs, value=val,
                                    sd=sd, replicates=len(vals), lo=lo, hi=hi, status="PASS" if ok else "MISSED"))
    lines = ["| target | observable | model (mean +- sd) | band | status |", "|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['target']} | {r['observable']} | {fmt(r['value'])} +- {fmt(r['sd'])} | "
                     f"{fmt(r['lo'])} .. {fmt(r['hi'])} | {r['status']} |")
    print("\n".join(lines))
    missed = sum(r["status"] != "PASS" for r in results)
    print(f"\n{len(results) - missed} passed, {missed} missed (of {len(results)} observables)")
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)
    if args.markdown:
        open(args.markdown, "w").write("\n".join(lines) + "\n")
    if failed or not results:
        return 1
    return 3 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
