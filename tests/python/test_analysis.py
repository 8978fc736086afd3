"""Tests of analysis/ (dermsim_analysis, plot_run.py, quickstart.ipynb).

Run: ``ctest -L python`` from the build directory, or directly
``/usr/bin/python3 -m pytest -q tests/python`` (DERMSIM_BIN / DERMSIM_SOURCE_DIR are
optional; tests that need the simulator skip when it is missing).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

HERE = Path(__file__).resolve().parent
ANALYSIS = HERE.parents[1] / "analysis"
for _p in (str(ANALYSIS), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import dermsim_analysis as da  # noqa: E402
import synthetic_run as syn  # noqa: E402

PLOT_RUN = ANALYSIS / "plot_run.py"
NOTEBOOK = ANALYSIS / "quickstart.ipynb"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# the layout the analysis code is written against (README, "Output: run.h5")
SERIES = ["time", "step", "age_years", "collagen_total", "collagen_intact_total",
          "collagen_fragmented_fraction", "collagen_synthesis_rate",
          "collagen_degradation_rate", "collagen_cleavage_rate", "collagen_synthesis_per_cell",
          "elastin_functional_total", "elastin_elastotic_total", "ha_hmw_total",
          "ha_lmw_total", "age_crosslinks_mean", "fibroblast_count", "fibroblast_quiescent",
          "fibroblast_activated", "fibroblast_senescent", "fibroblast_density",
          "senescent_fraction", "stem_cell_count", "attachment_mean", "attached_area_mean",
          "mmp1_secretion_per_cell", "dermal_thickness", "estrogen", "tgfb_mean", "mmp1_mean",
          "mmp3_mean", "timp_mean", "ros_mean", "il_mean", "gf_mean", "chemokine_mean",
          "exosome_mean",
          # tissue mechanics: the simulated Cutometer and the dermal water behind it
          "cutometer_R0", "cutometer_R1", "cutometer_R2", "cutometer_R5", "cutometer_R6",
          "cutometer_R7", "cutometer_R8", "cutometer_Ue", "cutometer_Uv", "cutometer_Uf",
          "cutometer_Ur", "cutometer_Ua", "dermal_water_content"]
MECH_PROFILES = ["mech_g0_profile", "mech_g1_profile", "mech_tau1_profile", "mech_eta_f_profile"]
AGENT_COLUMNS = ["agent_id", "agent_type", "agent_state", "agent_x", "agent_y", "agent_z",
                 "agent_divisions", "agent_damage", "agent_attachment", "agent_tgfb_response",
                 "agent_collagen_synthesis", "agent_mmp1_secretion"]
FRAME_VARS = ["frame_step", "frame_age_years", "agent_count"]


def open_quiet(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", da.IncompleteRunWarning)
        return da.open_run(path, **kw)


def check_png(path: Path):
    assert path.is_file(), f"{path} not written"
    data = path.read_bytes()
    assert len(data) > 1000 and data[:8] == PNG_MAGIC, f"{path} is not a PNG"


# =========================================================== generic (synthetic and real)
def test_loader_shapes_and_units(run_h5):
    run = open_quiet(run_h5)
    nz, ny, nx = len(run.z), len(run.y), len(run.x)
    assert min(nz, ny, nx) >= 1
    s = run.series
    assert isinstance(s, pd.DataFrame) and s.index.name == "age_years" and len(s) >= 1
    assert s.index.is_monotonic_increasing
    assert type(s) is pd.DataFrame  # a plain DataFrame (no callable subclass)
    for col in ("time", "step", "collagen_total", "fibroblast_count"):
        assert col in s.columns
    assert run.units("time") == "day"
    assert run.units("x") == run.units("z") == "um"
    assert all(isinstance(u, str) for u in s.attrs["units"].values())
    assert run.n_frames >= 1 and len(run.frames) == run.n_frames == len(run.frame_times)
    assert np.all(np.diff(run.frames) >= 0)
    assert run.fields, "no 3-D fields in run"
    for name in run.fields[:3]:
        f = run.field(name)
        assert isinstance(f, xr.DataArray) and f.dims == ("z", "y", "x")
        assert f.values.shape == (nz, ny, nx) and f.values.dtype == np.float32
        assert int(f.frame) == run.n_frames - 1
        assert float(f.frame_age_years) == pytest.approx(run.frames[-1])
        assert float(f.frame_time) == pytest.approx(run.frame_times[-1])
        np.testing.assert_array_equal(f.x, run.x)
        np.testing.assert_array_equal(f.z, run.z)
        assert f.x.attrs["units"] == f.z.attrs["units"] == "um"
        assert f.attrs["units"] == run.units(name) and f.attrs["long_name"] == run.long_name(name)
        assert f.isel(y=0).dims == ("z", "x")
        assert f.sel(z=run.z[0] + 1e-3, method="nearest").shape == (ny, nx)
        p = run.profile(name)
        assert isinstance(p, xr.DataArray) and p.dims == ("frame", "z")
        assert p.values.shape == (run.n_frames, nz)
        np.testing.assert_allclose(p.frame_age_years, run.frames)
        np.testing.assert_array_equal(p.frame, np.arange(run.n_frames))
        np.testing.assert_allclose(p.values[-1], f.values.mean(axis=(1, 2)), rtol=1e-4,
                                   atol=1e-6 * max(1.0, float(np.abs(f.values).max())))
    assert isinstance(run.attrs.get("software"), str)
    assert "dermsim" in repr(run)


def test_agents_ragged_split(run_h5):
    run = open_quiet(run_h5)
    counts = run.agent_count
    assert counts.shape == (run.n_frames,)
    with h5py.File(run_h5, "r") as f:
        raw = {c: f[c][...] for c in ("agent_id", "agent_x", "agent_state")}
    assert counts.sum() == len(raw["agent_x"])
    parts = []
    for k in range(run.n_frames):
        a = run.agents(k)
        assert len(a) == counts[k]
        assert a["id"].is_unique
        assert a.attrs["frame"] == k and a.attrs["age_years"] == pytest.approx(run.frames[k])
        assert set(a["state"].unique()) <= {0, 1, 2, 3}
        assert a["state_name"].notna().all() and a["type_name"].notna().all()
        if len(a):
            assert {"x", "y", "z"} <= set(a.columns)
        parts.append(a)
    allx = np.concatenate([p["x"].to_numpy() for p in parts])
    np.testing.assert_array_equal(allx, raw["agent_x"])
    np.testing.assert_array_equal(np.concatenate([p["id"].to_numpy() for p in parts]),
                                  raw["agent_id"])
    assert len(run.all_agents()) == counts.sum()
    pd.testing.assert_frame_equal(run.agents(), run.agents(run.n_frames - 1))


def test_relative(run_h5):
    run = open_quiet(run_h5)
    s = run.series["collagen_total"]
    for ref_age in (25.0, float(s.index[-1]), -100.0):
        r = run.relative("collagen_total", ref_age=ref_age)
        i = int(np.argmin(np.abs(s.index.to_numpy() - ref_age)))
        assert r.iloc[i] == pytest.approx(1.0)
        np.testing.assert_allclose(r.to_numpy(), s.to_numpy() / s.iloc[i])
    pd.testing.assert_series_equal(da.relative(run, "collagen_total"), run.relative("collagen_total"))


def test_dataset_xarray(run_h5):
    run = open_quiet(run_h5)
    with run.dataset() as ds:
        assert set(ds.dims) <= {"x", "y", "z", "time", "frame", "agent"}, ds.dims
        assert ds["collagen_total"].dims == ("time",)
        assert ds["time"].attrs["units"] == "day"
        name = run.fields[0]
        assert ds[name].dims == ("frame", "z", "y", "x")
        np.testing.assert_array_equal(ds[name].isel(frame=-1).values, run.field(name).values)
        assert {"frame_time", "frame_age_years", "frame_step"} <= set(ds[name].coords)
        assert {"age_years", "step"} <= set(ds["collagen_total"].coords)
        last = ds[name].sel(frame_age_years=run.frames[-1] + 0.01, method="nearest")
        np.testing.assert_array_equal(last.values, run.field(name).values)
        assert ds.sizes["frame"] == run.n_frames and ds.sizes["time"] == len(run.series)
    with pytest.raises(ValueError):
        ds["collagen_total"].values  # closed with the context manager


def test_open_matches_plain_xarray(run_h5):
    """The catalogue opener (h5netcdf with dimension lengths computed once) reads the file
    exactly as plain ``xarray.open_dataset(engine="h5netcdf")`` does."""
    run = open_quiet(run_h5)
    with xr.open_dataset(run_h5, engine="h5netcdf") as plain, \
            da._open_raw(run.path, {}) as fast:
        xr.testing.assert_identical(fast, plain)


def test_totals_xarray(run_h5):
    """Series as xarray: age_years is a coordinate of time with an index."""
    run = open_quiet(run_h5)
    t = run.totals
    assert isinstance(t, xr.Dataset) and set(t.dims) == {"time"}
    assert {"time", "step", "age_years"} <= set(t.coords)
    assert "age_years" in t.xindexes
    assert t["collagen_total"].attrs["units"] == run.units("collagen_total")
    assert t["age_years"].attrs["units"] in ("year", "years")
    ages = t["age_years"].values
    mid = 0.5 * (ages[0] + ages[-1])
    i = int(np.argmin(np.abs(ages - mid)))
    c = t["collagen_total"].sel(age_years=mid, method="nearest")
    assert float(c) == pytest.approx(float(t["collagen_total"][i]))
    assert float(c.time) == pytest.approx(float(t.time[i]))
    # age as the dimension
    b = da.by_age(t["collagen_total"])
    assert b.dims == ("age_years",)
    part = b.sel(age_years=slice(ages[0], mid))
    np.testing.assert_allclose(part.values, t["collagen_total"].values[: len(part)])
    # run.series is built from the same data
    np.testing.assert_array_equal(run.series.index.to_numpy(), ages)
    np.testing.assert_array_equal(run.series["collagen_total"].to_numpy(),
                                  t["collagen_total"].values)
    r = da.relative(t["collagen_total"], ref_age=ages[0])
    assert float(r[0]) == pytest.approx(1.0)
    np.testing.assert_allclose(r.values, run.relative("collagen_total", ref_age=ages[0]))


# =========================================================== synthetic: exact values
def test_synthetic_values(synthetic_h5):
    run = da.open_run(synthetic_h5)
    assert run.completed and run.name == synthetic_h5.parent.name
    s = run.series
    np.testing.assert_allclose(s.index, syn.AGES)
    assert s.loc[45.0, "collagen_total"] == pytest.approx(8.0)
    assert s["step"].dtype.kind == "i"
    assert s.attrs["units"]["collagen_total"] == "mg/cm^2"
    assert run.long_name("collagen_total") == "total collagen"
    assert run.label("dermal_thickness") == "dermal thickness [um]"
    assert sorted(s.columns) == sorted(c for c in SERIES if c != "age_years")
    assert run.attrs["seed"] == 42 and run.attrs["title"] == "synthetic dermsim run"
    assert run.frames == [25.0, 45.0, 65.0]
    np.testing.assert_allclose(run.frame_times, (syn.FRAME_AGES - 25.0) * 365.25)
    assert sorted(run.fields) == sorted(syn.FIELDS)
    assert sorted(run.profiles) == sorted(syn.FIELDS + syn.MECH_PROFILES)
    # the tissue mechanics: closed forms of synthetic_run.py
    assert s.loc[45.0, "cutometer_R0"] == pytest.approx(0.28 + 0.012 * 20)
    assert run.units("cutometer_R0") == "mm" and run.units("cutometer_R2") == "1"
    g0 = run.profile("mech_g0")
    assert g0.dims == ("frame", "z") and g0.attrs["units"] == "kPa"
    np.testing.assert_allclose(g0.values[2], 160.0 - 80.0 - 5.0 * np.arange(syn.NZ))
    np.testing.assert_allclose(run.z, (np.arange(syn.NZ) + 0.5) * syn.DX)
    # field values: k + j + 0.001 * (100 iz + 10 iy + ix)
    j = syn.FIELDS.index("mmp1")
    f = run.field("mmp1", age=44.0)
    assert int(f.frame) == 1 and f.attrs["units"] == "nM" and float(f.frame_age_years) == 45.0
    assert f.values[2, 3, 4] == pytest.approx(1 + j + 0.001 * 234, rel=1e-6)
    assert float(f.sel(z=50.0, y=70.0, x=90.0)) == pytest.approx(1 + j + 0.001 * 234, rel=1e-6)
    assert int(run.field("mmp1", frame=-3).frame) == 0
    every = run.field("mmp1", frame=None)
    assert every.dims == ("frame", "z", "y", "x") and every.shape == (3, syn.NZ, syn.NY, syn.NX)
    np.testing.assert_array_equal(every.sel(frame_age_years=45.0).values, f.values)
    with pytest.raises(IndexError):
        run.field("mmp1", frame=3)
    with pytest.raises(KeyError):
        run.field("nonexistent")
    p = run.profile("mmp1_profile")
    assert p.name == "mmp1_profile" and p.attrs["units"] == "nM"
    table = da.by_age(p).to_pandas()
    assert table.shape == (3, syn.NZ) and list(table.index) == [25.0, 45.0, 65.0]
    np.testing.assert_allclose(p.sel(frame_age_years=65.0), 2 + j + (
        0.001 * (100 * np.arange(syn.NZ) + 10 * 1.5 + 2.0)), rtol=1e-6)
    # agents: x = 10 k + i, id = 1000 k + i
    a = run.agents(1)
    np.testing.assert_array_equal(a["x"], 10.0 + np.arange(5))
    np.testing.assert_array_equal(a["id"], 1000 + np.arange(5))
    assert list(a.columns[:6]) == ["id", "type", "state", "x", "y", "z"]
    assert list(a["state_name"]) == ["quiescent", "activated", "senescent", "apoptotic", "quiescent"]
    assert list(a["type_name"])[:2] == ["stem", "fibroblast"]
    assert a.attrs["units"]["x"] == "um"
    assert run.agents(age=70).attrs["frame"] == 2


def test_relative_function():
    s = pd.Series([2.0, 4.0, 1.0], index=pd.Index([20.0, 26.0, 60.0], name="age_years"))
    np.testing.assert_allclose(da.relative(s, ref_age=25), [0.5, 1.0, 0.25])
    np.testing.assert_allclose(da.relative(s, ref_age=100), [2.0, 4.0, 1.0])
    df = pd.DataFrame({"a": s, "b": 2 * s})
    np.testing.assert_allclose(da.relative(df, "b", ref_age=60), [2.0, 4.0, 1.0])
    assert da.relative(df, ref_age=20).shape == (3, 2)
    with pytest.warns(RuntimeWarning):
        assert da.relative(s * 0, ref_age=25).isna().all()


def test_no_dimension_scales_rejected(tmp_path):
    """Without dimension scales xarray sees phony dimensions: not a run file."""
    syn.write_synthetic(tmp_path / "run.h5", attach_scales=False)
    with pytest.raises(da.InvalidRunError, match="dimension scales"):
        da.open_run(tmp_path)


@pytest.mark.parametrize("variant", ["frame_coordinate", "no_profiles", "incomplete"])
def test_synthetic_variants(tmp_path, variant):
    path = tmp_path / "run.h5"
    kw = {"frame_coordinate": dict(frame_coord="frame"),
          "no_profiles": dict(profiles=False, fields=["collagen_intact", "mmp1"]),
          "incomplete": dict(completed=0)}[variant]
    syn.write_synthetic(path, **kw)
    if variant == "incomplete":
        with pytest.warns(da.IncompleteRunWarning, match="incomplete.*age 65"):
            run = da.open_run(tmp_path)
        assert not run.completed and "INCOMPLETE" in repr(run)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", da.IncompleteRunWarning)
            run = da.open_run(tmp_path)
    assert run.frames == [25.0, 45.0, 65.0]
    np.testing.assert_allclose(run.frame_times, (syn.FRAME_AGES - 25.0) * 365.25)
    assert len(run.series) == len(syn.AGES) and "frame_time" not in run.series
    assert run.variables["collagen_intact"].dims == ("frame", "z", "y", "x")
    assert len(run.agents(0)) == 7
    if variant == "no_profiles":
        assert run.profiles == [] and sorted(run.fields) == ["collagen_intact", "mmp1"]
        p = run.profile("mmp1")  # computed from the field
        assert p.dims == ("frame", "z") and p.name == "mmp1_profile"
        assert "lateral mean" in p.attrs["long_name"]
        np.testing.assert_allclose(p.values[0], run.field("mmp1", 0).values.mean(axis=(1, 2)),
                                   rtol=1e-6)
        np.testing.assert_allclose(p.frame_age_years, syn.FRAME_AGES)
    if variant == "frame_coordinate":
        np.testing.assert_array_equal(run.field("mmp1").frame_time, run.frame_times[-1])


def test_partially_written_file(tmp_path):
    """A file caught mid-write: a series, a field and the last frame's agents are behind."""
    path = syn.write_synthetic(tmp_path / "run.h5", completed=0)
    with h5py.File(path, "a") as f:
        f["collagen_total"].resize((len(syn.AGES) - 1,))
        n = int(syn.AGENT_COUNT.sum())
        for c in AGENT_COLUMNS:
            f[c].resize((n - 2,))
    with pytest.warns(da.IncompleteRunWarning):
        run = da.open_run(path, locking=False)
    # the series a row behind: every series cut to the common length, not padded with zeros
    assert len(run.series) == len(syn.AGES) - 1
    assert run.totals.sizes["time"] == len(syn.AGES) - 1
    assert run.series.index[-1] == syn.AGES[-2]
    expected = 10 * (1 - 0.01 * (syn.AGES[-2] - 25))
    assert run.series["collagen_total"].iloc[-1] == pytest.approx(expected)
    assert run.series["fibroblast_count"].iloc[-1] > 0
    with run.dataset() as ds:
        assert ds.sizes["time"] == len(syn.AGES) - 1 and ds.sizes["agent"] == n - 2
    assert run.n_frames == 3
    assert len(run.agents(1)) == 5
    with pytest.raises(IndexError):
        run.agents(-1)
    with h5py.File(path, "a") as f:
        f["mmp1"].resize((2, syn.NZ, syn.NY, syn.NX))
    run.refresh()
    assert run.n_frames == 2 and run.frames == [25.0, 45.0]
    assert int(run.field("mmp1").frame) == 1 and run.profile("tgfb").values.shape == (2, syn.NZ)
    assert run.field("tgfb", frame=None).sizes["frame"] == 2
    with pytest.raises(IndexError):
        run.field("tgfb", frame=2)


def test_fill_values_decoded(tmp_path):
    """Values read through h5py get xarray's CF decoding (_FillValue -> NaN), as in dataset()."""
    path = syn.write_synthetic(tmp_path / "run.h5")
    with h5py.File(path, "a") as f:
        f["collagen_total"].attrs["_FillValue"] = -1.0
        f["collagen_total"][3] = -1.0
        f["mmp1"].attrs["_FillValue"] = np.float32(-1)
        f["mmp1"][2, 0, 0, 0] = -1
    run = da.open_run(path)
    s = run.series["collagen_total"]
    assert np.isnan(s.iloc[3]) and s.notna().sum() == len(syn.AGES) - 1
    f = run.field("mmp1")
    assert np.isnan(f.values[0, 0, 0]) and np.isfinite(f.values[0, 0, 1])
    with run.dataset() as ds:
        np.testing.assert_array_equal(ds["mmp1"].isel(frame=-1).values, f.values)
        np.testing.assert_array_equal(ds["collagen_total"].values,
                                      run.totals["collagen_total"].values)


def test_open_locked_file(tmp_path):
    """A file held open for writing (with an HDF5 lock) by another process still opens."""
    path = syn.write_synthetic(tmp_path / "run.h5", completed=0)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, h5py; f = h5py.File(sys.argv[1], 'a'); "
         "print('open', flush=True); sys.stdin.read()", path],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "HDF5_USE_FILE_LOCKING": "TRUE"})
    try:
        assert holder.stdout.readline().strip() == "open"
        run = open_quiet(path)
        assert len(run.series) == len(syn.AGES) and len(run.agents(0)) == 7
        with run.dataset() as ds:
            assert ds.sizes["time"] == len(syn.AGES)
    finally:
        holder.communicate("", timeout=30)


def test_load_runs_and_series_table(tmp_path):
    for name in ("control", "treated"):
        (tmp_path / name).mkdir()
        syn.write_synthetic(tmp_path / name / "run.h5")
    runs = da.load_runs(str(tmp_path / "*"))
    assert list(runs) == ["control", "treated"]
    runs2 = da.load_runs([tmp_path / "control", tmp_path / "control" / "run.h5"])
    assert list(runs2) == ["control", "control#2"]
    t = da.series_table(runs, "collagen_total", ref_age=25)
    assert list(t.columns) == ["control", "treated"] and t.iloc[0].tolist() == [1.0, 1.0]
    np.testing.assert_allclose(t.index, syn.AGES)  # same ages: nothing interpolated
    with pytest.raises(FileNotFoundError):
        da.load_runs(str(tmp_path / "nothing_*"))
    # a list of runs that share a name keeps every one of them, named as load_runs names them
    (tmp_path / "other" / "control").mkdir(parents=True)
    syn.write_synthetic(tmp_path / "other" / "control" / "run.h5", ages=syn.AGES + 1.0)
    both = [da.open_run(tmp_path / "control"), da.open_run(tmp_path / "other" / "control")]
    t = da.series_table(both, "collagen_total")
    assert list(t.columns) == ["control", "control#2"]
    assert t.index[t["control"].isna()].tolist() == [66.0] and t.index[t["control#2"].isna()].tolist() == [25.0]


def test_series_table_aligned_on_age(tmp_path):
    """Runs with different output ages (and one a row behind) line up on a sorted age axis."""
    grids = {"coarse": syn.AGES,                               # 25, 27, ..., 65
             "fine": np.arange(30.0, 60.0 + 1e-9, 0.5),        # 30, 30.5, ..., 60
             "offset": syn.AGES[::-1][1:][::-1] + 1.0}         # 26, 28, ..., 64
    for name, ages in grids.items():
        (tmp_path / name).mkdir()
        syn.write_synthetic(tmp_path / name / "run.h5", ages=ages)
    with h5py.File(tmp_path / "offset" / "run.h5", "a") as f:  # the series a row behind
        f["collagen_total"].resize((len(grids["offset"]) - 1,))
    runs = da.load_runs([tmp_path / n for n in grids])
    t = da.series_table(runs, "collagen_total")
    assert list(t.columns) == list(grids)
    assert t.index.name == "age_years" and t.index.is_monotonic_increasing and t.index.is_unique
    union = np.unique(np.concatenate([grids["coarse"], grids["fine"], grids["offset"][:-1]]))
    np.testing.assert_allclose(t.index, union)
    # collagen_total is linear in age, so interpolation is exact inside each run's range
    exact = 10.0 * (1 - 0.01 * (t.index.to_numpy() - 25.0))
    for name, ages in grids.items():
        last = ages[-2] if name == "offset" else ages[-1]
        inside = (t.index >= ages[0]) & (t.index <= last)
        np.testing.assert_allclose(t.loc[inside, name], exact[inside])
        assert t.loc[~inside, name].isna().all()
    window = t.loc[59.5:60.5]                                  # "fine" ends at 60
    np.testing.assert_allclose(window.index, [59.5, 60.0])
    assert window.notna().all().all()
    # each run relative to its own row nearest age 30
    r = da.series_table(runs, "collagen_total", ref_age=30)
    assert r.loc[30.0, "fine"] == pytest.approx(1.0)
    assert r.loc[30.0, "offset"] == pytest.approx(1.0)
    assert r.loc[29.0, "coarse"] == pytest.approx(1.0)  # a tie (29, 31): the first row
    assert r.loc[35.0, "coarse"] == pytest.approx((1 - 0.01 * 10.0) / (1 - 0.01 * 4.0))
    # an explicit age axis
    e = da.series_table(runs, "collagen_total", ages=[60.0, 40.0])
    assert list(e.index) == [40.0, 60.0] and e.notna().all().all()


def test_open_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        da.open_run(tmp_path / "missing.h5")
    with pytest.raises(FileNotFoundError):
        da.open_run(tmp_path)  # directory without run.h5
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    with pytest.raises(da.InvalidRunError):
        da.open_run(bad)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["something"] = np.arange(3)
    with pytest.raises(da.InvalidRunError):
        da.open_run(other)


def test_checksums_verified(real_h5):
    """Opening checks every series row against row_checksum; verify() checks the frames
    (fields, profiles, agent rows) against frame_checksum, as `dermsim info --verify` does."""
    run = open_quiet(real_h5)
    assert run.rows_verified == len(run.series) > 0
    assert run.verify() == {"rows": len(run.series), "frames": run.n_frames}
    assert run.n_frames > 0 and "agent_count" in run.variables and run.fields
    assert open_quiet(real_h5, verify=False).rows_verified == 0


def test_checksums_absent(tmp_path):
    """Files without checksums (synthetic, or dermsim before them) open unchecked."""
    run = open_quiet(syn.write_synthetic(tmp_path / "run.h5"))
    assert run.rows_verified == 0 and run.verify() == {"rows": 0, "frames": 0}


def _copy(src, dst):
    dst.write_bytes(Path(src).read_bytes())
    return dst


@pytest.mark.parametrize("target", ["series", "checksum", "field", "profile", "agent"])
def test_damaged_file_detected(real_h5, tmp_path, target):
    """One value changed after the run (a series, a row checksum, a field voxel, a profile,
    an agent's damage): the row or frame that holds it is named; nothing else fails."""
    path = _copy(real_h5, tmp_path / "run.h5")
    with h5py.File(path, "a") as f:
        if target == "series":
            f["collagen_total"][3] = f["collagen_total"][3] * (1 + 1e-12)
        elif target == "checksum":
            f["row_checksum"][3] = f["row_checksum"][3] ^ 1
        elif target == "field":
            f["collagen_intact"][1, 2, 3, 4] = f["collagen_intact"][1, 2, 3, 4] + 1.0
        elif target == "profile":
            f["mech_g0_profile"][1, 0] = f["mech_g0_profile"][1, 0] * 2
        else:
            k0 = int(f["agent_count"][0])
            f["agent_damage"][k0 + 1] = f["agent_damage"][k0 + 1] + 0.5
    if target in ("series", "checksum"):
        with pytest.raises(da.DamagedRunError, match=r"series row 3 \(step \d+, age [0-9.]+ years\) fails"):
            da.open_run(path, locking=False)
        run = open_quiet(path, verify=False)  # still readable on request
        assert len(run.series) > 3
        return
    run = open_quiet(path)  # the rows are intact
    assert run.rows_verified == len(run.series)
    with pytest.raises(da.DamagedRunError, match=r"frame 1 \(step \d+, age [0-9.]+ years\) fails its checksum"):
        run.verify()


@pytest.mark.parametrize("completed", [0, 1])
def test_unfinished_last_row_and_frame(real_h5, tmp_path, completed):
    """In a run that did not complete, a last row or frame that fails its checksum was
    caught mid-write: left out, as `dermsim info` does; in a completed run it is damage.
    A failing row before the last is damage either way."""
    path = _copy(real_h5, tmp_path / "run.h5")
    with h5py.File(path, "a") as f:
        n, nf = len(f["row_checksum"]), len(f["frame_checksum"])
        f.attrs["completed"] = np.int64(completed)
        f["collagen_total"][n - 1] = f["collagen_total"][n - 1] * 2
        off = int(np.sum(f["agent_count"][: nf - 1]))
        f["agent_damage"][off] = f["agent_damage"][off] + 1.0
    if completed:
        with pytest.raises(da.DamagedRunError, match=rf"series row {n - 1} "):
            da.open_run(path, locking=False)
        with h5py.File(path, "a") as f:  # the rows healed: the last frame is damage
            f["collagen_total"][n - 1] = f["collagen_total"][n - 1] / 2
        with pytest.raises(da.DamagedRunError, match=rf"frame {nf - 1} "):
            open_quiet(path).verify()
        return
    run = open_quiet(path)
    assert run.rows_verified == n - 1 and len(run.series) == n - 1
    assert run.verify() == {"rows": n - 1, "frames": nf - 1}
    with h5py.File(path, "a") as f:
        f["collagen_total"][n - 2] = f["collagen_total"][n - 2] * 2
    with pytest.raises(da.DamagedRunError, match=rf"series row {n - 2} "):
        open_quiet(path)


def test_unreadable_chunk_is_damage(real_h5, tmp_path):
    """A field chunk whose bytes changed on disk fails HDF5's Fletcher32: verify() names the
    frame (a DamagedRunError, not h5py's OSError)."""
    path = _copy(real_h5, tmp_path / "run.h5")
    with h5py.File(path, "r") as f:
        info = f["collagen_intact"].id.get_chunk_info_by_coord((1, 0, 0, 0))
    raw = bytearray(path.read_bytes())
    raw[info.byte_offset + info.size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    run = open_quiet(path)
    with pytest.raises(da.DamagedRunError, match=r"frame 1 \(step \d+, age [0-9.]+ years\) is unreadable"):
        run.verify()


# =========================================================== plot_run.py
def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, str(PLOT_RUN), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("target", [
    "missing", "not_hdf5", "empty_dir"])
def test_plot_run_cli_errors(tmp_path, target):
    path = {"missing": tmp_path / "nope" / "run.h5", "not_hdf5": tmp_path / "x.h5",
            "empty_dir": tmp_path}[target]
    if target == "not_hdf5":
        path.write_text("garbage")
    proc = run_cli(path, "-o", tmp_path / "plots")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("plot_run.py: error:"), proc.stderr
    assert not (tmp_path / "plots").exists()


def test_plot_run_cli_refuses_unknown_names_and_a_file_as_outdir(tmp_path):
    """Names the run does not hold are refused (not a figure silently left out); -o naming a
    file is one line, no traceback."""
    syn.write_synthetic(tmp_path / "run.h5")
    proc = run_cli(tmp_path, "--profiles", "nosuch,collagen_intact", "-o", tmp_path / "plots")
    assert proc.returncode == 2 and "--profiles: nosuch not in" in proc.stderr, proc.stderr
    proc = run_cli(tmp_path, "--fields", "alsobad", "-o", tmp_path / "plots")
    assert proc.returncode == 2 and "--fields: alsobad not in" in proc.stderr, proc.stderr
    assert not (tmp_path / "plots").exists()
    (tmp_path / "afile").write_text("mine")
    proc = run_cli(tmp_path, "-o", tmp_path / "afile")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and (tmp_path / "afile").read_text() == "mine"


CUTOMETER_PLOT = ANALYSIS / "cutometer_plot.py"


def test_cutometer_plot_cli(tmp_path):
    """The curve of `dermsim cutometer` drawn; a missing, binary, header-less or empty CSV and a
    non-PNG or unwritable output are one-line errors, never a traceback or an empty plot."""
    good = tmp_path / "curve.csv"
    good.write_text("t_s,height_mm_age_25.00,height_mm_age_70.00\n0,0,0\n1,0.2,0.3\n2,0.25,0.35\n3,0.05,0.1\n")
    run = lambda *a: subprocess.run([sys.executable, str(CUTOMETER_PLOT), *map(str, a)],  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    proc = run(good, tmp_path / "curve.png")
    assert proc.returncode == 0, proc.stderr
    check_png(tmp_path / "curve.png")
    (tmp_path / "bin.csv").write_bytes(b"\x89\xd0\xff\x00garbage")
    (tmp_path / "head.csv").write_text("t_s,x\n1,2\n2,3\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "rows.csv").write_text("t_s,height_mm_age_25.00\n")
    for src, out, code in ((tmp_path / "missing.csv", tmp_path / "a.png", 2), (tmp_path / "bin.csv", tmp_path / "a.png", 2),
                           (tmp_path / "head.csv", tmp_path / "a.png", 2), (tmp_path / "empty.csv", tmp_path / "a.png", 2),
                           (tmp_path / "rows.csv", tmp_path / "a.png", 2), (tmp_path, tmp_path / "a.png", 2),
                           (good, tmp_path / "precious.txt", 2), (good, tmp_path / "no" / "dir.png", 1)):
        proc = run(src, out)
        assert proc.returncode == code, (src, out, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.startswith("cutometer_plot.py: ")
    assert not (tmp_path / "a.png").exists()


def test_plot_run_cli(best_h5, tmp_path):
    """The CLI on a run directory writes the four PNGs (real run if available)."""
    out = tmp_path / "plots"
    proc = run_cli(best_h5.parent, "-o", out)
    assert proc.returncode == 0, proc.stderr
    expected = ["agents.png", "firmness.png", "profiles.png", "slices.png", "totals.png"]
    for name in expected:
        check_png(out / name)
    assert sorted(p.name for p in out.iterdir()) == expected
    assert sorted(Path(line).name for line in proc.stdout.split()) == expected


def test_plot_run_missing_optional(tmp_path):
    """Runs without profiles, agents and most fields still plot (panels are skipped)."""
    import matplotlib
    matplotlib.use("Agg")
    import plot_run
    syn.write_synthetic(tmp_path / "run.h5", fields=["mmp1"], profiles=False, agents=False,
                        mechanics=False)
    with h5py.File(tmp_path / "run.h5", "a") as f:
        for name in ("ha_hmw_total", "ha_lmw_total", "estrogen", "tgfb_mean"):
            del f[name]
    assert plot_run.main([str(tmp_path), "--depth", "50"]) == 0
    out = tmp_path / "plots"
    assert sorted(p.name for p in out.iterdir()) == ["profiles.png", "slices.png", "totals.png"]
    for p in out.iterdir():
        check_png(p)


# =========================================================== firmness (tissue mechanics)
def _first_last(path, name):
    with h5py.File(path, "r") as f:
        v = f[name][()]
    return float(v[0]), float(v[-1])


def test_fig_firmness(synthetic_h5):
    """The firmness figure: R0, the ratios R2 and R7 over age, the layer moduli young and old;
    its notes hold the values of the file."""
    import matplotlib
    matplotlib.use("Agg")
    import plot_run
    run = da.open_run(synthetic_h5)
    fig, notes = plot_run.fig_firmness(run)
    assert fig is not None
    axes = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.get_title() for ax in axes]
    assert len(axes) == 3 and "R0" in titles[0] and "Elasticity" in titles[1] and "moduli" in titles[2], titles
    assert len(axes[0].lines) == 1 and len(axes[1].lines) == 2
    assert len(axes[2].lines) == 4  # G0 and G1, first and last frame
    np.testing.assert_allclose(axes[0].lines[0].get_ydata(), run.series["cutometer_R0"].values)
    np.testing.assert_allclose(axes[2].lines[0].get_xdata(), run.profile("mech_g0").values[0])
    np.testing.assert_allclose(axes[2].lines[1].get_xdata(), run.profile("mech_g0").values[-1])
    assert axes[2].get_ylim()[0] > axes[2].get_ylim()[1]  # depth downwards
    plot_run._pyplot().close(fig)
    summary = plot_run.firmness_summary(run)
    assert summary in notes
    assert "at age 25.0 and at age 65.0" in summary and "less firm" in summary
    for name in ("cutometer_R0", "cutometer_R2", "cutometer_R7"):
        a, b = _first_last(synthetic_h5, name)
        assert f"{a:.3g}" in summary and f"{b:.3g}" in summary, (name, summary)
    assert f"R0 (final extension Uf; higher is softer) {0.28:.3g} mm → {0.76:.3g} mm" in summary
    g0 = 160.0 - 5.0 * np.arange(syn.NZ)
    assert any(n.startswith("G0 (instantaneous) shear modulus: depth mean "
                            f"{g0.mean():.3g} kPa at age 25, {g0.mean() - 80:.3g} kPa at age 65") for n in notes)
    assert any(n.startswith("Dermal water content") for n in notes)


def test_fig_firmness_degrades(tmp_path):
    """Without the mechanics the figure is skipped; without the profiles only the series show."""
    import matplotlib
    matplotlib.use("Agg")
    import plot_run
    old = syn.write_synthetic(tmp_path / "old.h5", mechanics=False)
    run = da.open_run(old)
    assert plot_run.fig_firmness(run) == (None, []) and plot_run.firmness_summary(run) is None
    part = syn.write_synthetic(tmp_path / "part.h5", profiles=False)
    with h5py.File(part, "a") as f:
        del f["cutometer_R7"]
    fig, notes = plot_run.fig_firmness(da.open_run(part))
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2 and len(axes[1].lines) == 1  # R0; R2 alone
    assert not any("shear modulus" in n for n in notes)
    plot_run._pyplot().close(fig)


def test_report_html_firmness(tmp_path):
    """report.html has a firmness section with the first and last values of the file, and
    leaves it out for a file without the mechanics."""
    import matplotlib
    matplotlib.use("Agg")
    import report_html
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    new = syn.write_synthetic(tmp_path / "new" / "run.h5")
    syn.write_synthetic(tmp_path / "old" / "run.h5", mechanics=False)
    page = report_html.build(Path(new))
    assert 'id="firmness"' in page and 'href="#firmness"' in page and 'alt="firmness over age"' in page
    section = page.split('id="firmness"')[1].split("<figure>")[0]
    for name in ("cutometer_R0", "cutometer_R2", "cutometer_R7"):
        a, b = _first_last(new, name)
        assert f"{a:.3g}" in section and f"{b:.3g}" in section, (name, section)
    page = report_html.build(tmp_path / "old" / "run.h5")
    assert 'id="firmness"' not in page and "#firmness" not in page and "Cutometer" not in page


# =========================================================== notebook
def test_notebook_outputs_empty_in_git():
    nb = json.loads(NOTEBOOK.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_notebook_executes(best_h5, tmp_path, monkeypatch):
    """quickstart.ipynb runs end to end (on the real run; on the synthetic one without it),
    in a kernel started with this interpreter (Debian's /usr/bin/python3 under ctest)."""
    from conftest import execute_notebook

    monkeypatch.setenv("DERMSIM_RUN", str(best_h5))
    monkeypatch.setenv("HDF5_USE_FILE_LOCKING", "FALSE")
    outputs = execute_notebook(NOTEBOOK, tmp_path, ANALYSIS)
    assert not [o for o in outputs if o.output_type == "error"]
    n_images = sum("image/png" in o.get("data", {}) for o in outputs)
    assert n_images >= 4, f"expected >= 4 figures, got {n_images}"
    text = "".join(o.get("text", "") for o in outputs)
    assert "agents" in text


# =========================================================== real run: layout conformance
def test_real_run_layout(real_h5):
    """The simulator's file has what the analysis code relies on (names from the brief)."""
    problems = []
    with h5py.File(real_h5, "r") as f:
        names = set(f.keys())
        attrs = dict(f.attrs)
        for req in ("software", "software_version", "git_describe", "seed", "config_text",
                    "config_resolved", "completed"):
            if req not in attrs:
                problems.append(f"root attribute {req} missing")
        if "completed" in attrs and np.asarray(attrs["completed"]).shape != ():
            problems.append(f"root attribute completed is not scalar: {attrs['completed']!r}")
        missing = [n for n in SERIES + FRAME_VARS + AGENT_COLUMNS if n not in names]
        if missing:
            problems.append(f"variables missing: {missing}")
        if "frame_time" not in names and "frame" not in names:
            problems.append("no frame_time (or frame) coordinate")
        for name, ds in f.items():
            if not isinstance(ds, h5py.Dataset):
                continue
            if str(ds.attrs.get("NAME", b"")).find("This is a netCDF dimension") >= 0:
                continue
            for a in ("units", "long_name"):
                if a not in ds.attrs:
                    problems.append(f"{name}: no {a}")
        fields = [n for n in names if isinstance(f[n], h5py.Dataset) and f[n].ndim == 4]
        for n in fields:
            if n + "_profile" not in names:
                problems.append(f"field {n} has no {n}_profile")
    run = open_quiet(real_h5)
    if not run.completed:
        problems.append("completed != 1 after a clean run")
    assert not problems, "layout mismatches:\n  " + "\n  ".join(problems)
