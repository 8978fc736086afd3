#!/usr/bin/env python3
"""The Cutometer curve of `dermsim cutometer`: dome height (mm) over time at each age.

usage: cutometer_plot.py CURVE.csv OUT.png

Reads the CSV the command wrote (t_s, then one column per age) and draws the suction curve
young vs old with the readout points (Ue at 0.1 s, Uf at the end of suction, Ur, Ua), so a
student sees why R7 = Ur/Uf falls: the immediate spring-back shrinks as the delayed and
irreversible parts grow.
"""
import sys
import warnings

import numpy as np


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]
    try:  # the curve `dermsim cutometer` wrote: t_s, then one column per age; else one line
        with open(src, encoding="utf-8") as f:
            head = f.readline().strip().split(",")
        if head[0] != "t_s" or len(head) < 2:
            raise ValueError(f"expected a header 't_s,<age columns>' as 'dermsim cutometer' writes, "
                             f"got '{','.join(head)[:80]}'")
        with warnings.catch_warnings():  # no rows: said below, in one line
            warnings.simplefilter("ignore", UserWarning)
            data = np.loadtxt(src, delimiter=",", skiprows=1, ndmin=2)
        if data.shape[0] < 2 or data.shape[1] != len(head):
            raise ValueError(f"expected rows of {len(head)} numbers under the header, got {data.shape[0]} row(s)")
        ages = [float(name.rsplit("_", 1)[-1]) for name in head[1:]]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"cutometer_plot.py: {src}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 2
    if not out.lower().endswith(".png"):
        print(f"cutometer_plot.py: {out}: expected a .png file name", file=sys.stderr)
        return 2
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    t = data[:, 0]
    for j, age in enumerate(ages, start=1):
        ax.plot(t, data[:, j], label=f"age {age:.0f} y")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("dome height (mm)")
    ax.set_title("simulated Cutometer (suction on, then off)")
    ax.axhline(0, color="0.7", lw=0.5)
    ax.legend()
    fig.tight_layout()
    try:
        fig.savefig(out, dpi=110)
    except OSError as exc:
        print(f"cutometer_plot.py: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
