#!/usr/bin/python3
"""report.html: one self-contained page (figures embedded as PNG data) about one run.

Usage::

    /usr/bin/python3 analysis/report_html.py RUN_DIR [-o FILE] [--quiet]

``dermsim run`` calls it at the end of every run (unless DERMSIM_REPORT_HTML=0) and
``dermsim report RUN_DIR`` calls it again. The page holds, in order: the story of the run
(report.md, which the simulator writes from the run file, rendered as HTML), the inputs
(the schedule of the resolved configuration, their doses and what was delivered), firmness
(the simulated Cutometer R0, R2, R7 over age with their values at the first and last row,
and the layer moduli young and old; left out for a run file without them), the key figures
(totals over age, depth-by-age maps, fields young and old, cells) each followed by notes
computed from the run that explain its panels, and how to reproduce the run. It needs no
network, no JavaScript and no other file: mail it, open it in any browser.

Exit status: 0 written; 2 not a run directory; 3 a Python package is missing (the message
names the Debian package); 1 anything else.
"""
from __future__ import annotations

import argparse
import base64
import html
import io
import os
import re
import shlex
import sys
import warnings
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

DEBIAN = {"numpy": "python3-numpy", "pandas": "python3-pandas", "xarray": "python3-xarray",
          "h5py": "python3-h5py", "h5netcdf": "python3-h5netcdf", "matplotlib": "python3-matplotlib",
          "yaml": "python3-yaml"}

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1180px;
       margin: 2em auto; padding: 0 1.2em; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
.sub { color: #555; margin-top: 0; }
.incomplete { background: #fde8e8; border-left: 5px solid #c81e1e; padding: 0.6em 1em; }
blockquote { background: #fde8e8; border-left: 5px solid #c81e1e; margin: 1em 0; padding: 0.4em 1em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
figure { margin: 1.2em 0 2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.93em; color: #333; } figcaption ul { margin: 0.3em 0; padding-left: 1.3em; }
code, pre { background: #f5f5f5; border-radius: 3px; padding: 0.1em 0.3em; font-size: 0.92em; }
pre { padding: 0.6em; overflow-x: auto; }
nav a { margin-right: 1em; }
"""


def require_packages():
    """Import what the page needs; exit 3 naming the Debian packages if something is missing."""
    missing = []
    for mod in DEBIAN:
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        pkgs = " ".join(DEBIAN[m] for m in missing)
        print(f"report_html.py: missing Python modules {', '.join(missing)}; "
              f"install them with: sudo apt-get install -y {pkgs}", file=sys.stderr)
        sys.exit(3)


# ------------------------------------------------------------------ report.md -> HTML
def _inline(text: str) -> str:
    """Escape, then **bold** and `code` (the subset report.md uses)."""
    t = html.escape(text, quote=False)
    t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", t)


def markdown_to_html(md: str, skip_title: bool = True, skip_sections=()) -> str:
    """The Markdown report.md is written in (headings, paragraphs, lists, tables, quotes);
    sections (## headings) named in ``skip_sections`` are left out."""
    out, para, lst, table = [], [], [], []
    skipping = False

    def flush():
        if para:
            out.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()
        if lst:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in lst) + "</ul>")
            lst.clear()
        if table:
            rows = [r for r in table if not re.match(r"^\|[\s\-|:]+\|$", r)]
            cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows]
            head = "".join(f"<th>{_inline(c)}</th>" for c in cells[0])
            body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in cells[1:])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            table.clear()

    for line in md.splitlines():
        s = line.rstrip()
        if s.startswith("## ") or s.startswith("# "):
            flush()
            skipping = s[3:].strip() in skip_sections if s.startswith("## ") else False
        if skipping:
            continue
        if not s:
            flush()
        elif s.startswith("# "):
            flush()
            if not skip_title:
                out.append(f"<h1>{_inline(s[2:])}</h1>")
        elif s.startswith("## "):
            flush()
            out.append(f"<h3>{_inline(s[3:])}</h3>")
        elif s.startswith("> "):
            flush()
            out.append(f"<blockquote>{_inline(s[2:])}</blockquote>")
        elif s.startswith("- "):
            if para or table:
                flush()
            lst.append(s[2:])
        elif s.startswith("|"):
            if para or lst:
                flush()
            table.append(s)
        elif lst and line.startswith("  "):
            lst[-1] += " " + s.strip()
        else:
            para.append(s)
    flush()
    return "\n".join(out)


# ------------------------------------------------------------------ figures
def png_data(fig, dpi=80) -> str:
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figure_html(fig, title: str, notes, alt: str) -> str:
    if fig is None:
        return ""
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{png_data(fig)}">'
            f"<figcaption><strong>{html.escape(title)}</strong><ul>{items}</ul></figcaption></figure>")


# input -> (cumulative series, what it measures)
DELIVERED = {
    "uv": [("uv_dose_cumulative", "UV at the skin surface after sunscreen"),
           ("uv_dose_unprotected_cumulative", "UV before sunscreen"),
           ("uv_dose_dermal_cumulative", "UV reaching the dermis")],
    "sunscreen": [("uv_dose_unprotected_cumulative", "UV before sunscreen"),
                  ("uv_dose_cumulative", "UV after sunscreen")],
    "glucose": [("glucose_mM", "plasma glucose")],
    "smoking": [("smoking_pack_years", "smoking")],
    "pollution": [("pollution_index_years", "pollution")],
    "exosome": [("exosome_dose_cumulative", "exosomes applied"),
                ("exosome_dose_delivered_cumulative", "exosomes reaching the dermis")],
    "conditioned_medium": [("conditioned_medium_dose_cumulative", "conditioned medium applied"),
                           ("conditioned_medium_dose_delivered_cumulative",
                            "conditioned medium reaching the dermis")],
    "growth_factor": [("growth_factor_dose_cumulative", "growth factors applied"),
                      ("growth_factor_dose_delivered_cumulative", "growth factors reaching the dermis")],
    "microneedling": [("microneedling_cumulative", "microneedling")],
}
ENTRY_KEYS = ["input", "dose", "dose_unit", "from_age", "to_age", "at_age", "count", "every_days",
              "duration_days", "days_per_week", "hour_from", "hour_to", "season_amplitude", "route",
              "source", "depth_um"]


def inputs_section(run, cfg) -> str:
    """The schedule as given (resolved), and a figure of what was applied over age."""
    import plot_run as pr
    sched = cfg.get("schedule") or {}
    # besides the schedule: hormone therapy (subject.hrt_*) and ageing processes switched off
    subj, ageing = cfg.get("subject") or {}, cfg.get("ageing") or {}
    h0, h1 = float(subj.get("hrt_start_years", 0) or 0), float(subj.get("hrt_end_years", 0) or 0)
    extra = (f" Hormone therapy is part of the subject: from age {h0:g} to {h1:g} at "
             f"{float(subj.get('hrt_level', 0) or 0):g} of the premenopausal estrogen (subject.hrt_*)."
             if h1 > h0 and str(subj.get("sex", "female")) != "male" else "")
    off = [k for k, v in ageing.items() if v is False or str(v).lower() == "false"]
    if off:
        extra += f" Ageing processes switched off: {', '.join(off)} (ageing.*)."
    if not sched:
        s = run.series
        glu = s["glucose_mM"] if "glucose_mM" in s else None
        g = (f" Glucose stayed at {glu.iloc[0]:.3g} mM." if glu is not None and glu.nunique() == 1
             else "")
        return (f"<p>The configuration schedules nothing: no sun, smoking, pollution or treatment "
                f"reached the skin in this run (every cumulative dose in the run file is 0).{g}{extra}</p>")
    rows = []
    for name, e in sched.items():
        e = e or {}
        cells = "".join(f"<td>{html.escape(str(e.get(k, '')))}</td>" for k in ENTRY_KEYS)
        rows.append(f"<tr><td><code>{html.escape(str(name))}</code></td>{cells}</tr>")
    head = "".join(f"<th>{k}</th>" for k in ["entry"] + ENTRY_KEYS)
    table = f'<div style="overflow-x:auto"><table><tr>{head}</tr>{"".join(rows)}</table></div>'
    if extra:
        table += f"<p>{extra.strip()}</p>"
    used = []
    for e in sched.values():
        for col, what in DELIVERED.get((e or {}).get("input", ""), []):
            if col in run.series and (col, what) not in used:
                used.append((col, what))
    if not used:
        return table
    plt = pr._pyplot()
    fig, axes = plt.subplots(1, len(used), figsize=(4.2 * len(used), 3.2), squeeze=False)
    notes = []
    s = run.series
    for ax, (col, what) in zip(axes.flat, used):
        ax.plot(s.index, s[col].values, color=pr.PALETTE[0])
        pr._ylim_from_zero(ax, s[col].values)
        ax.set_title(what, fontsize=9)
        ax.set_xlabel(pr.AGE_LABEL)
        ax.set_ylabel(f"[{pr.units(run.units(col))}]")
        ax.grid(alpha=0.3)
        notes.append(f"{run.long_name(col)}: {pr.change(s[col].values)} {pr.units(run.units(col))} "
                     f"(last value {s[col].values[-1]:.4g}).")
    fig.tight_layout()
    return table + figure_html(fig, "What the schedule applied, over age", notes, "inputs over age")


def firmness_section(run) -> str:
    """Firmness: the simulated Cutometer R0, R2, R7 over age and the layer moduli (plot_run's
    fig_firmness), with a sentence of their values at the first and last row of the run file.
    Empty for a run file without them (written before the tissue mechanics)."""
    import plot_run as pr
    summary = pr.firmness_summary(run)
    fig, notes = pr.fig_firmness(run)
    if summary is None and fig is None:
        return ""
    text = f"<p>{html.escape(summary)}</p>" if summary else ""
    return (f'<h2 id="firmness">Firmness</h2>{text}'
            + figure_html(fig, "Firmness (simulated Cutometer) and layer moduli", notes, "firmness over age"))


def build(run_dir: Path) -> str:
    import dermsim_analysis as da
    import plot_run as pr

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", da.IncompleteRunWarning)
        run = da.open_run(run_dir)
    cfg = pr.resolved_config(run)
    a = run.attrs
    md_path = run.path.parent / "report.md"
    story = (markdown_to_html(md_path.read_text(encoding="utf-8"), skip_sections=("Reproduce",))
             if md_path.exists()
             else "<p>report.md is missing: run <code>dermsim report RUN_DIR</code> to write it.</p>")
    s = run.series
    ages = f"{s.index[0]:.1f} to {s.index[-1]:.1f}" if len(s) else "?"
    subject = cfg.get("subject", {})
    dom = cfg.get("domain", {})
    block = ""
    if dom:
        block = (f"{dom.get('nx')} × {dom.get('ny')} × {dom.get('nz')} voxels of {dom.get('voxel_um')} µm "
                 f"({float(dom.get('nx', 0)) * float(dom.get('voxel_um', 0)):.0f} × "
                 f"{float(dom.get('ny', 0)) * float(dom.get('voxel_um', 0)):.0f} µm, "
                 f"{float(dom.get('nz', 0)) * float(dom.get('voxel_um', 0)):.0f} µm deep)")
    parts = [f"<h1>dermsim run report: {html.escape(run.name)}</h1>",
             f'<p class="sub">{html.escape(str(subject.get("sex", "")))} subject, ages {ages} years; '
             f"{block}; seed {html.escape(str(a.get('seed', '?')))}; written "
             f"{html.escape(str(a.get('created_utc', '')))}</p>"]
    if not run.completed:
        parts.append('<p class="incomplete"><strong>INCOMPLETE RUN</strong>: the simulation stopped '
                     f"early; the data end at age {s.index[-1]:.2f}.</p>")
    firmness = firmness_section(run)
    parts.append('<nav><a href="#story">The story</a><a href="#inputs">Inputs</a>'
                 + ('<a href="#firmness">Firmness</a>' if firmness else "")
                 + '<a href="#figures">Figures</a><a href="#reproduce">Reproduce</a></nav>')
    parts.append(f'<h2 id="story">The story of the run (report.md)</h2>{story}')
    parts.append(f'<h2 id="inputs">Inputs and their doses</h2>{inputs_section(run, cfg)}')
    parts.append(firmness)
    parts.append('<h2 id="figures">Figures</h2>')
    for fn, title, alt in ((pr.fig_totals, "Totals over age", "totals over age"),
                           (pr.fig_profiles, "Where in depth: laterally averaged profiles over age",
                            "depth by age maps"),
                           (pr.fig_slices, "Fields young and old", "field slices young and old"),
                           (pr.fig_agents, "Cells young and old", "cells young and old")):
        fig, notes = fn(run)
        parts.append(figure_html(fig, title, notes, alt))
    # into a new directory: this one holds the run (and `run` refuses an OUTDIR with a run)
    cmd = f"dermsim run {shlex.quote(str(run.path.parent / 'resolved.yaml'))} -o {shlex.quote(f'{run.path.parent}-rerun')}"
    parts.append(f'<h2 id="reproduce">Reproduce</h2><pre>{html.escape(cmd)}</pre>'
                 f"<p>dermsim {html.escape(str(a.get('software_version', '?')))} "
                 f"(git {html.escape(str(a.get('git_describe', '?')))}), "
                 f"{html.escape(str(a.get('compiler', '')))}, HDF5 {html.escape(str(a.get('hdf5_version', '')))}, "
                 f"{html.escape(str(a.get('omp_threads', '?')))} thread(s). Original command: "
                 f"<code>{html.escape(str(a.get('command_line', '')).strip())}</code>. "
                 "The run file is <code>run.h5</code> beside this page; "
                 "<code>dermsim info run.h5</code> summarises it.</p>")
    title = f"dermsim run report: {run.name}"
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="report_html.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="run directory (with run.h5, report.md, resolved.yaml) or its run.h5")
    ap.add_argument("-o", "--output", help="output file (default: RUN_DIR/report.html)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)
    require_packages()
    import matplotlib
    matplotlib.use("Agg")
    import dermsim_analysis as da
    try:
        path = da.resolve_run_path(args.run)
        page = build(path)
    except (OSError, da.InvalidRunError) as exc:
        print(f"report_html.py: error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.output) if args.output else path.parent / "report.html"
    if out.is_dir():
        print(f"report_html.py: error: {out} is a directory; expected a file to write the page to", file=sys.stderr)
        return 2
    tmp = out.with_name(out.name + ".tmp")
    try:  # the page whole or not at all: written beside it, then renamed over it
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        print(f"report_html.py: error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
