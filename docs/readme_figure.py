#!/usr/bin/python3
"""The README's picture (docs/quickstart.png) from a real run.

    ./build/dermsim run configs/quickstart.yaml -o out/quickstart
    /usr/bin/python3 docs/readme_figure.py out/quickstart [-o docs/quickstart.png]

Three panels: total collagen relative to the first age, intact collagen by depth and age
(laterally averaged, the papillary boundary dashed) and the fibroblasts by state at the
first and last frame. Small on purpose (it is committed): about 900 x 290 pixels.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dermsim_analysis as da  # noqa: E402
import plot_run as pr  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run")
    ap.add_argument("-o", "--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                           "quickstart.png"))
    args = ap.parse_args(argv)
    run = da.open_run(args.run)
    s = run.series
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(11.2, 3.6), gridspec_kw={"width_ratios": [1, 1.15, 0.9]})
    rel = run.relative("collagen_total", ref_age=float(s.index[0]))
    a.plot(s.index, rel.values, color=pr.PALETTE[0], lw=2)
    a.set_ylim(0, 1.1)
    a.set_xlabel(pr.AGE_LABEL)
    a.set_ylabel(f"relative to age {s.index[0]:.0f} [-]")
    a.set_title("total collagen", fontsize=10)
    a.grid(alpha=0.3)
    p = run.profile("collagen_intact")
    ages, z = p["frame_age_years"].values, p["z"].values
    m = b.pcolormesh(pr._edges(ages, 2.5), pr._edges(z), p.transpose("z", "frame").values, cmap="viridis")
    b.set_ylim(pr._edges(z)[-1], 0)
    pap = pr.papillary_depth(run)
    if pap:
        b.axhline(pap, color="w", ls="--", lw=1)
    b.set_xlabel(pr.AGE_LABEL)
    b.set_ylabel(pr.DEPTH_LABEL)
    b.set_title("intact collagen by depth", fontsize=10)
    fig.colorbar(m, ax=b, label=f"[{pr.units(p.attrs.get('units', ''))}]")
    states = ["quiescent", "activated", "senescent"]
    frames = [0, run.n_frames - 1]
    width = 0.38
    for j, k in enumerate(frames):
        ag = run.agents(k)
        fib = ag[ag["type_name"] == "fibroblast"]
        counts = [int((fib["state_name"] == st).sum()) for st in states]
        x = np.arange(len(states)) + (j - 0.5) * width
        c.bar(x, counts, width, color=[pr.STATE_COLORS[st] for st in states], alpha=0.45 if j == 0 else 1.0,
              edgecolor="k", lw=0.5, label=f"age {run.frames[k]:.0f}")
    c.set_xticks(range(len(states)), states)
    c.set_ylabel("fibroblasts in the block [-]")
    c.set_title(f"cells at {run.frames[0]:.0f} (pale) and {run.frames[-1]:.0f}", fontsize=10)
    fig.tight_layout()
    fig.savefig(args.output, dpi=80)
    print(args.output)


if __name__ == "__main__":
    main()
