#!/usr/bin/python3
"""Compare dermsim runs at chosen ages (``dermsim compare``).

Usage::

    /usr/bin/python3 analysis/compare.py RUN RUN... [--ages 40,60,80] [--vars a,b,...]
                                         [--ref-age AGE] [-o DIR] [--force] [--allow-different]

RUN is a run directory or its run.h5; the first run is the reference. Prints one table
(each variable at each age: its value in every run, and every other run's difference from
the first and ratio to it) and writes it as ``DIR/compare.csv`` (tidy: one row per
variable, age and run), plus one overlay figure per variable over age
(``DIR/compare_<variable>.png``) with the chosen ages marked. A DIR that already holds a
comparison is refused unless ``--force``.

Runs are aligned on age (``dermsim_analysis.series_table``: each run interpolated linearly
between its own rows, nothing outside its own age range), so runs written at different
intervals compare. Runs whose grids (x, y, z) or subjects (the ``subject`` section of the
resolved configuration) differ are refused, with the differing values and the ``--set``
options that would make a matching run, unless ``--allow-different``: a difference
between such runs is not the schedule's alone. Different seeds are reported (their
difference includes stochastic noise) but allowed.

Exit status: 0 done; 2 bad usage or runs that may not be compared; 1 a run cannot be read
or a Python package is missing.
"""
from __future__ import annotations

import argparse
import difflib
import math
import os
import sys
import warnings
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

DEFAULT_VARS = ["collagen_total", "collagen_fragmented_fraction", "elastin_functional_total", "ha_hmw_total",
                "fibroblast_density", "senescent_fraction", "mmp1_mean", "dermal_thickness"]


class Refused(Exception):
    """The runs may not be compared as asked (exit 2)."""


def _floats(text: str, what: str):
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise Refused(f"{what} must be numbers separated by commas, got '{text}'")
    if not vals or not all(math.isfinite(v) for v in vals):
        raise Refused(f"{what} must be finite numbers, got '{text}'")
    return vals


def age_span(run):
    """The first and last age of a run's series (years)."""
    return float(run.series.index[0]), float(run.series.index[-1])


def grid_of(run):
    import numpy as np
    h = float(run.z[1] - run.z[0]) if len(run.z) > 1 else float("nan")
    return (len(run.x), len(run.y), len(run.z), round(h, 9)), (np.asarray(run.x), np.asarray(run.y),
                                                             np.asarray(run.z))


def check_comparable(runs, cfgs, allow: bool):
    """Refuse runs whose grids or subjects differ from the first (unless allow); return notes."""
    import numpy as np
    names = list(runs)
    first = names[0]
    (g0, c0), s0 = grid_of(runs[first]), cfgs[first].get("subject", {})
    problems, notes = [], []
    for n in names[1:]:
        (g, c), s = grid_of(runs[n]), cfgs[n].get("subject", {})
        if g != g0 or not all(np.allclose(a, b) for a, b in zip(c, c0)):
            fix = " ".join(f"--set domain.{k}={v}" for k, v in zip(("nx", "ny", "nz", "voxel_um"), g0)
                           if cfgs[n].get("domain", {}).get(k) != v)
            problems.append(f"grid: {first} has {g0[0]} x {g0[1]} x {g0[2]} voxels of {g0[3]:g} µm, "
                            f"{n} has {g[0]} x {g[1]} x {g[2]} of {g[3]:g} µm"
                            + (f" (to match {first}, run {n}'s config with {fix})" if fix else ""))
        diff = sorted(k for k in set(s) | set(s0) if s.get(k) != s0.get(k))
        if diff:
            vals = ", ".join(f"{k}: {s0.get(k)} vs {s.get(k)}" for k in diff)
            fix = " ".join(f"--set subject.{k}={s0[k]}" for k in diff if k in s0)
            problems.append(f"subject: {first} and {n} differ in {vals}"
                            + (f" (to match {first}: {fix})" if fix else ""))
        sa, sb = runs[first].attrs.get("seed"), runs[n].attrs.get("seed")
        if sa != sb:
            notes.append(f"note: seeds differ ({first}: {sa}, {n}: {sb}); differences include stochastic noise")
    if problems and not allow:
        raise Refused("the runs differ in more than their schedules, so their difference would not be the "
                      "schedule's alone:\n  " + "\n  ".join(problems) +
                      "\nmake matching runs, or pass --allow-different to compare them anyway")
    if problems:
        notes += [f"note: compared although the {p}" for p in problems]
    return notes


def default_ages(runs):
    """Every 10 years inside the age range all runs cover (else its two ends)."""
    spans = [age_span(r) for r in runs.values()]
    lo, hi = max(a for a, _ in spans), min(b for _, b in spans)
    if hi < lo:
        raise Refused(f"the runs share no ages (latest start {lo:.4g}, earliest end {hi:.4g}); pass --ages")
    ages = [a for a in range(int(math.ceil(lo / 10.0)) * 10, int(math.floor(hi)) + 1, 10)]
    return [float(a) for a in ages] if ages else sorted({round(lo, 6), round(hi, 6)})


def pick_vars(runs, wanted):
    have = set.intersection(*(set(r.series.columns) for r in runs.values()))
    have -= {"time", "step"}
    if wanted is None:
        return [v for v in DEFAULT_VARS if v in have]
    for v in wanted:
        if v not in have:
            near = difflib.get_close_matches(v, sorted(have), n=1)
            raise Refused(f"no series '{v}' in every run" + (f"; did you mean '{near[0]}'?" if near else "")
                          + " ('dermsim info RUN.h5' and the README's Output section list them)")
    return wanted


def compare_table(runs, variables, ages, ref_age=None):
    """Tidy table: variable, units, age_years, run, value, difference_from_first, ratio_to_first."""
    import numpy as np
    import pandas as pd
    import dermsim_analysis as da
    rows = []
    names = list(runs)
    first = names[0]
    for v in variables:
        t = da.series_table(runs, v, ref_age=ref_age, ages=ages)
        u = "1" if ref_age is not None else runs[first].units(v)
        for age in t.index:
            base = t.loc[age, first]
            for n in names:
                val = t.loc[age, n]
                rows.append({"variable": v, "units": u, "age_years": float(age), "run": n, "value": val,
                             "difference_from_first": val - base,
                             "ratio_to_first": val / base if base not in (0.0,) and np.isfinite(base) else np.nan})
    return pd.DataFrame(rows)


def terminal_table(df, names) -> str:
    """One row per variable and age: every run's value, then each other run vs the first."""
    import pandas as pd
    from plot_run import units
    first = names[0]
    out = []
    for (v, age), g in df.groupby(["variable", "age_years"], sort=False):
        g = g.set_index("run")
        row = {"variable": f"{v} [{units(g['units'].iloc[0])}]", "age": f"{age:g}"}
        for n in names:
            row[n] = f"{g.loc[n, 'value']:.4g}"
        for n in names[1:]:
            r = g.loc[n, "ratio_to_first"]
            row[f"{n} vs {first}"] = (f"{g.loc[n, 'difference_from_first']:+.3g} ({100 * (r - 1):+.1f} %)"
                                      if r == r else "n/a")
        out.append(row)
    t = pd.DataFrame(out)
    t.loc[t["variable"].duplicated(), "variable"] = ""
    return t.to_string(index=False)


def overlay_figures(runs, variables, ages, outdir: Path, ref_age=None):
    import matplotlib.pyplot as plt
    import numpy as np
    import dermsim_analysis as da
    import plot_run as pr
    written = []
    names = list(runs)
    for v in variables:
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        allv = []
        for i, n in enumerate(names):
            s = runs[n].series[v]
            if ref_age is not None:
                s = da.relative(s, ref_age=ref_age)
            ax.plot(s.index, s.values, color=pr.PALETTE[i % len(pr.PALETTE)], ls=pr.STYLES[i % len(pr.STYLES)],
                    lw=1.6, label=n + (" (reference)" if i == 0 else ""))
            allv.append(np.asarray(s.values, float))
        for a in ages:
            ax.axvline(a, color="0.6", ls=":", lw=0.8)
        pr._ylim_from_zero(ax, np.concatenate(allv), fraction=runs[names[0]].units(v) == "1" and
                           np.nanmax(np.concatenate(allv)) <= 1.0)
        u = "-" if ref_age is not None else pr.units(runs[names[0]].units(v))
        ax.set_xlabel(pr.AGE_LABEL)
        ax.set_ylabel(f"{v} [{u}]" if ref_age is None else f"{v} relative to age {ref_age:g} [-]")
        ax.set_title(runs[names[0]].long_name(v) + ("" if ref_age is None else f", relative to age {ref_age:g}"),
                     fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = outdir / f"compare_{v}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written


def parse(argv):
    ap = argparse.ArgumentParser(prog="dermsim compare", description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="run directories or run.h5 files; the first is the reference")
    ap.add_argument("--ages", help="ages in years, e.g. 40,60,80 (default: every 10 years all runs cover)")
    ap.add_argument("--vars", help="series to compare, e.g. collagen_total,senescent_fraction")
    ap.add_argument("--ref-age", type=float, help="divide each run by its own value at this age")
    ap.add_argument("-o", "--outdir", default="out/compare", help="output directory (default: out/compare)")
    ap.add_argument("--allow-different", action="store_true",
                    help="compare runs whose grids or subjects differ")
    ap.add_argument("--force", action="store_true",
                    help="replace an earlier comparison's files in OUTDIR (refused without it)")
    args = ap.parse_args(argv)
    if len(args.runs) < 2:
        ap.error("give at least two runs")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import dermsim_analysis as da
        import plot_run as pr
    except ImportError as exc:
        print(f"dermsim compare: missing Python module {exc.name}; install Debian's python3-numpy "
              "python3-pandas python3-xarray python3-h5netcdf python3-h5py python3-matplotlib python3-yaml",
              file=sys.stderr)
        return 1
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", da.IncompleteRunWarning)
            runs = da.load_runs(args.runs)
    except (OSError, da.InvalidRunError) as exc:
        print(f"dermsim compare: {exc}", file=sys.stderr)
        return 1
    try:
        cfgs = {n: pr.resolved_config(r) for n, r in runs.items()}
        notes = check_comparable(runs, cfgs, args.allow_different)
        notes += [f"note: {w.message}" for w in caught if issubclass(w.category, da.IncompleteRunWarning)]
        ages = sorted(set(_floats(args.ages, "--ages"))) if args.ages else default_ages(runs)
        spans = {n: age_span(r) for n, r in runs.items()}
        nowhere = [a for a in ages if all(a < lo - 1e-9 or a > hi + 1e-9 for lo, hi in spans.values())]
        if nowhere:  # a table without a value in it: refused (an age some runs lack is a note below)
            cover = "; ".join(f"{n} {lo:.4g} to {hi:.4g}" for n, (lo, hi) in spans.items())
            raise Refused(f"--ages {','.join(f'{a:g}' for a in nowhere)}: no run covers "
                          f"{'it' if len(nowhere) == 1 else 'them'} ({cover}); expected ages inside a run")
        if args.ref_age is not None:
            if not math.isfinite(args.ref_age):
                raise Refused(f"--ref-age must be a finite number of years, got '{args.ref_age}'")
            for n, r in runs.items():  # each run divided by its own value there: it must have one
                lo, hi = age_span(r)
                if not lo - 1e-9 <= args.ref_age <= hi + 1e-9:
                    raise Refused(f"--ref-age {args.ref_age:g}: {n} covers ages {lo:.4g} to {hi:.4g}; "
                                  "expected an age every run covers")
        variables = pick_vars(runs, [v.strip() for v in args.vars.split(",") if v.strip()] if args.vars else None)
        if not variables:
            raise Refused("none of the default series is in every run; pass --vars")
    except Refused as exc:
        print(f"dermsim compare: {exc}", file=sys.stderr)
        return 2
    df = compare_table(runs, variables, ages, args.ref_age)
    names = list(runs)
    for n in names:
        lo, hi = age_span(runs[n])
        outside = [a for a in ages if a < lo - 1e-9 or a > hi + 1e-9]
        if outside:
            notes.append(f"note: {n} covers ages {lo:.4g} to {hi:.4g}: no value at {', '.join(f'{a:g}' for a in outside)}")
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        print(f"dermsim compare: -o {outdir}: not a directory", file=sys.stderr)
        return 2
    earlier = sorted(outdir.glob("compare.csv")) + sorted(outdir.glob("compare_*.png")) if outdir.is_dir() else []
    if earlier and not args.force:
        print(f"dermsim compare: -o {outdir} already holds a comparison ({earlier[0].name}); "
              "pass --force to replace it, or choose another -o", file=sys.stderr)
        return 2
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"dermsim compare: -o {outdir}: cannot create it: {exc.strerror or exc}", file=sys.stderr)
        return 1
    df.to_csv(outdir / "compare.csv", index=False)
    rel = "" if args.ref_age is None else f", each relative to its own value at age {args.ref_age:g}"
    print(f"{len(names)} runs, reference {names[0]}{rel}; differences and ratios are against {names[0]}")
    for n in names:
        print(f"  {n}: {runs[n].path}")
    print()
    print(terminal_table(df, names))
    print()
    for note in notes:
        print(note)
    figs = overlay_figures(runs, variables, ages, outdir, args.ref_age)
    print(f"wrote {outdir / 'compare.csv'} and {len(figs)} figures ({outdir}/compare_<variable>.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
