"""Matrix budgets rebuilt from the output close to round-off (issue 8, "Budgets that close").

tests/configs/budgets.yaml (daily steps, monthly rows, sun with daily windows and a
season, a holiday, smoking, diabetes, exosomes, microneedling with topical conditioned
medium) is run once. The amounts made and removed are cumulative since the start of the
run, so between any two rows i < j:
    stock[j] - stock[i] = (made[j] - made[i]) - (removed[j] - removed[i])
for collagen_total (collagen_synthesized, collagen_removed), elastin_total
(elastin_synthesized, elastin_removed), ha_total (ha_synthesized, ha_removed) and
age_total (age_formed, age_removed); and for the internal transfer of collagen
intact -> fragmented (collagen_cleaved): intact collagen gains what is synthesized and
loses what is cleaved (clearance takes fragments only), fragments gain what is cleaved and
lose what is removed. Checked between consecutive rows and from the first row to every
row, to 1e-9 of the stock. Every cumulative series starts at 0 and never decreases (each
interval's flux is non-negative); the run did contain what it should (UV, treatments, a
change of pace between rows). The largest residuals are printed.

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR.
"""

import os
import pathlib
import subprocess

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
CONFIG = SOURCE_DIR / "tests" / "configs" / "budgets.yaml"
TOL = 1e-9
# stock -> (made, removed); a stock may be an expression of series
BUDGETS = {
    "collagen_total": ("collagen_synthesized", "collagen_removed"),
    "elastin_total": ("elastin_synthesized", "elastin_removed"),
    "ha_total": ("ha_synthesized", "ha_removed"),
    "age_total": ("age_formed", "age_removed"),
    "collagen_intact_total": ("collagen_synthesized", "collagen_cleaved"),
    "collagen_fragmented (total - intact)": ("collagen_cleaved", "collagen_removed"),
}
CUMULATIVE = sorted({n for pair in BUDGETS.values() for n in pair} | {"elastin_oxidised"})


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN") or str(SOURCE_DIR / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


@pytest.fixture(scope="module")
def s(tmp_path_factory):
    out = tmp_path_factory.mktemp("budgets") / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE", HDF5_USE_FILE_LOCKING="FALSE",
               DERMSIM_REPORT_HTML="0")
    proc = subprocess.run([dermsim_bin(), "run", CONFIG, "-o", out, "--threads", "1", "--quiet"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    with h5py.File(out / "run.h5", "r") as f:
        n = f["step"].shape[0]
        d = {k: f[k][()] for k in f if f[k].ndim == 1 and f[k].shape[0] == n}
    d["collagen_fragmented (total - intact)"] = d["collagen_total"] - d["collagen_intact_total"]
    return d


def test_the_run_has_fast_processes_between_rows(s):
    assert len(s["age_years"]) >= 45, "expected monthly rows over 4 years"
    steps = np.diff(s["step"])
    assert steps[:-1].min() >= 28, "rows must be several steps apart (fluxes integrated over the interval)"
    assert s["uv_dose_cumulative"][-1] > 100 and s["exosome_dose_cumulative"][-1] == pytest.approx(3.0)
    assert s["microneedling_cumulative"][-1] == pytest.approx(3.0)
    assert s["conditioned_medium_dose_cumulative"][-1] == pytest.approx(3.0)
    # collagen synthesized per interval varies by more than a few percent (UV, treatments)
    made = np.diff(s["collagen_synthesized"])
    assert made.max() / made.min() > 1.05, made


def test_cumulative_amounts_start_at_zero_and_never_decrease(s):
    for k in CUMULATIVE:
        x = s[k]
        assert x[0] == 0.0, f"{k} is {x[0]} at the first row"
        d = np.diff(x)
        assert np.all(d >= 0.0), f"{k} decreases between rows {np.nonzero(d < 0)[0][:5]} (negative flux)"
        assert x[-1] > 0.0, f"{k} never moves"


def test_every_budget_closes_to_round_off(s, capsys):
    lines, bad = [f"budget residuals ({len(s['age_years'])} rows, relative to the stock; tolerance {TOL:g}):"], []
    for stock, (made, removed) in BUDGETS.items():
        x, p, q = s[stock], s[made], s[removed]
        scale = np.abs(x)
        assert scale.min() > 0.0, f"{stock} vanishes"
        # consecutive rows
        r_step = (np.diff(x) - (np.diff(p) - np.diff(q))) / scale[1:]
        # from the first row to every row
        r_all = ((x - x[0]) - ((p - p[0]) - (q - q[0]))) / scale
        worst = max(np.abs(r_step).max(), np.abs(r_all).max())
        moved = max(np.abs(np.diff(p)).max(), np.abs(np.diff(q)).max()) / scale.min()
        lines.append(f"  {stock:38s} in {made:22s} out {removed:18s} max residual {worst:.2e}  "
                     f"(largest flux per row {moved:.3g} of the stock)")
        if not worst <= TOL:
            i = int(np.argmax(np.abs(r_all)))
            bad.append(f"{stock}: residual {worst:.3e} of the stock (worst at age {s['age_years'][i]:.3f})")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert not bad, "budgets do not close:\n" + "\n".join(bad)
