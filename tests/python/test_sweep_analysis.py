"""analysis/dermsim_sweep.py and analysis/sweep.ipynb.

Known answers on synthetic data: Morris mu/mu*/sigma of an additive function of the
planned (real) trajectories, in unit coordinates of linear and log ranges, with replicate
noise that cancels in the point means; zero sigma for additive factors and non-zero for
an interaction; PRCC against the closed-form first-order partial correlation of the ranks,
its sign and size for monotone, inverse and absent effects; dose-response means and sds.
Then a small real sweep (tests/configs/sweeps/grid_small.yaml and morris_small.yaml, run
with the binary) through the module and the notebook (executed with nbclient in a kernel
of this interpreter).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

HERE = Path(__file__).resolve().parent
ANALYSIS = HERE.parents[1] / "analysis"
sys.path.insert(0, str(ANALYSIS))
import dermsim_sweep as ds  # noqa: E402

NOTEBOOK = ANALYSIS / "sweep.ipynb"


def source_dir() -> Path:
    return Path(os.environ.get("DERMSIM_SOURCE_DIR") or HERE.parents[1])


def dermsim_bin() -> str:
    b = os.environ.get("DERMSIM_BIN") or str(source_dir() / "build" / "dermsim")
    if not os.access(b, os.X_OK):
        pytest.skip(f"simulator binary not found ({b})")
    return b


def dermsim(*args):
    env = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE")
    p = subprocess.run([dermsim_bin(), *map(str, args)], capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, f"dermsim {args}: exit {p.returncode}\n{p.stderr}"
    return p


# ---- synthetic: known answers ------------------------------------------------------------

@pytest.fixture(scope="module")
def morris_plan(tmp_path_factory):
    d = tmp_path_factory.mktemp("plan")
    sweep = d / "m.yaml"
    sweep.write_text(f"base: {source_dir() / 'tests/configs/sweeps/tiny_base.yaml'}\n"
                     "design: morris\ntrajectories: 12\nlevels: 6\nreplicates: 2\n"
                     "parameters:\n"
                     "  fibroblast.sasp_mmp1_factor: {min: 5, max: 40}\n"
                     "  subject.glucose_mM: {min: 4, max: 20, scale: log}\n"
                     "  ecm.mmp1_share: {min: 0.05, max: 0.3}\n")
    dermsim("sweep", "plan", sweep, "-o", d / "s")
    return d / "s"


def test_morris_additive_known_answer(morris_plan):
    runs, factors = ds.load_runs(morris_plan), ds.load_factors(morris_plan)
    u1 = (runs["fibroblast.sasp_mmp1_factor"] - 5) / 35
    u2 = np.log(runs["subject.glucose_mM"] / 4) / np.log(5)
    noise = np.where(runs["replicate"] == 0, 0.7, -0.7)  # cancels in each point's mean
    summary = runs.assign(status="ok", y=2.0 * u1 - 3.0 * u2 + noise)
    mo = ds.morris_effects(summary, "y", factors)
    assert list(mo.index) == list(factors.index)
    np.testing.assert_allclose(mo["mu"], [2.0, -3.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(mo["mu_star"], [2.0, 3.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(mo["sigma"], [0.0, 0.0, 0.0], atol=1e-9)
    assert (mo["n"] == 12).all()  # one effect per factor and trajectory


def test_morris_interaction_has_sigma(morris_plan):
    runs, factors = ds.load_runs(morris_plan), ds.load_factors(morris_plan)
    u = ds.unit_coordinates(runs, factors)
    summary = runs.assign(status="ok", y=u["fibroblast.sasp_mmp1_factor"] * u["ecm.mmp1_share"])
    mo = ds.morris_effects(summary, "y", factors)
    assert mo.loc["subject.glucose_mM", "mu_star"] == pytest.approx(0, abs=1e-12)
    for k in ("fibroblast.sasp_mmp1_factor", "ecm.mmp1_share"):
        assert mo.loc[k, "sigma"] > 0.05 and mo.loc[k, "mu_star"] > 0.1
    # a failed run's point is skipped, not taken as zero
    summary.loc[summary.point == 1, "status"] = "failed"
    summary.loc[summary.point == 1, "y"] = np.nan
    mo2 = ds.morris_effects(summary, "y", factors)
    assert mo2["n"].sum() == mo["n"].sum() - 2


def test_prcc_matches_closed_form():
    rng = np.random.default_rng(3)
    n = 300
    x1, x2 = rng.uniform(size=n), rng.uniform(size=n)
    y = np.exp(2 * x1) + x2 + rng.normal(0, 0.8, size=n)
    df = pd.DataFrame({"a": x1, "b": x2, "y": y})
    got = ds.prcc(df, ["a", "b"], "y")
    r = np.corrcoef(np.column_stack([stats.rankdata(v) for v in (x1, x2, y)]), rowvar=False)
    expect_a = (r[0, 2] - r[0, 1] * r[1, 2]) / np.sqrt((1 - r[0, 1] ** 2) * (1 - r[1, 2] ** 2))
    expect_b = (r[1, 2] - r[0, 1] * r[0, 2]) / np.sqrt((1 - r[0, 1] ** 2) * (1 - r[0, 2] ** 2))
    assert got.loc["a", "prcc"] == pytest.approx(expect_a, abs=1e-10)
    assert got.loc["b", "prcc"] == pytest.approx(expect_b, abs=1e-10)
    t = expect_a * np.sqrt((n - 3) / (1 - expect_a ** 2))
    assert got.loc["a", "p_value"] == pytest.approx(2 * stats.t.sf(abs(t), n - 3), rel=1e-8)


def test_prcc_sign_and_size():
    rng = np.random.default_rng(7)
    n = 400
    x = rng.uniform(size=(n, 3))
    y = np.exp(3 * x[:, 0]) - 2 * x[:, 1] + rng.normal(0, 0.05, size=n)
    df = pd.DataFrame({"up": x[:, 0], "down": x[:, 1], "none": x[:, 2], "y": y})
    got = ds.prcc(df, ["up", "down", "none"], "y")
    assert got.loc["up", "prcc"] > 0.95 and got.loc["down", "prcc"] < -0.8
    assert abs(got.loc["none", "prcc"]) < 0.15
    assert got.loc["up", "p_value"] < 1e-10 and got.loc["none", "p_value"] > 1e-3


def test_dose_response_known():
    df = pd.DataFrame({"dose": [1, 1, 1, 2, 2, 2, 3], "e": [1.0, 2.0, 3.0, 5.0, 5.0, np.nan, 9.0],
                       "status": ["ok"] * 6 + ["failed"]})
    dr = ds.dose_response(df, "dose", "e")
    assert list(dr.index) == [1, 2]  # the failed run's value is not used
    assert dr.loc[1, "mean"] == 2.0 and dr.loc[1, "sd"] == pytest.approx(1.0) and dr.loc[1, "n"] == 3
    assert dr.loc[2, "mean"] == 5.0 and dr.loc[2, "sd"] == 0.0 and dr.loc[2, "n"] == 2


# ---- a small real sweep -------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_sweeps(tmp_path_factory):
    out = {}
    for name in ("grid_small", "morris_small"):
        d = tmp_path_factory.mktemp(name) / "s"
        dermsim("sweep", "plan", source_dir() / "tests" / "configs" / "sweeps" / f"{name}.yaml", "-o", d)
        dermsim("sweep", "run", d, "-j", "2")
        dermsim("sweep", "collect", d)
        out[name] = d
    return out


def test_real_sweep_analysis(real_sweeps):
    g = ds.load_summary(real_sweeps["grid_small"])
    assert (g.status == "ok").all() and len(g) == 12
    dr = ds.dose_response(g, "subject.glucose_mM", "age_30")
    assert list(dr.index) == [5, 10, 20] and (dr["n"] == 4).all()
    assert dr["mean"].is_monotonic_increasing  # glucose drives AGE cross-links
    hm = ds.heatmap_table(g, "subject.glucose_mM", "fibroblast.lifespan_years", "collagen_30_rel25")
    assert hm.shape == (3, 2) and np.isfinite(hm.to_numpy()).all()
    m = real_sweeps["morris_small"]
    mo = ds.morris_effects(m, "age_30")
    assert (mo["n"] == 3).all()
    assert mo["mu_star"].idxmax() == "subject.glucose_mM"
    pr = ds.prcc(ds.load_summary(m, ok_only=True), ds.factor_names(m), "age_30")
    assert pr.loc["subject.glucose_mM", "prcc"] > 0.8


def test_notebook_outputs_empty_in_git():
    nb = json.loads(NOTEBOOK.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_notebook_executes(real_sweeps, tmp_path, monkeypatch):
    from conftest import execute_notebook

    monkeypatch.setenv("DERMSIM_SWEEP_GRID", str(real_sweeps["grid_small"]))
    monkeypatch.setenv("DERMSIM_SWEEP_SCREEN", str(real_sweeps["morris_small"]))
    monkeypatch.setenv("DERMSIM_SWEEP_ENDPOINT", "age_30")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    outputs = execute_notebook(NOTEBOOK, tmp_path, ANALYSIS)
    assert not [o for o in outputs if o.output_type == "error"]
    n_images = sum("image/png" in o.get("data", {}) for o in outputs)
    assert n_images == 4, f"expected 4 figures (dose-response, heat map, Morris, PRCC), got {n_images}"
    text = "".join(o.get("text", "") for o in outputs)
    assert "12 runs, 12 ok" in text


def test_notebook_with_only_a_grid_sweep(real_sweeps, tmp_path, monkeypatch):
    """A student with one grid sweep gets its figures and a note instead of a crash."""
    from conftest import execute_notebook

    monkeypatch.setenv("DERMSIM_SWEEP_GRID", str(real_sweeps["grid_small"]))
    monkeypatch.setenv("DERMSIM_SWEEP_SCREEN", str(tmp_path / "no_such_sweep"))
    monkeypatch.delenv("DERMSIM_SWEEP_ENDPOINT", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    outputs = execute_notebook(NOTEBOOK, tmp_path, ANALYSIS)
    assert not [o for o in outputs if o.output_type == "error"], [o for o in outputs if o.output_type == "error"]
    n_images = sum("image/png" in o.get("data", {}) for o in outputs)
    assert n_images == 2, f"expected the dose-response and heat map, got {n_images}"
    text = "".join(o.get("text", "") for o in outputs)
    assert "no screening sweep at" in text and "its sections are skipped" in text


def test_labels_and_x_axis(real_sweeps, tmp_path):
    g = real_sweeps["grid_small"]
    assert ds.param_label(g, "subject.glucose_mM") == "subject.glucose_mM [mM]"
    assert ds.param_label(g, "fibroblast.lifespan_years") == "fibroblast.lifespan_years [year]"
    assert ds.endpoint_label(g, "collagen_30_rel25") == "collagen_total at 30 y / at 25 y [-]"
    assert ds.endpoint_label(g, "age_30") == "age_crosslinks_mean at 30 y [pmol/mg]"
    assert ds.endpoint_label(g, "sen_final") == "senescent_fraction at the end [-]"
    assert ds.endpoint_label(g, "age_to_1pct_loss") == ("age when collagen_total falls to 0.99 of its "
                                                        "value at 25 y [year]")
    assert ds.endpoint_label(g, "not_an_endpoint") == "not_an_endpoint"
    summary = ds.load_summary(g)
    # glucose has 3 values, lifespan 2: glucose on x whatever the order in the sweep file
    assert ds.choose_x(summary, ["fibroblast.lifespan_years", "subject.glucose_mM"]) == "subject.glucose_mM"
    # a schedule dose is labelled in the units of its entry's input (here before any run)
    sweep = tmp_path / "uv.yaml"
    sweep.write_text(f"base: {source_dir() / 'tests/configs/sweeps/tiny_base.yaml'}\n"
                     "set: {schedule.sun.input: uv, schedule.sun.from_age: 25}\ndesign: grid\n"
                     "parameters:\n  schedule.sun.dose: {values: [0, 1]}\n")
    dermsim("sweep", "plan", sweep, "-o", tmp_path / "s")
    assert ds.param_label(tmp_path / "s", "schedule.sun.dose") == "schedule.sun.dose [SED per active day]"
    assert ds.param_label(tmp_path / "s", "schedule.sun.from_age") == "schedule.sun.from_age [year]"
    # the units come from the simulator's listing (docs/PARAMETERS.md): every input has one,
    # the second unit of uv and glucose too, as `dermsim params schedule.input` lists them
    units = ds._dose_units()
    listing = dermsim("params", "schedule.input").stdout
    inputs = re.search(r"one of: (.*)", listing).group(1).split(", ")
    assert len(inputs) == 9 and all(units.get((i, "native")) for i in inputs), units
    assert units[("uv", "med")] == "MED per active day" and units[("glucose", "hba1c")] == "% HbA1c"
    assert units[("sunscreen", "native")] == "effective SPF"
