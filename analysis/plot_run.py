#!/usr/bin/python3
"""Standard plots of one dermsim run.

Usage::

    /usr/bin/python3 analysis/plot_run.py RUN_DIR_OR_H5 [-o OUTDIR] [--depth UM]
                                          [--profiles a,b,...] [--fields a,b,...]

Writes into OUTDIR (default: ``<run dir>/plots``):

- ``totals.png``   totals over age: collagen relative to the start, fragmented fraction,
                   elastin, hyaluronan, fibroblasts by state, senescent fraction, dermal
                   thickness, collagen turnover, signal means, ...
- ``profiles.png`` depth-by-age heatmaps of laterally averaged fields (collagen intact and
                   fragmented, elastin, HA, MMP-1, TIMP, TGF-beta, ROS; ``--profiles``)
- ``slices.png``   last frame: x-z slice at mid y and x-y slice at ``--depth`` per field
- ``agents.png``   last frame: agents (x vs depth, coloured by state) and counts by state

Panels whose variables are absent from the run are skipped. Exit status 2 (with a
one-line message) if the run file is missing or not a dermsim run.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import dermsim_analysis as da  # noqa: E402

PROFILE_DEFAULT = ["collagen_intact", "collagen_fragmented", "elastin_functional", "ha_hmw",
                   "mmp1", "timp", "tgfb", "ros"]
SLICE_DEFAULT = ["collagen_intact", "collagen_fragmented", "mmp1", "elastin_functional"]
SIGNALS = ["tgfb", "mmp1", "mmp3", "timp", "ros", "il", "gf", "chemokine", "exosome"]
STATE_COLORS = {"quiescent": "tab:blue", "activated": "tab:green", "senescent": "tab:red",
                "apoptotic": "tab:gray"}
CELL_LABELS = {"fibroblast_count": "all fibroblasts", "fibroblast_quiescent": "quiescent",
               "fibroblast_activated": "activated", "fibroblast_senescent": "senescent",
               "stem_cell_count": "stem cells"}
DEPTH_LABEL = "depth below DEJ z [um]"
AGE_LABEL = "age [years]"


def _pyplot():
    """matplotlib.pyplot, imported on first use (main() selects the Agg backend first;
    imported from a notebook, the notebook's backend is kept)."""
    import matplotlib.pyplot as plt
    return plt


def _edges(c: np.ndarray, half_width: float = 0.5) -> np.ndarray:
    """Cell edges from centres (for pcolormesh)."""
    c = np.asarray(c, dtype=float)
    if c.size == 1:
        return np.array([c[0] - half_width, c[0] + half_width])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def _title(run: da.Run) -> str:
    seed = run.attrs.get("seed", "?")
    status = "" if run.completed else "  [INCOMPLETE RUN]"
    return f"dermsim run '{run.name}' (seed {seed}){status}"


def _fmt_units(u: str) -> str:
    return "-" if u in ("", "1") else u


# ------------------------------------------------------------------ totals
def _panels(run: da.Run):
    """(title, ylabel, [(column, legend, transform)]) for every panel with data."""
    s = run.series
    has = set(s.columns)

    def rel(v):
        return da.relative(v, ref_age=float(s.index[0]))

    def u(col):
        return _fmt_units(run.units(col))

    panels = []
    cols = [c for c in ("collagen_total", "collagen_intact_total") if c in has]
    if cols:
        panels.append((f"Collagen (relative to age {s.index[0]:.3g})", "relative to start [-]",
                       [(c, run.long_name(c), rel) for c in cols]))
    if "collagen_fragmented_fraction" in has:
        c = "collagen_fragmented_fraction"
        panels.append(("Fragmented collagen", f"fraction [{u(c)}]", [(c, None, None)]))
    for title, names in (("Elastin", ["elastin_functional_total", "elastin_elastotic_total"]),
                         ("Hyaluronan", ["ha_hmw_total", "ha_lmw_total"]),
                         ("Collagen turnover", ["collagen_synthesis_rate",
                                                "collagen_degradation_rate",
                                                "collagen_cleavage_rate"])):
        cols = [c for c in names if c in has]
        if cols:
            panels.append((title, f"[{u(cols[0])}]", [(c, run.long_name(c), None) for c in cols]))
    cols = [c for c in ("fibroblast_count", "fibroblast_quiescent", "fibroblast_activated",
                        "fibroblast_senescent", "stem_cell_count") if c in has]
    if cols:
        panels.append(("Cells by state", "cells in domain [-]",
                       [(c, CELL_LABELS[c], None) for c in cols]))
    for col, title in (("senescent_fraction", "Senescent fraction of fibroblasts"),
                       ("fibroblast_density", "Fibroblast density"),
                       ("dermal_thickness", "Dermal thickness"),
                       ("age_crosslinks_mean", "AGE cross-links"),
                       ("collagen_synthesis_per_cell", "Collagen synthesis per fibroblast"),
                       ("attachment_mean", "Mean fibroblast attachment"),
                       ("estrogen", "Estrogen")):
        if col in has:
            panels.append((title, f"[{u(col)}]", [(col, None, None)]))
    sig = [f"{n}_mean" for n in SIGNALS if f"{n}_mean" in has]
    if sig:
        def norm(v):
            ref = float(v.iloc[0])
            if ref > 0 and np.isfinite(ref):
                return v / ref
            vmax = float(np.nanmax(np.abs(v.values))) if len(v) else 0.0
            return v / vmax if vmax > 0 else v * 0.0
        panels.append(("Signal means (relative to start)", "relative to start [-]",
                       [(c, c[: -len("_mean")], norm) for c in sig]))
    return panels


def plot_totals(run: da.Run, outdir: Path) -> Path:
    plt = _pyplot()
    s = run.series
    panels = _panels(run)
    ncol = 3
    nrow = max(1, -(-len(panels) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(5 * ncol, 3.4 * nrow), squeeze=False,
                             sharex=True)
    marker = "o" if len(s) < 4 else None
    for ax, (title, ylabel, lines) in zip(axes.flat, panels):
        for col, legend, fn in lines:
            v = s[col]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                v = fn(v) if fn else v
            ax.plot(s.index, v.values, marker=marker, label=legend)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if len(lines) > 1:
            ax.legend(fontsize=7)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax in axes.flat:
        ax.tick_params(labelbottom=True)
        ax.set_xlabel(AGE_LABEL)
    fig.suptitle(_title(run) + " - totals over age")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out = outdir / "totals.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


# ------------------------------------------------------------------ profiles
def plot_profiles(run: da.Run, outdir: Path, names=None):
    plt = _pyplot()
    avail = set(run.profiles) | set(run.fields)
    if names:
        names = [n for n in names if n in avail]
    else:
        names = [n for n in PROFILE_DEFAULT if n in avail] or sorted(run.profiles)[:8]
    if not names or run.n_frames == 0:
        return None
    ncol = min(4, len(names))
    nrow = -(-len(names) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
    for ax, name in zip(axes.flat, names):
        p = run.profile(name)  # DataArray (frame, z)
        ae = _edges(p["frame_age_years"].values)
        ze = _edges(p["z"].values)
        m = ax.pcolormesh(ae, ze, p.transpose("z", "frame").values, shading="flat",
                          cmap="viridis")
        ax.set_ylim(ze[-1], ze[0])  # depth increases downwards
        ax.set_title(run.long_name(name) if name in run.variables else p.attrs["long_name"],
                     fontsize=9)
        ax.set_xlabel(AGE_LABEL)
        ax.set_ylabel(DEPTH_LABEL)
        fig.colorbar(m, ax=ax, label=f"[{_fmt_units(p.attrs.get('units', ''))}]")
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    fig.suptitle(_title(run) + " - laterally averaged depth profiles over age")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out = outdir / "profiles.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


# ------------------------------------------------------------------ slices
def plot_slices(run: da.Run, outdir: Path, fields=None, depth=None):
    plt = _pyplot()
    if run.n_frames == 0:
        return None
    wanted = fields or SLICE_DEFAULT
    names = [n for n in wanted if n in run.fields]
    if not names and not fields:
        names = run.fields[:4]
    if not names:
        return None
    z = run.z
    if depth is None:
        depth = float(z[len(z) // 4]) if len(z) else 0.0
    fig, axes = plt.subplots(len(names), 2, figsize=(11, 3.4 * len(names)), squeeze=False)
    for row, name in zip(axes, names):
        f = run.field(name)  # DataArray (z, y, x), last frame
        xe, ye, ze = _edges(f["x"].values), _edges(f["y"].values), _edges(f["z"].values)
        xz = f.isel(y=f.sizes["y"] // 2)           # (z, x) at mid y
        xy = f.sel(z=depth, method="nearest")      # (y, x) at the depth
        vmin = float(f.min(skipna=True))
        vmax = float(f.max(skipna=True))
        lname, units = f.attrs.get("long_name", name), _fmt_units(f.attrs.get("units", ""))
        m = row[0].pcolormesh(xe, ze, xz.transpose("z", "x").values, vmin=vmin, vmax=vmax,
                              cmap="viridis")
        row[0].set_ylim(ze[-1], ze[0])
        row[0].set_title(f"{lname}: x-z at y = {float(xz['y']):.4g} um", fontsize=9)
        row[0].set_xlabel("x [um]")
        row[0].set_ylabel(DEPTH_LABEL)
        fig.colorbar(m, ax=row[0], label=f"[{units}]")
        m = row[1].pcolormesh(xe, ye, xy.transpose("y", "x").values, vmin=vmin, vmax=vmax,
                              cmap="viridis")
        row[1].set_title(f"{lname}: x-y at depth z = {float(xy['z']):.4g} um", fontsize=9)
        row[1].set_xlabel("x [um]")
        row[1].set_ylabel("y [um]")
        fig.colorbar(m, ax=row[1], label=f"[{units}]")
        for ax in row:
            w = (ax.get_xlim()[1] - ax.get_xlim()[0]) / max(abs(ax.get_ylim()[1] - ax.get_ylim()[0]), 1e-12)
            ax.set_aspect("equal" if 0.2 < w < 5 else "auto")
    age = run.frames[-1]
    fig.suptitle(f"{_title(run)} - fields at age {age:.4g} years (last frame)")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out = outdir / "slices.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


# ------------------------------------------------------------------ agents
def plot_agents(run: da.Run, outdir: Path):
    plt = _pyplot()
    if run.n_frames == 0 or run.agent_count.size == 0:
        return None
    a = run.agents()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.6),
                                   gridspec_kw={"width_ratios": [2.2, 1]})
    if len(a) == 0:
        ax0.text(0.5, 0.5, "no agents in the last frame", ha="center", va="center",
                 transform=ax0.transAxes)
    else:
        is_stem = (a["type_name"] == "stem") if "type_name" in a else np.zeros(len(a), bool)
        for state, color in STATE_COLORS.items():
            sel = (a["state_name"] == state) & ~is_stem
            if sel.any():
                ax0.scatter(a.loc[sel, "x"], a.loc[sel, "z"], s=10, c=color, alpha=0.7,
                            label=f"fibroblast {state} ({int(sel.sum())})")
        if is_stem.any():
            ax0.scatter(a.loc[is_stem, "x"], a.loc[is_stem, "z"], s=40, marker="*", c="k",
                        label=f"stem ({int(is_stem.sum())})")
        ax0.legend(fontsize=8, loc="lower right")
    if len(run.z):
        ze = _edges(run.z)
        ax0.set_ylim(ze[-1], ze[0])
    if len(run.x):
        xe = _edges(run.x)
        ax0.set_xlim(xe[0], xe[-1])
    ax0.set_xlabel("x [um]")
    ax0.set_ylabel(DEPTH_LABEL)
    ax0.set_title(f"Agents at age {a.attrs['age_years']:.4g} years (all y)", fontsize=10)

    types = ["fibroblast", "stem"]
    states = list(STATE_COLORS)
    bottom = np.zeros(len(types))
    for state in states:
        h = np.array([((a.get("type_name") == t) & (a.get("state_name") == state)).sum()
                      if len(a) else 0 for t in types], dtype=float)
        ax1.bar(types, h, bottom=bottom, color=STATE_COLORS[state], label=state)
        bottom += h
    ax1.set_ylabel("agents [-]")
    ax1.set_title("Agents by type and state", fontsize=10)
    ax1.legend(fontsize=8)
    fig.suptitle(_title(run) + " - agents of the last frame")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out = outdir / "agents.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


# ------------------------------------------------------------------ main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="plot_run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="run directory (containing run.h5) or the .h5 file")
    ap.add_argument("-o", "--outdir", help="output directory (default: <run dir>/plots)")
    ap.add_argument("--depth", type=float, default=None,
                    help="depth below the DEJ (um) of the x-y slices (default: a quarter of the domain depth)")
    ap.add_argument("--profiles", default=None,
                    help="comma-separated fields for profiles.png (default: %s)" % ",".join(PROFILE_DEFAULT))
    ap.add_argument("--fields", default=None,
                    help="comma-separated fields for slices.png (default: %s)" % ",".join(SLICE_DEFAULT))
    args = ap.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", da.IncompleteRunWarning)
            run = da.open_run(args.run)
    except (OSError, da.InvalidRunError) as exc:
        print(f"plot_run.py: error: {exc}", file=sys.stderr)
        return 2
    if len(run.series) == 0:
        print(f"plot_run.py: error: {run.path} has no time rows yet", file=sys.stderr)
        return 2
    if not run.completed:
        print(f"plot_run.py: warning: run {run.path} is incomplete (completed=0)", file=sys.stderr)
    import matplotlib
    matplotlib.use("Agg")
    outdir = Path(args.outdir) if args.outdir else run.path.parent / "plots"
    outdir.mkdir(parents=True, exist_ok=True)
    def names(arg):
        return [n.strip() for n in arg.split(",") if n.strip()] if arg else None
    fields = names(args.fields)
    written = [plot_totals(run, outdir), plot_profiles(run, outdir, names(args.profiles)),
               plot_slices(run, outdir, fields=fields, depth=args.depth), plot_agents(run, outdir)]
    for p in written:
        if p is not None:
            print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
