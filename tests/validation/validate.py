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

# runs made here need no report.html (seconds of Python each; see `dermsim run --help`)
os.environ.setdefault("DERMSIM_REPORT_HTML", "0")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load_series(path):
    with h5py.File(path, "r") as f:
        if int(np.asarray(f.attrs.get("completed", 0)).ravel()[0]) != 1:
            raise RuntimeError(f"{path}: run is incomplete")
        s = {k: f[k][...] for k in f.keys() if f[k].ndim == 1 and f[k].shape[0] == f["age_years"].shape[0]}
        # last-frame depth profiles, for depth-resolved targets
        for k in f.keys():
            if k.endswith("_profile") and f[k].ndim == 2:
                s["last:" + k] = f[k][-1, :]
        s["z"] = f["z"][...]
        return s


def pulse_hours(s):
    """Hours since the start of the step in which UV was first received (acute scenarios)."""
    h = s["time"] * 24.0
    i0 = int(np.argmax(s["uv_dose_cumulative"] > 0))
    return h - (h[i0] - (h[1] - h[0]))


def at_hour(s, name, hh, hour):
    return float(s[name][int(np.argmin(np.abs(hh - hour)))])


def acute_rows(s):
    """C3/C4/C5 observables of a single UV pulse, relative to the pre-pulse mean."""
    hh = pulse_hours(s)
    pre = hh <= 0
    rel = lambda k: s[k] / np.mean(s[k][pre])
    m = rel("mmp1_mean")
    post = (hh > 0) & (hh <= 240)
    ipk = np.argmax(np.where(post, m, -np.inf))
    return hh, m, ipk, rel


def at(s, name, age):
    """Value of series `name` at the row nearest `age` (mean over +-0.5 y to damp noise)."""
    a = s["age_years"]
    sel = np.abs(a - age) <= 0.5
    if not sel.any():
        sel = np.abs(a - age) == np.abs(a - age).min()
    return float(np.mean(s[name][sel]))


def band(value, lo, hi):
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def check(tid, s, ctl=None):
    """Return a list of (observable, value, lo, hi) for target tid (ctl: the control run)."""
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
    elif tid == "C3":
        hh, m, ipk, rel = acute_rows(s)
        rows.append(("MMP-1 at 8 h / before (rises within 4-8 h)", at_hour({"m": m}, "m", hh, 8), 1.2, None))
        rows.append(("MMP-1 peak / before (2 MED)", float(m[ipk]), 2.0, 8.0))
        rows.append(("MMP-1 peak time (h after the pulse)", float(hh[ipk]), 8.0, 48.0))
        rows.append(("MMP-1 at 7 d / peak (returns toward baseline)", at_hour({"m": m}, "m", hh, 168) / float(m[ipk]), None, 0.75))
    elif tid == "C3sub":
        hh, m, ipk, rel = acute_rows(s)
        rows.append(("MMP-1 peak / before (0.3 MED, sub-erythemal)", float(m[ipk]), 1.2, None))
    elif tid == "C3rep":
        hh, m, ipk, rel = acute_rows(s)
        late = (hh >= 240) & (hh <= 480)
        rows.append(("MMP-1 / before, mean of days 10-20 (2 MED every other day; ~4x)", float(np.mean(m[late])), 2.5, 6.0))
    elif tid == "C4":
        hh, m, ipk, rel = acute_rows(s)
        c = rel("collagen_cleavage_rate")
        post = (hh > 0) & (hh <= 168)
        rows.append(("collagen degradation (cleavage) flux peak rise after 2 MED", float(np.max(c[post]) - 1.0), 0.40, 0.80))
    elif tid == "C5":
        hh, m, ipk, rel = acute_rows(s)
        r = s["tgfb_response_mean"]
        syn = rel("collagen_synthesis_per_cell")
        rows.append(("TGF-beta responsiveness at 8 h (receptor loss; binding -90 %)", at_hour(s, "tgfb_response_mean", hh, 8), 0.02, 0.3))
        rows.append(("collagen synthesis at 24 h / before (falls 50-90 %)", at_hour({"x": syn}, "x", hh, 24), 0.10, 0.50))
        rec = np.mean([at_hour({"x": syn}, "x", hh, x) for x in (72, 84, 96)])
        rows.append(("collagen synthesis at 72-96 h / before (recovers >= 80 %)", float(rec), 0.80, None))
    elif tid == "C9":
        rows.append(("age_crosslinks_mean(85)/(20)", at(s, "age_crosslinks_mean", 85) / at(s, "age_crosslinks_mean", 20), 4.0, 8.0))
        rows.append(("diabetic / normal AGE at 70", at(ctl, "age_crosslinks_mean", 70) / at(s, "age_crosslinks_mean", 70), 1.5, 2.5))
    elif tid == "C10":
        rows.append(("collagenase susceptibility 25 / 85 (AGE slows cleavage 2-5x)",
                     at(s, "collagen_mmp_susceptibility", 25) / at(s, "collagen_mmp_susceptibility", 85), 2.0, 5.0))
        rows.append(("stiffness factor at 85 (up)", at(s, "stiffness_factor", 85), 1.0 + 1e-6, None))
        rows.append(("viscous recovery factor at 85 (down)", at(s, "viscous_recovery_factor", 85), None, 1.0 - 1e-6))
    elif tid == "C15":
        a7 = 42.02 + 7.0 / 365.25
        ratio = lambda k: at_age_exact(s, k, a7) / at_age_exact(ctl, k, a7)
        rows.append(("collagen synthesis day 7, treated / control (up)", ratio("collagen_synthesis_rate"), 1.0 + 1e-3, None))
        rows.append(("MMP-1 day 7, treated / control (down)", ratio("mmp1_mean"), None, 1.0 - 1e-3))
        rows.append(("MMP-3 day 7, treated / control (down)", ratio("mmp3_mean"), None, 1.0 - 1e-3))
        rows.append(("dermal thickness day 7, treated / control (up)", ratio("dermal_thickness"), 1.0 + 1e-6, None))
    elif tid == "C17":
        rows.append(("MMP-1, UVA-only year / unexposed (up)", at(s, "mmp1_mean", 35.9) / at(ctl, "mmp1_mean", 35.9), 1.05, None))
        rows.append(("collagen synthesis, UVA-only year / unexposed (down)",
                     at(s, "collagen_synthesis_rate", 35.9) / at(ctl, "collagen_synthesis_rate", 35.9), None, 0.98))
    elif tid == "C17depth":
        z, uv, uva = s["z"], s["last:uv_dose_profile"], s["last:uva_dose_profile"]
        uvb = uv - uva
        upper, deep = z < 100, (z >= 300) & (z < 600)
        rows.append(("share of dermal UVB spent in the upper 100 um (concentrates in the upper dermis)",
                     float(uvb[upper].sum() / uvb.sum()), 0.7, None))
        rows.append(("share of dermal UVA reaching below 300 um (reaches the reticular dermis)",
                     float(uva[z >= 300].sum() / uva.sum()), 0.3, None))
        rows.append(("UVA share of dermal UV at 300-600 um", float(uva[deep].sum() / uv[deep].sum()), 0.8, None))
    else:
        raise KeyError(tid)
    return rows


def at_age_exact(s, name, age):
    """Series `name` interpolated at `age` (for daily acute rows)."""
    return float(np.interp(age, s["age_years"], s[name]))


def config_key(path):
    text = open(path).read()
    body = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    return hashlib.sha256(body.encode()).hexdigest()[:12], re.findall(r"#\s*targets:\s*(.*)", text)


def control_of(path):
    m = re.search(r"#\s*control:\s*(\S+)", open(path).read())
    return os.path.join(os.path.dirname(path), m.group(1)) if m else None


def seed_of(cfg):
    m = re.search(r"\bseed:\s*(\d+)", open(cfg).read())
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

    def run_all(cfg):
        """Replicate runs of cfg (cached by config text); None if a run failed."""
        nonlocal failed
        key, _ = config_key(cfg)
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
        return runs[key]

    for cfg in cfgs:
        _, tgt = config_key(cfg)
        targets = " ".join(tgt).split()
        if not targets:
            continue  # a companion (control) config: run when a target needs it
        reps = run_all(cfg)
        ctl_cfg = control_of(cfg)
        ctls = run_all(ctl_cfg) if ctl_cfg else [None] * len(reps or [])
        if not reps or ctls is None:
            continue
        for tid in targets:
            per_rep = [check(tid, s, c) for s, c in zip(reps, ctls)]
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
