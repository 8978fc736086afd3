#!/usr/bin/python3
"""Standard figures of one dermsim run.

Usage::

    /usr/bin/python3 analysis/plot_run.py RUN_DIR_OR_H5 [-o OUTDIR] [--depth UM]
                                          [--profiles a,b,...] [--fields a,b,...]

Writes into OUTDIR (default: ``<run dir>/plots``):

- ``totals.png``   totals over age, one quantity per panel (collagen relative to the start,
                   fragmented share, elastin, hyaluronan, turnover, cells by state,
                   senescent share, density, thickness, cross-links, synthesis per cell,
                   attachment, estrogen, enzymes, signals). Non-negative quantities are
                   drawn from zero, so a flat line means "no change" and noise is not
                   blown up into a trend; each panel states its change.
- ``firmness.png`` the simulated Cutometer over age (R0 firmness in mm, higher is softer;
                   the ratios R2 = Ua/Uf and R7 = Ur/Uf) and the layer shear moduli G0, G1
                   by depth at the first and last frame (``mech_g0_profile``,
                   ``mech_g1_profile``); not written for a file without them
- ``profiles.png`` depth-by-age maps of laterally averaged fields (collagen intact and
                   fragmented, elastin, HA, MMP-1, ROS; ``--profiles``) and of fibroblast
                   density, with the papillary/reticular boundary of the run dashed
- ``slices.png``   young (first frame) against old (last frame): an x-z slice at mid y
                   and an x-y slice at ``--depth`` of each field, one colour scale per field
- ``agents.png``   cells of the first and last frame in a slab around mid y (true aspect),
                   coloured by state, and their density by depth

Every figure function returns ``(figure, notes)``: the notes are sentences computed from
the run that explain each panel (``report_html.py`` prints them under the figures). Panels
whose variables are absent are skipped. Lengths are in µm. Exit status 2 (with a one-line
message) if the run file is missing or not a dermsim run.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from pathlib import Path
from typing import List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import dermsim_analysis as da  # noqa: E402

PROFILE_DEFAULT = ["collagen_intact", "collagen_fragmented", "elastin_functional", "ha_hmw",
                   "mmp1", "ros"]
SLICE_DEFAULT = ["collagen_intact", "collagen_fragmented", "mmp1", "elastin_functional"]
ENZYMES = ["mmp1", "mmp3", "timp"]
SIGNALS = ["tgfb", "ros", "il", "gf", "chemokine", "exosome"]
STATE_COLORS = {"quiescent": "#1f77b4", "activated": "#2ca02c", "senescent": "#d62728",
                "apoptotic": "#7f7f7f"}
# Okabe-Ito: distinguishable, also for colour-blind readers; with line styles on top
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
STYLES = ["-", "--", "-.", ":"]
UM = "µm"
DEPTH_LABEL = f"depth below the DEJ [{UM}]"
AGE_LABEL = "age [years]"


def _pyplot():
    """matplotlib.pyplot, imported on first use (main() selects the Agg backend first;
    imported from a notebook, the notebook's backend is kept)."""
    import matplotlib.pyplot as plt
    return plt


def units(u: str) -> str:
    """Units for a label: "um" -> "µm", powers as superscripts, dimensionless as "-"."""
    if u in ("", "1", None):
        return "-"
    u = re.sub(r"\bum\b", UM, str(u))
    return u.replace("^2", "²").replace("^3", "³").replace("^-1", "⁻¹")


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


def resolved_config(run: da.Run) -> dict:
    """The run's resolved configuration (root attribute config_resolved) as a dict."""
    text = run.attrs.get("config_resolved", "")
    try:
        import yaml
        d = yaml.safe_load(text) if text else {}
        return d if isinstance(d, dict) else {}
    except Exception:  # PyYAML missing or unreadable text: the figures do without
        return {}


def papillary_depth(run: da.Run) -> Optional[float]:
    v = resolved_config(run).get("domain", {}).get("papillary_depth_um")
    return float(v) if isinstance(v, (int, float)) else None


def change(v: np.ndarray) -> str:
    """'a -> b (+x %)' of a series' first and last finite values."""
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "no values"
    a, b = v[0], v[-1]
    rel = f" ({100 * (b / a - 1):+.1f} %)" if a != 0 else ""
    return f"{a:.3g} → {b:.3g}{rel}"


def _ylim_from_zero(ax, values, fraction=False):
    """Non-negative quantities from zero to 15 % above the largest value (fractions at
    most 1): flat means unchanged, and small noise stays small."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0 or v.min() < 0:
        return
    top = 1.15 * v.max() if v.max() > 0 else 1.0
    if fraction:
        top = min(max(top, 0.05), 1.0) if v.max() <= 0.87 else 1.05
    ax.set_ylim(0, top)


# ------------------------------------------------------------------ totals
def _panels(run: da.Run):
    """(title, ylabel, [(column, legend, transform)], fraction) for every panel with data."""
    s = run.series
    has = set(s.columns)
    a0 = float(s.index[0]) if len(s) else 0.0

    def rel(v):
        return da.relative(v, ref_age=a0)

    def lbl(col):
        return f"[{units(run.units(col))}]"

    panels = []
    cols = [c for c in ("collagen_total", "collagen_intact_total") if c in has]
    if cols:
        panels.append((f"Collagen relative to age {a0:.3g}", "relative to start [-]",
                       [(c, run.long_name(c), rel) for c in cols], False))
    single = [("collagen_fragmented_fraction", "Fragmented share of collagen", True)]
    for col, title, frac in single:
        if col in has:
            panels.append((title, f"fraction {lbl(col)}", [(col, None, None)], frac))
    for title, names in (("Elastin", ["elastin_functional_total", "elastin_elastotic_total"]),
                         ("Hyaluronan", ["ha_hmw_total", "ha_lmw_total"]),
                         ("Collagen turnover", ["collagen_synthesis_rate",
                                                "collagen_degradation_rate",
                                                "collagen_cleavage_rate"])):
        cols = [c for c in names if c in has]
        if cols:
            panels.append((title, lbl(cols[0]), [(c, run.long_name(c), None) for c in cols], False))
    cols = [c for c in ("fibroblast_count", "fibroblast_quiescent", "fibroblast_activated",
                        "fibroblast_senescent") if c in has]
    if cols:
        names = {"fibroblast_count": "all", "fibroblast_quiescent": "quiescent",
                 "fibroblast_activated": "activated", "fibroblast_senescent": "senescent"}
        panels.append(("Fibroblasts by state", "cells in the block [-]",
                       [(c, names[c], None) for c in cols], False))
    for col, title, frac in (("stem_cell_count", "Progenitor (stem) cells", False),
                             ("senescent_fraction", "Senescent share of fibroblasts", True),
                             ("fibroblast_density", "Fibroblast density", False),
                             ("dermal_thickness", "Dermal thickness", False),
                             ("age_crosslinks_mean", "AGE cross-links", False),
                             ("collagen_synthesis_per_cell", "Collagen synthesis per fibroblast", False),
                             ("attachment_mean", "Fibroblast attachment to intact collagen", True),
                             ("estrogen", "Estrogen (1 = premenopausal)", True)):
        if col in has:
            panels.append((title, lbl(col), [(col, None, None)], frac))
    for title, names in (("Matrix enzymes (1 = young adult)", ENZYMES),
                         ("Signals (1 = young adult)", SIGNALS)):
        cols = [f"{n}_mean" for n in names if f"{n}_mean" in has]
        if cols:
            panels.append((title, "mean level [au]", [(c, c[:-len("_mean")], None) for c in cols], False))
    return panels  # the mechanics (Cutometer readouts, layer moduli): fig_firmness


def fig_totals(run: da.Run) -> Tuple[object, List[str]]:
    """Totals over age, one quantity per panel; notes: each panel's change."""
    plt = _pyplot()
    s = run.series
    panels = _panels(run)
    ncol = 3
    nrow = max(1, -(-len(panels) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(5 * ncol, 3.3 * nrow), squeeze=False, sharex=True)
    marker = "o" if len(s) < 4 else None
    notes = []
    for ax, (title, ylabel, lines, frac) in zip(axes.flat, panels):
        shown, flat = [], []
        for i, (col, legend, fn) in enumerate(lines):
            v = s[col]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                v = fn(v) if fn else v
            if len(lines) > 1 and np.nanmax(np.abs(v.values)) == 0:
                flat.append(legend)  # e.g. exosome without treatment: say so, draw nothing
                continue
            ax.plot(s.index, v.values, marker=marker, color=PALETTE[i % len(PALETTE)],
                    linestyle=STYLES[i % len(STYLES)], label=legend, lw=1.4)
            shown.append(v.values)
            notes_name = legend or run.long_name(col)
            notes.append(f"{title} — {notes_name}: {change(v.values)}.")
        if flat:
            ax.text(0.02, 0.03, "0 throughout: " + ", ".join(flat), transform=ax.transAxes,
                    fontsize=7, color="0.35")
            notes.append(f"{title}: {', '.join(flat)} stayed 0 throughout.")
        if shown:
            _ylim_from_zero(ax, np.concatenate(shown), fraction=frac)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if len(shown) > 1:
            ax.legend(fontsize=7, loc="best")
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax in axes.flat:
        ax.tick_params(labelbottom=True)
        ax.set_xlabel(AGE_LABEL)
    fig.suptitle(_title(run) + " - totals over age (non-negative quantities drawn from 0)")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig, notes


# ------------------------------------------------------------------ firmness
FIRMNESS = {"cutometer_R0": "R0 (final extension Uf; higher is softer)",
            "cutometer_R2": "R2 (Ua/Uf, gross elasticity)",
            "cutometer_R7": "R7 (Ur/Uf, biological elasticity)"}
RATIOS = ["cutometer_R2", "cutometer_R7"]
MODULI = [("mech_g0", "G0 (instantaneous)", "-"), ("mech_g1", "G1 (delayed)", "--")]


def firmness_summary(run: da.Run) -> Optional[str]:
    """One sentence: R0, R2 and R7 at the first and the last row of the run, and their change;
    None if the run has none of them (a file written before the tissue mechanics)."""
    s = run.series
    cols = [c for c in FIRMNESS if c in s.columns]
    if not cols or len(s) == 0:
        return None
    parts = []
    for c in cols:
        v0, v1 = float(s[c].iloc[0]), float(s[c].iloc[-1])
        u = units(run.units(c))
        u = "" if u == "-" else f" {u}"
        rel = f" ({100 * (v1 / v0 - 1):+.0f} %)" if v0 != 0 and np.isfinite(v0) else ""
        parts.append(f"{FIRMNESS[c]} {v0:.3g}{u} → {v1:.3g}{u}{rel}")
    head = f"Simulated Cutometer at age {s.index[0]:.1f} and at age {s.index[-1]:.1f}"
    if "cutometer_R0" in cols:
        r0 = s["cutometer_R0"]
        d = r0.iloc[-1] / r0.iloc[0] - 1 if r0.iloc[0] != 0 else 0.0
        head += (": the skin became less firm" if d > 0.02 else ": the skin became firmer" if d < -0.02
                 else ": firmness stayed about the same")
    return f"{head}. {'; '.join(parts)}."


def _cutometer_setup(run: da.Run) -> str:
    c = resolved_config(run).get("cutometer", {})
    keys = ("probe_mm", "pressure_mbar", "on_s", "off_s")
    if not all(isinstance(c.get(k), (int, float)) for k in keys):
        return ""
    return (f"Simulated suction test of the run's configuration: {c['probe_mm']:g} mm probe, "
            f"{c['pressure_mbar']:g} mbar, {c['on_s']:g} s on / {c['off_s']:g} s off (cutometer.*).")


def _firm_series(ax, run: da.Run, cols, title, ylabel, fraction):
    """Cutometer series over age on one axis; returns the notes."""
    s = run.series
    marker = "o" if len(s) < 4 else None
    notes, shown = [], []
    for i, c in enumerate(cols):
        v = s[c].values
        ax.plot(s.index, v, marker=marker, color=PALETTE[i % len(PALETTE)], linestyle=STYLES[i % len(STYLES)],
                label=FIRMNESS.get(c, c), lw=1.4)
        shown.append(v)
        u = units(run.units(c))
        notes.append(f"{FIRMNESS.get(c, run.long_name(c))}{'' if u == '-' else ' [' + u + ']'}: {change(v)}.")
    v = np.concatenate(shown)
    _ylim_from_zero(ax, v, fraction=fraction and np.nanmax(v) <= 1.0)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(AGE_LABEL)
    ax.grid(alpha=0.3)
    if len(cols) > 1:
        ax.legend(fontsize=7, loc="best")
    return notes


def _firm_moduli(ax, run: da.Run, moduli):
    """Layer moduli by depth, first frame (thin) against last frame (thick); returns the notes."""
    ks = [0] if run.n_frames == 1 else [0, run.n_frames - 1]
    notes, u = [], "kPa"
    for name, label, ls in moduli:
        p = run.profile(name)
        z, ages, u = p["z"].values, p["frame_age_years"].values, p.attrs.get("units", u)
        for j, k in enumerate(ks):
            ax.plot(p.values[k], z, color=PALETTE[0 if j == 0 else 3], linestyle=ls, lw=1.0 if j == 0 else 2.2,
                    label=f"{label}, age {ages[k]:.0f}")
        v0, v1 = p.values[ks[0]], p.values[ks[-1]]
        notes.append(f"{label} shear modulus: depth mean {np.nanmean(v0):.3g} {units(u)} at age {ages[ks[0]]:.0f}, "
                     f"{np.nanmean(v1):.3g} {units(u)} at age {ages[ks[-1]]:.0f} (range over depth "
                     f"{np.nanmin(v1):.3g} to {np.nanmax(v1):.3g} {units(u)}).")
    ze = _edges(run.z)
    ax.set_ylim(ze[-1], ze[0])  # depth increases downwards
    ax.set_xlim(left=0)
    pap = papillary_depth(run)
    if pap is not None and 0 < pap < ze[-1]:
        ax.axhline(pap, color="k", ls=":", lw=0.8)
    ax.set_title("Layer shear moduli, young (thin) and old (thick)", fontsize=10)
    ax.set_xlabel(f"shear modulus [{units(u)}]")
    ax.set_ylabel(DEPTH_LABEL)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    return notes


def fig_firmness(run: da.Run) -> Tuple[object, List[str]]:
    """Firmness: the simulated Cutometer over age (R0; R2 and R7) and the layer moduli G0, G1
    by depth at the first and the last frame. Panels whose variables are absent are skipped;
    (None, []) for a file written before the tissue mechanics."""
    plt = _pyplot()
    s = run.series
    has = set(s.columns) if len(s) else set()
    ratios = [c for c in RATIOS if c in has]
    moduli = [m for m in MODULI if m[0] in run.profiles] if run.n_frames and len(run.z) else []
    panels = (["r0"] if "cutometer_R0" in has else []) + (["ratios"] if ratios else []) + \
        (["moduli"] if moduli else [])
    if not panels:
        return None, []
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.6), squeeze=False)
    notes = [n for n in (_cutometer_setup(run), firmness_summary(run)) if n]
    for ax, kind in zip(axes.flat, panels):
        if kind == "r0":
            notes += _firm_series(ax, run, ["cutometer_R0"], "Firmness: Cutometer R0 (higher = softer)",
                                  f"R0 = Uf [{units(run.units('cutometer_R0'))}]", False)
        elif kind == "ratios":
            notes += _firm_series(ax, run, ratios, "Elasticity ratios (1 = fully elastic)", "ratio [-]", True)
        else:
            notes += _firm_moduli(ax, run, moduli)
    if "dermal_water_content" in has:
        notes.append(f"Dermal water content (volume fraction): {change(s['dermal_water_content'].values)}.")
    fig.suptitle(_title(run) + " - firmness (simulated Cutometer) and layer moduli")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig, notes


# ------------------------------------------------------------------ profiles
def cell_density_profile(run: da.Run):
    """Fibroblasts per mm³ by depth bin (one voxel) for every frame: (ages, z, density)."""
    if run.n_frames == 0 or run.agent_count.size == 0 or len(run.z) == 0:
        return None
    z = run.z
    ze = _edges(z)
    area_mm2 = (len(run.x) * (ze[1] - ze[0])) * (len(run.y) * (ze[1] - ze[0])) * 1e-6
    dens = []
    for k in range(run.n_frames):
        a = run.agents(k)
        if "type_name" in a:
            a = a[a["type_name"] == "fibroblast"]
        h, _ = np.histogram(a["z"], bins=ze)
        dens.append(h / (area_mm2 * np.diff(ze) * 1e-3))
    return np.asarray(run.frames), z, np.array(dens)


def _extremes(z, v):
    """Depths of the largest and smallest value of a profile (one frame)."""
    return float(z[int(np.nanargmax(v))]), float(z[int(np.nanargmin(v))])


def fig_profiles(run: da.Run, names=None):
    """Depth-by-age maps; notes: the papillary boundary and where each map peaks."""
    plt = _pyplot()
    avail = set(run.profiles) | set(run.fields)
    if names:
        names = [n for n in names if n in avail]
    else:
        names = [n for n in PROFILE_DEFAULT if n in avail] or sorted(run.profiles)[:6]
    if not names or run.n_frames == 0:
        return None, []
    dens = cell_density_profile(run)
    nmaps = len(names) + (dens is not None)
    ncol = min(4, nmaps)
    nrow = -(-nmaps // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.3 * ncol, 3.5 * nrow), squeeze=False)
    pap = papillary_depth(run)
    z = run.z
    depth = float(_edges(z)[-1]) if len(z) else 0.0
    notes = []
    bottom = resolved_config(run).get("domain", {}).get("bottom_boundary")
    wall = {"noflux": "a no-flux wall", "vascular": "a vascular sink"}.get(bottom, "its bottom boundary")
    if pap is not None and 0 < pap < depth:
        notes.append(f"Dashed line: the run's papillary/reticular boundary at {pap:.0f} {UM} "
                     f"(domain.papillary_depth_um); the block ends at {depth:.0f} {UM} in {wall} "
                     f"(domain.bottom_boundary).")
    maps = [(n, None) for n in names] + ([("fibroblast density", dens)] if dens is not None else [])
    for ax, (name, dd) in zip(axes.flat, maps):
        if dd is None:
            p = run.profile(name)  # DataArray (frame, z)
            ages, values, u = p["frame_age_years"].values, p.transpose("z", "frame").values, p.attrs.get("units", "")
            title = run.long_name(name) if name in run.variables else p.attrs["long_name"]
        else:
            ages, zz, d = dd
            values, u, title = d.T, "1/mm^3", "fibroblasts per volume (from the cells)"
        ae, ze = _edges(ages, 2.5), _edges(z)
        m = ax.pcolormesh(ae, ze, values, shading="flat", cmap="viridis")
        ax.set_ylim(ze[-1], ze[0])  # depth increases downwards
        if pap is not None and 0 < pap < depth:
            ax.axhline(pap, color="w", ls="--", lw=1.0)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(AGE_LABEL)
        ax.set_ylabel(DEPTH_LABEL)
        fig.colorbar(m, ax=ax, label=f"[{units(u)}]")
        hi, lo = _extremes(z, values[:, -1])
        notes.append(f"{title}: at age {ages[-1]:.0f} highest at {hi:.0f} {UM}, lowest at {lo:.0f} {UM} "
                     f"(range {np.nanmin(values[:, -1]):.3g} to {np.nanmax(values[:, -1]):.3g} {units(u)}).")
    if dens is not None and pap is not None and 0 < pap < depth:
        d0 = dens[2][0]
        above, below = d0[z < pap].mean(), d0[z >= pap].mean()
        notes.append(f"At age {dens[0][0]:.0f} the run starts with {above:.0f} fibroblasts per mm³ above the "
                     f"boundary at {pap:.0f} {UM} and {below:.0f} below it.")
    for ax in axes.flat[len(maps):]:
        ax.set_visible(False)
    fig.suptitle(_title(run) + " - laterally averaged depth profiles over age")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig, notes


# ------------------------------------------------------------------ slices
def fig_slices(run: da.Run, fields=None, depth=None):
    """Young (first frame) against old (last frame): x-z at mid y and x-y at a depth."""
    plt = _pyplot()
    if run.n_frames == 0:
        return None, []
    wanted = fields or SLICE_DEFAULT
    names = [n for n in wanted if n in run.fields]
    if not names and not fields:
        names = run.fields[:4]
    if not names:
        return None, []
    z = run.z
    if depth is None:
        depth = float(z[len(z) // 4]) if len(z) else 0.0
    k0, k1 = 0, run.n_frames - 1
    a0, a1 = run.frames[k0], run.frames[k1]
    ncols = 4
    fig, axes = plt.subplots(len(names), ncols, figsize=(3.6 * ncols + 1.5, 3.3 * len(names)), squeeze=False,
                             constrained_layout=True)
    notes = [f"Columns: an x-z slice at mid y and an x-y slice {depth:.0f} {UM} below the DEJ, each at "
             f"age {a0:.0f} (first frame) and {a1:.0f} (last frame); one colour scale per row."]
    for r, (row, name) in enumerate(zip(axes, names)):
        young, old = run.field(name, frame=k0), run.field(name, frame=k1)
        vmin = float(min(young.min(), old.min()))
        vmax = float(max(young.max(), old.max()))
        lname, u = old.attrs.get("long_name", name), units(old.attrs.get("units", ""))
        xe, ye, ze = _edges(old["x"].values), _edges(old["y"].values), _edges(old["z"].values)
        for j, (f, age) in enumerate(((young, a0), (old, a1))):
            xz = f.isel(y=f.sizes["y"] // 2)
            m = row[j].pcolormesh(xe, ze, xz.transpose("z", "x").values, vmin=vmin, vmax=vmax, cmap="viridis")
            row[j].set_ylim(ze[-1], ze[0])
            row[j].set_xlabel(f"x [{UM}]")
            row[j].set_ylabel(DEPTH_LABEL if j == 0 else "")
            xy = f.sel(z=depth, method="nearest")
            row[j + 2].pcolormesh(xe, ye, xy.transpose("y", "x").values, vmin=vmin, vmax=vmax, cmap="viridis")
            row[j + 2].set_xlabel(f"x [{UM}]")
            row[j + 2].set_ylabel(f"y [{UM}]" if j == 0 else "")
            if r == 0:
                row[j].set_title(f"age {age:.0f}: x-z at y = {float(xz['y']):.0f} {UM}", fontsize=9)
                row[j + 2].set_title(f"age {age:.0f}: x-y at depth {float(xy['z']):.0f} {UM}", fontsize=9)
        for ax in row:
            ax.set_aspect("equal")  # both axes in µm: true shape
        fig.colorbar(m, ax=list(row), label=f"{lname} [{u}]", shrink=0.95, aspect=15)
        notes.append(f"{lname}: mean {float(young.mean()):.3g} {u} at age {a0:.0f}, "
                     f"{float(old.mean()):.3g} {u} at age {a1:.0f}.")
    fig.suptitle(f"{_title(run)} - fields young (age {a0:.0f}) and old (age {a1:.0f})")
    return fig, notes


# ------------------------------------------------------------------ agents
def fig_agents(run: da.Run):
    """Cells of the first and last frame in a slab around mid y, and density by depth."""
    plt = _pyplot()
    if run.n_frames == 0 or run.agent_count.size == 0:
        return None, []
    x, y, z = run.x, run.y, run.z
    h = float(z[1] - z[0]) if len(z) > 1 else 1.0
    ymid = 0.5 * (y[0] + y[-1]) if len(y) else 0.0
    slab = max(2 * h, 0.25 * len(y) * h)
    first, last = run.agents(0), run.agents(-1)
    fig = plt.figure(figsize=(14, 6.6))
    gs = fig.add_gridspec(1, 3, width_ratios=[1, 1, 1.1])
    notes = [f"Left, middle: every cell whose centre lies within {slab / 2:.0f} {UM} of y = {ymid:.0f} {UM} "
             f"(a slab of {slab:.0f} {UM} of the {len(y) * h:.0f} {UM} block), drawn at its x and depth; "
             f"right: fibroblasts per mm³ in depth bins of {max(1, int(round(50.0 / h))) * h:.0f} {UM} by state, "
             "young (thin) and old (thick)."]
    xe, ze = _edges(x), _edges(z)
    for j, a in enumerate((first, last)):
        ax = fig.add_subplot(gs[0, j])
        sel = (np.abs(a["y"] - ymid) <= slab / 2) if len(y) > 1 else np.ones(len(a), bool)
        s = a[sel]
        stem = (s["type_name"] == "stem") if "type_name" in s else np.zeros(len(s), bool)
        for state, color in STATE_COLORS.items():
            m = (s["state_name"] == state) & ~stem
            if m.any():
                ax.scatter(s.loc[m, "x"], s.loc[m, "z"], s=9, c=color, label=f"{state} ({int(m.sum())})")
        if np.any(stem):
            ax.scatter(s.loc[stem, "x"], s.loc[stem, "z"], s=40, marker="*", c="k",
                       label=f"progenitor ({int(np.sum(stem))})")
        ax.set_xlim(xe[0], xe[-1])
        ax.set_ylim(ze[-1], ze[0])
        ax.set_aspect("equal")
        ax.set_xlabel(f"x [{UM}]")
        ax.set_ylabel(DEPTH_LABEL)
        ax.set_title(f"age {a.attrs['age_years']:.0f}: {int(sel.sum())} of {len(a)} cells", fontsize=9)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
        fib = a[a["type_name"] == "fibroblast"] if "type_name" in a else a
        shares = ", ".join(f"{st} {100 * np.mean(fib['state_name'] == st):.1f} %"
                           for st in STATE_COLORS if len(fib))
        notes.append(f"Age {a.attrs['age_years']:.0f}: {len(fib)} fibroblasts ({shares}).")
    ax = fig.add_subplot(gs[0, 2])
    area_mm2 = len(x) * h * len(y) * h * 1e-6
    step = max(1, int(round(50.0 / h)))  # bins of about 50 µm: fewer cells per bin is noise
    be = ze[::step] if (len(ze) - 1) % step == 0 else np.append(ze[::step], ze[-1])
    bc = 0.5 * (be[1:] + be[:-1])
    for a, lw in ((first, 0.9), (last, 2.2)):
        fib = a[a["type_name"] == "fibroblast"] if "type_name" in a else a
        for state, color in STATE_COLORS.items():
            hst, _ = np.histogram(fib.loc[fib["state_name"] == state, "z"], bins=be)
            if hst.any():
                ax.plot(hst / (area_mm2 * np.diff(be) * 1e-3), bc, color=color, lw=lw, marker="o", ms=2.5,
                        label=f"{state}, age {a.attrs['age_years']:.0f}")
    pap = papillary_depth(run)
    if pap is not None and 0 < pap < ze[-1]:
        ax.axhline(pap, color="k", ls="--", lw=0.8)
    ax.set_ylim(ze[-1], ze[0])
    ax.set_xlim(left=0)
    ax.set_xlabel("fibroblasts per volume [1/mm³]")
    ax.set_ylabel(DEPTH_LABEL)
    ax.set_title("cell density by depth and state", fontsize=9)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    fig.suptitle(_title(run) + " - cells young and old")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig, notes


# ------------------------------------------------------------------ backwards-compatible writers
def _save(fig, path: Path):
    if fig is None:
        return None
    fig.savefig(path, dpi=100)
    _pyplot().close(fig)
    return path


def plot_totals(run: da.Run, outdir: Path) -> Path:
    return _save(fig_totals(run)[0], outdir / "totals.png")


def plot_firmness(run: da.Run, outdir: Path):
    return _save(fig_firmness(run)[0], outdir / "firmness.png")


def plot_profiles(run: da.Run, outdir: Path, names=None):
    return _save(fig_profiles(run, names)[0], outdir / "profiles.png")


def plot_slices(run: da.Run, outdir: Path, fields=None, depth=None):
    return _save(fig_slices(run, fields, depth)[0], outdir / "slices.png")


def plot_agents(run: da.Run, outdir: Path):
    return _save(fig_agents(run)[0], outdir / "agents.png")


# ------------------------------------------------------------------ main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="plot_run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="run directory (containing run.h5) or the .h5 file")
    ap.add_argument("-o", "--outdir", help="output directory (default: <run dir>/plots)")
    ap.add_argument("--depth", type=float, default=None,
                    help="depth below the DEJ (µm) of the x-y slices (default: a quarter of the domain depth)")
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

    def names(arg):
        return [n.strip() for n in arg.split(",") if n.strip()] if arg else None
    # names the run does not hold: refused with what it holds (never a figure silently left out)
    for opt, arg, have in (("--profiles", args.profiles, set(run.profiles) | set(run.fields)),
                           ("--fields", args.fields, set(run.fields))):
        unknown = [n for n in (names(arg) or []) if n not in have]
        if unknown:
            print(f"plot_run.py: error: {opt}: {', '.join(unknown)} not in {run.path} (it holds: "
                  f"{', '.join(sorted(have)) or 'none'})", file=sys.stderr)
            return 2
    outdir = Path(args.outdir) if args.outdir else run.path.parent / "plots"
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"plot_run.py: error: -o {outdir}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    written = [plot_totals(run, outdir), plot_firmness(run, outdir),
               plot_profiles(run, outdir, names(args.profiles)),
               plot_slices(run, outdir, fields=names(args.fields), depth=args.depth), plot_agents(run, outdir)]
    for p in written:
        if p is not None:
            print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
