#!/usr/bin/env python3
"""The Cutometer curve of `dermsim cutometer`: dome height (mm) over time at each age.

usage: cutometer_plot.py CURVE.csv OUT.png

Reads the CSV the command wrote (t_s, then one column per age) and draws the suction curve
young vs old with the readout points (Ue at 0.1 s, Uf at the end of suction, Ur, Ua), so a
student sees why R7 = Ur/Uf falls: the immediate spring-back shrinks as the delayed and
irreversible parts grow.
"""
import sys

import numpy as np


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]
    with open(src) as f:
        head = f.readline().strip().split(",")
    data = np.loadtxt(src, delimiter=",", skiprows=1, ndmin=2)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    t = data[:, 0]
    for j, name in enumerate(head[1:], start=1):
        age = name.rsplit("_", 1)[-1]
        ax.plot(t, data[:, j], label=f"age {float(age):.0f} y")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("dome height (mm)")
    ax.set_title("simulated Cutometer (suction on, then off)")
    ax.axhline(0, color="0.7", lw=0.5)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
