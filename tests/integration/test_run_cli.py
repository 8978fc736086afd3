"""End-to-end checks of `dermsim run` and the other commands on tests/configs/tiny.yaml.

One full run of tiny.yaml (8 x 8 x 16 voxels, ages 25 to 35, weekly steps, seed 7) is
made once per module and checked for its files, the run.h5 contents (attributes, series,
fields, profiles, ragged agent table, xarray readability), resolved.yaml (types, `check`,
exact reproduction), report.md, `info`, `params`, `--help`/`--version`. Short extra runs
(ages 25 to 26) cover the default output directory, silence on a non-tty, --set and
--seed. SIGINT and SIGTERM on a long run must exit 130 and leave a readable file marked
completed = 0.

Environment: DERMSIM_BIN (the dermsim executable), DERMSIM_SOURCE_DIR (the repository;
defaults to this file's). HDF5_USE_FILE_LOCKING=FALSE is set for the child processes and
for reading a file that is still being written.
"""

import os
import pathlib
import re
import signal
import subprocess
import time

import numpy as np
import pytest

from dermsim_runs import waiting_env  # tests/dermsim_runs.py (on PYTHONPATH under ctest)

h5py = pytest.importorskip("h5py")
yaml = pytest.importorskip("yaml")

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
TINY = SOURCE_DIR / "tests" / "configs" / "tiny.yaml"

# tiny.yaml, as the tests rely on it
NX, NY, NZ, H_UM = 8, 8, 16, 20.0
SEED, AGE0, AGE1, DT_H = 7, 25.0, 35.0, 168.0
FRAME_AGES = [25.0, 30.0, 35.0]
STEP_YEARS = DT_H / (24 * 365.25)

SIGNALS = ["tgfb", "mmp1", "mmp3", "timp", "ros", "il", "gf", "chemokine", "exosome"]
SERIES = [
    "time", "step", "age_years", "collagen_total", "collagen_fragmented_fraction", "collagen_synthesis_rate",
    "elastin_functional_total", "elastin_elastotic_total", "ha_hmw_total", "ha_lmw_total",
    "age_crosslinks_mean", "fibroblast_count", "fibroblast_quiescent", "fibroblast_activated",
    "fibroblast_senescent", "senescent_fraction", "stem_cell_count", "dermal_thickness",
] + [s + "_mean" for s in SIGNALS]
COUNTS = ["fibroblast_count", "fibroblast_quiescent", "fibroblast_activated", "fibroblast_senescent",
          "stem_cell_count"]
FRACTIONS = ["collagen_fragmented_fraction", "senescent_fraction"]
# root attributes that legitimately differ between two runs of the same configuration
# (the phase_* timings are wall times; omp_wait_policy is the environment of each run)
RUN_SPECIFIC_ATTRS = {"created_utc", "command_line", "omp_threads", "title", "phase_names", "phase_seconds",
                      "phase_steps", "peak_memory_bytes", "omp_wait_policy"}


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN") or str(SOURCE_DIR / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def child_env(**extra):
    env = dict(os.environ)
    env["HDF5_USE_FILE_LOCKING"] = "FALSE"
    env.update(extra)
    return env


def dermsim(*args, cwd=None, timeout=300):
    """Run dermsim (stdin closed, output captured, so not a tty); return CompletedProcess."""
    return subprocess.run([dermsim_bin(), *map(str, args)], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, cwd=cwd, env=child_env(), timeout=timeout)


def load_h5(path):
    """All datasets (as arrays) and root attributes of a run file."""
    with h5py.File(path, "r") as f:
        data = {k: f[k][()] for k in f.keys() if isinstance(f[k], h5py.Dataset)}
        attrs = {k: f.attrs[k] for k in f.attrs.keys()}
        units = {k: f[k].attrs.get("units") for k in f.keys()}
        long_names = {k: f[k].attrs.get("long_name") for k in f.keys()}
    return dict(data=data, attrs=attrs, units=units, long_names=long_names)


def as_str(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def as_int(v):
    return int(np.asarray(v).ravel()[0])


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def short_run(outdir, *extra):
    """Ages 25 to 26 of tiny.yaml (53 steps)."""
    return dermsim("run", TINY, "-o", outdir, "--quiet", "--set", "run.age_end_years=26", *extra)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    out = d / "out"
    t0 = time.monotonic()
    proc = dermsim("run", TINY, "-o", out, "--quiet")
    print(f"tiny run: {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, f"dermsim run failed ({proc.returncode}):\n{proc.stderr}"
    run = load_h5(out / "run.h5")
    run.update(dir=out, proc=proc)
    return run


# ---------------------------------------------------------------- files and attributes

def test_exit_status_and_files(base):
    assert base["proc"].returncode == 0
    for name in ("run.h5", "run.xdmf", "resolved.yaml", "report.md"):
        p = base["dir"] / name
        assert p.is_file() and p.stat().st_size > 0, f"{name} missing or empty"
    assert not list(base["dir"].glob("*.tmp")), "temporary files left behind"


def test_quiet_prints_nothing(base):
    assert base["proc"].stdout == ""
    assert base["proc"].stderr == ""


def test_root_attributes(base):
    a = base["attrs"]
    assert as_str(a["software"]) == "dermsim"
    assert re.match(r"^\d+\.\d+", as_str(a["software_version"])), a["software_version"]
    for k in ("git_describe", "compiler", "hdf5_version", "config_resolved"):
        assert as_str(a[k]).strip(), f"root attribute {k} is empty"
    assert re.match(r"^1\.\d+\.\d+", as_str(a["hdf5_version"]))
    assert as_int(a["seed"]) == SEED
    assert np.asarray(a["seed"]).shape == (), "seed must be a scalar attribute"
    assert as_int(a["completed"]) == 1
    assert as_str(a["config_text"]) == TINY.read_text(), "config_text must be the config file verbatim"
    # the resolved config embedded in the file is the one written next to it
    assert as_str(a["config_resolved"]) == (base["dir"] / "resolved.yaml").read_text()



def test_phase_timing_attributes(base):
    """Wall time per phase of the step and the peak memory (what tests/bench/bench_reference.py
    reports)."""
    a = base["attrs"]
    names = as_str(a["phase_names"]).split(",")
    assert names[0] == "subject" and names[-1] == "output" and "signals" in names and "matrix" in names
    sec = np.asarray(a["phase_seconds"], dtype=float)
    assert sec.shape == (len(names),)
    assert np.all(np.isfinite(sec)) and np.all(sec >= 0.0)
    assert 0.0 < sec.sum() < 300.0
    assert as_int(a["phase_steps"]) == int(base["data"]["step"][-1])
    # the run's own resident peak (Linux: VmHWM), at least its libraries, far below a GiB here
    peak = float(np.asarray(a["peak_memory_bytes"], dtype=float).ravel()[0])
    assert 4 * 2**20 < peak < 2**30


def test_openmp_waits_passively_unless_the_user_chose(tmp_path):
    """Without OMP_WAIT_POLICY dermsim runs with PASSIVE waiting after a short spin (it sets
    OMP_WAIT_POLICY=PASSIVE and libgomp's GOMP_SPINCOUNT=1000, then executes itself again); a
    policy the user set is kept as it is, without a spin added, and so is a spin count the
    user set. The file records which."""
    env = waiting_env(child_env())
    cases = ((None, None, "PASSIVE, GOMP_SPINCOUNT=1000"), ("active", None, "active"),
             ("PASSIVE", None, "PASSIVE"), (None, "0", "PASSIVE, GOMP_SPINCOUNT=0"))
    for policy, spin, expect in cases:
        e = waiting_env(env, policy, spin)
        out = tmp_path / f"{policy or 'unset'}_{spin or 'unset'}"
        proc = subprocess.run([dermsim_bin(), "run", TINY, "-o", out, "--quiet", "--set", "run.age_end_years=25.2"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, env=e, timeout=300)
        assert proc.returncode == 0, proc.stderr
        with h5py.File(out / "run.h5", "r") as f:
            assert as_str(f.attrs["omp_wait_policy"]) == expect
            gcc = as_str(f.attrs["compiler"]).startswith("GNU")
    # the runtime itself took the default (the re-execution happened): libgomp prints its
    # settings at start-up with OMP_DISPLAY_ENV, before the exec (300000, its own default) and
    # after it (1000)
    if not gcc:
        pytest.skip("GOMP_SPINCOUNT is libgomp's (GCC builds)")
    e = dict(env, OMP_DISPLAY_ENV="VERBOSE")
    proc = subprocess.run([dermsim_bin(), "run", TINY, "-o", tmp_path / "display", "--quiet", "--set",
                           "run.age_end_years=25.2"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=e, timeout=300)
    assert proc.returncode == 0, proc.stderr
    spins = re.findall(r"GOMP_SPINCOUNT = '(\d+)'", proc.stderr)
    assert spins and spins[-1] == "1000", proc.stderr[-2000:]


# ---------------------------------------------------------------- series

def test_series_variables_exist_with_units(base):
    data, units, names = base["data"], base["units"], base["long_names"]
    n = len(data["time"])
    assert n >= 3
    for v in SERIES:
        assert v in data, f"series variable {v} missing"
        assert data[v].shape == (n,), f"{v} has shape {data[v].shape}, expected ({n},)"
        assert units[v] is not None and as_str(units[v]) != "", f"{v} has no units"
        assert names[v] is not None and as_str(names[v]).strip(), f"{v} has no long_name"
    assert as_str(units["time"]) == "day"
    assert as_str(units["age_years"]) in ("year", "years", "yr", "a")
    assert data["step"].dtype.kind == "i"


def test_time_step_age_consistent(base):
    d = base["data"]
    step, t, age = d["step"], d["time"], d["age_years"]
    assert step[0] == 0 and np.all(np.diff(step) > 0)
    np.testing.assert_allclose(t, step * DT_H / 24.0, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(age, AGE0 + t / 365.25, rtol=1e-12, atol=1e-9)
    assert age[0] == pytest.approx(AGE0, abs=1e-12)
    # the run ends at the first step at or after age_end
    assert AGE1 - 1e-9 <= age[-1] < AGE1 + STEP_YEARS + 1e-9


def test_series_values(base):
    d = base["data"]
    n = len(d["time"])
    for v, x in d.items():
        if x.shape == (n,):
            assert np.all(np.isfinite(x)), f"{v} has non-finite values"
    for v in COUNTS:
        x = d[v]
        assert np.all(x >= 0), f"{v} negative"
        assert np.array_equal(x, np.round(x)), f"{v} not integral"
    assert np.all(d["fibroblast_count"] > 0)
    np.testing.assert_array_equal(d["fibroblast_quiescent"] + d["fibroblast_activated"] + d["fibroblast_senescent"],
                                  d["fibroblast_count"])
    np.testing.assert_allclose(d["senescent_fraction"], d["fibroblast_senescent"] / d["fibroblast_count"],
                               rtol=1e-12, atol=0)
    for v in FRACTIONS:
        assert np.all((d[v] >= 0) & (d[v] <= 1)), f"{v} outside [0, 1]"
    for v in ("collagen_total", "elastin_functional_total", "ha_hmw_total", "dermal_thickness",
              "collagen_synthesis_rate"):
        assert np.all(d[v] > 0), f"{v} not positive"
    for v in ("elastin_elastotic_total", "ha_lmw_total", "age_crosslinks_mean"):
        assert np.all(d[v] >= 0), f"{v} negative"
    # thickness of an unaged 16 x 20 um block starts at its geometric depth
    assert d["dermal_thickness"][0] == pytest.approx(NZ * H_UM, rel=0.05)


def test_signal_means_start_at_young_level(base):
    # row 0 is the live state at the end of the young settle, whose time-averaged signal
    # means are the young levels (1); a snapshot of ~80 cells fluctuates about them
    d = base["data"]
    for s in SIGNALS:
        if s == "exosome":
            assert d[s + "_mean"][0] == 0.0, "no exosomes without a treatment"
        else:
            assert d[s + "_mean"][0] == pytest.approx(1.0, rel=0.25), f"{s}_mean at row 0"
        assert np.all(d[s + "_mean"] >= 0)


# ---------------------------------------------------------------- fields and profiles

def field_names(data):
    return [k for k, v in data.items() if v.ndim == 4]


def test_fields(base):
    d = base["data"]
    names = field_names(d)
    for need in ["collagen_intact", "collagen_fragmented", "elastin_functional", "ha_hmw"] + SIGNALS:
        assert need in names, f"field {need} missing"
    for n in names:
        assert d[n].dtype == np.float32, f"{n} is {d[n].dtype}"
        assert d[n].shape == (len(FRAME_AGES), NZ, NY, NX), f"{n} shape {d[n].shape}"
        assert np.all(np.isfinite(d[n])) and np.all(d[n] >= 0), f"{n} has negative or non-finite values"
    np.testing.assert_allclose(d["frame_age_years"], FRAME_AGES, atol=STEP_YEARS + 1e-9)
    np.testing.assert_allclose(d["x"], (np.arange(NX) + 0.5) * H_UM)
    np.testing.assert_allclose(d["z"], (np.arange(NZ) + 0.5) * H_UM)
    # frames are snapshots of the state at the series rows with the same step
    step = list(d["step"])
    fs = d["frame_step"]
    assert fs[0] == 0 and fs[-1] == step[-1]
    k0 = 0
    vox_ml = (H_UM * 1e-4) ** 3  # mL per voxel
    area_cm2 = NX * NY * (H_UM * 1e-4) ** 2
    for k, st in enumerate(fs):
        if st in step:
            r = step.index(st)
            # mg/mL summed over voxels -> mg per cm^2 of skin
            tot = (d["collagen_intact"][k].astype(np.float64) + d["collagen_fragmented"][k]).sum() * vox_ml / area_cm2
            assert tot == pytest.approx(d["collagen_total"][r], rel=1e-4), f"frame {k}: field vs series collagen"
            k0 += 1
    assert k0 >= 2


def test_profiles_are_lateral_means(base):
    d = base["data"]
    # the mech_* profiles are computed per layer (the suction mechanics), not field means:
    # test_cutometer.py checks them
    profiles = [k for k in d if k.endswith("_profile") and not k.startswith("mech_")]
    assert len(profiles) >= len(SIGNALS) + 4
    for p in profiles:
        f = p[: -len("_profile")]
        assert f in d, f"{p} has no field {f}"
        assert d[p].shape == (len(FRAME_AGES), NZ)
        np.testing.assert_allclose(d[p], d[f].astype(np.float64).mean(axis=(2, 3)), rtol=1e-6, atol=1e-12,
                                   err_msg=p)


# ---------------------------------------------------------------- agents

def test_agents_ragged(base):
    d = base["data"]
    cnt = d["agent_count"]
    assert cnt.shape == (len(FRAME_AGES),)
    n = len(d["agent_id"])
    assert int(cnt.sum()) == n
    cols = [k for k in d if k.startswith("agent_") and k != "agent_count"]
    for c in ("agent_id", "agent_type", "agent_state", "agent_x", "agent_y", "agent_z"):
        assert c in cols
    for c in cols:
        assert d[c].shape == (n,), f"{c} shape {d[c].shape} != ({n},)"
    bounds = np.concatenate([[0], np.cumsum(cnt)])
    for k in range(len(cnt)):
        sl = slice(bounds[k], bounds[k + 1])
        ids = d["agent_id"][sl]
        assert len(np.unique(ids)) == len(ids), f"duplicate agent ids in frame {k}"
        z, x, y = d["agent_z"][sl], d["agent_x"][sl], d["agent_y"][sl]
        assert np.all((z >= 0) & (z < NZ * H_UM)), f"agent_z out of [0, {NZ * H_UM}) in frame {k}"
        assert np.all((x >= 0) & (x < NX * H_UM)) and np.all((y >= 0) & (y < NY * H_UM))
        assert set(np.unique(d["agent_type"][sl])) <= {0, 1}
        assert set(np.unique(d["agent_state"][sl])) <= {0, 1, 2, 3}


def test_agent_count_matches_series(base):
    d = base["data"]
    step = list(d["step"])
    cnt = d["agent_count"]
    bounds = np.concatenate([[0], np.cumsum(cnt)])
    matched = 0
    for k, st in enumerate(d["frame_step"]):
        if st not in step:
            continue
        r = step.index(st)
        assert cnt[k] == d["fibroblast_count"][r] + d["stem_cell_count"][r], f"frame {k} (step {st})"
        sl = slice(bounds[k], bounds[k + 1])
        typ, state = d["agent_type"][sl], d["agent_state"][sl]
        assert np.sum(typ == 1) == d["stem_cell_count"][r]
        fib = typ == 0
        assert np.sum(fib & (state == 2)) == d["fibroblast_senescent"][r]
        assert np.sum(fib & (state == 1)) == d["fibroblast_activated"][r]
        matched += 1
    assert matched >= 2, "first and last frames must coincide with series rows"


def test_xarray_opens(base):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    with xr.open_dataset(base["dir"] / "run.h5", engine="h5netcdf") as ds:
        assert set(ds.dims) == {"time", "frame", "z", "y", "x", "agent"}
        assert ds.sizes["x"] == NX and ds.sizes["y"] == NY and ds.sizes["z"] == NZ
        assert ds.sizes["frame"] == len(FRAME_AGES) and ds.sizes["time"] == len(base["data"]["time"])
        assert ds["collagen_intact"].dims == ("frame", "z", "y", "x")
        assert ds["collagen_total"].dims == ("time",)
        assert ds["agent_id"].dims == ("agent",)
        assert ds["time"].dtype.kind == "f", "time must stay numeric (units 'day', not 'days')"
        np.testing.assert_array_equal(ds["collagen_total"].values, base["data"]["collagen_total"])


# ---------------------------------------------------------------- resolved.yaml

def resolved_units(path):
    """{dotted key: units comment} from the resolved.yaml text."""
    out, stack = {}, []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^( *)([A-Za-z0-9_]+):\s*(.*)$", line)
        assert m, f"unexpected line in resolved.yaml: {line!r}"
        level = len(m.group(1)) // 2
        stack = stack[:level] + [m.group(2)]
        rest = m.group(3)
        if rest and not rest.startswith("#"):
            um = re.search(r"#\s*(\S+)\s*$", rest)
            out[".".join(stack)] = um.group(1) if um else None
    return out


def params_table():
    """{key: (units, default text)} parsed from `dermsim params`."""
    p = dermsim("params")
    assert p.returncode == 0, p.stderr
    tab = {}
    for line in p.stdout.splitlines():
        m = re.match(r"^\s+([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+)\s+(\S+)\s+default\s+(\S+)", line)
        if m:
            tab[m.group(1)] = (m.group(2), m.group(3))
    assert len(tab) > 50, f"could not parse `dermsim params`:\n{p.stdout[:2000]}"
    return tab


def test_resolved_yaml_types(base):
    res = flatten(yaml.safe_load((base["dir"] / "resolved.yaml").read_text()))
    tab = params_table()
    assert res["run.seed"] == SEED and res["domain.nx"] == NX
    assert res["run.dt_hours"] == DT_H and isinstance(res["run.dt_hours"], float)
    for k, v in res.items():
        assert k in tab, f"resolved key {k} not listed by `dermsim params`"
        default = tab[k][1]
        if re.fullmatch(r"-?\d+\.\d*(e[-+]?\d+)?|-?\d+e[-+]?\d+|-?\d*\.\d+", default):
            assert isinstance(v, float), f"{k}: real parameter read back by PyYAML as {type(v).__name__} {v!r}"
        if isinstance(v, str):
            try:
                float(v)
            except ValueError:
                pass
            else:
                pytest.fail(f"{k}: number {v!r} loads as a string")


def test_params_lists_every_resolved_key_with_units(base):
    tab = params_table()
    units = resolved_units(base["dir"] / "resolved.yaml")
    assert len(units) == len(flatten(yaml.safe_load((base["dir"] / "resolved.yaml").read_text())))
    for k, u in units.items():
        assert k in tab, f"`dermsim params` does not list {k}"
        assert u is not None, f"resolved.yaml gives no units for {k}"
        assert tab[k][0] == u, f"{k}: params says units {tab[k][0]!r}, resolved.yaml {u!r}"


def test_check_resolved(base):
    p = dermsim("check", base["dir"] / "resolved.yaml")
    assert p.returncode == 0, p.stderr
    assert "valid" in p.stdout and p.stderr == ""


def test_rerun_from_resolved_is_identical(base, tmp_path):
    out = tmp_path / "again"
    p = dermsim("run", base["dir"] / "resolved.yaml", "-o", out, "--quiet")
    assert p.returncode == 0, p.stderr
    again = load_h5(out / "run.h5")
    assert set(again["data"]) == set(base["data"])
    n = len(base["data"]["time"])
    series = [k for k, v in base["data"].items() if v.shape == (n,)]
    assert len(series) >= len(SERIES)
    for k in sorted(base["data"]):
        assert np.array_equal(again["data"][k], base["data"][k]), f"{k} differs when re-run from resolved.yaml"
    assert as_int(again["attrs"]["seed"]) == SEED
    assert as_str(again["attrs"]["config_resolved"]) == as_str(base["attrs"]["config_resolved"])


# ---------------------------------------------------------------- report, info, params, help

def test_report(base):
    text = (base["dir"] / "report.md").read_text()
    low = text.lower()
    for word in ("collagen", "elastin", "hyaluronan", "fibroblast"):
        assert word in low, f"report.md does not mention {word}"
    assert re.search(rf"seed\D{{0,3}}{SEED}\b", low), "report.md does not give the seed"
    m = re.search(r"dermsim run (\S+\.yaml)\b", text)
    assert m, "report.md has no reproduce command"
    assert m.group(1).endswith("resolved.yaml"), "the reproduce command should use the resolved config"


def test_info(base):
    p = dermsim("info", base["dir"] / "run.h5")
    assert p.returncode == 0, p.stderr
    assert "completed" in p.stdout
    assert re.search(r"completed:\s*(yes|1|true)", p.stdout, re.I), p.stdout
    assert str(SEED) in p.stdout


def test_help_and_version():
    h = dermsim("--help")
    assert h.returncode == 0 and "usage" in h.stdout.lower() and "run" in h.stdout
    for flag in ("--version", "-V"):
        v = dermsim(flag)
        assert v.returncode == 0
        assert v.stdout.startswith("dermsim"), v.stdout
    rh = dermsim("run", "--help")
    assert rh.returncode == 0 and "usage" in rh.stdout.lower()


# ---------------------------------------------------------------- short runs: cwd, tty, --set, --seed

def test_default_outdir_and_silence_without_quiet(tmp_path):
    p = subprocess.run([dermsim_bin(), "run", str(TINY), "--set", "run.age_end_years=26"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=tmp_path, env=child_env(),
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "" and p.stderr == "", "a run whose stderr is not a terminal must print nothing"
    out = tmp_path / "out" / "tiny"
    for name in ("run.h5", "run.xdmf", "resolved.yaml", "report.md"):
        assert (out / name).is_file(), f"out/tiny/{name} missing"
    with h5py.File(out / "run.h5", "r") as f:
        assert as_int(f.attrs["completed"]) == 1
        assert f["age_years"][-1] == pytest.approx(26, abs=STEP_YEARS + 1e-9)


def test_set_overrides_applied_and_recorded(tmp_path):
    out = tmp_path / "set"
    p = short_run(out, "--set", "domain.nx=6", "--set", "ecm.elastin_oxidation_per_year=0.00002")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "" and p.stderr == ""
    r = load_h5(out / "run.h5")
    assert r["data"]["x"].shape == (6,)
    assert r["data"]["collagen_intact"].shape[1:] == (NZ, NY, 6)
    res = flatten(yaml.safe_load((out / "resolved.yaml").read_text()))
    assert res["domain.nx"] == 6
    assert res["run.age_end_years"] == 26.0
    v = res["ecm.elastin_oxidation_per_year"]
    assert isinstance(v, float) and v == pytest.approx(2e-5, rel=1e-12), f"small float resolved as {v!r}"
    emb = flatten(yaml.safe_load(as_str(r["attrs"]["config_resolved"])))
    assert emb["domain.nx"] == 6
    # config_text stays the file, untouched by --set
    assert as_str(r["attrs"]["config_text"]) == TINY.read_text()


def test_seed_option_changes_seed_and_data(base, tmp_path):
    out = tmp_path / "seed"
    p = short_run(out, "--seed", "8")
    assert p.returncode == 0, p.stderr
    r = load_h5(out / "run.h5")
    assert as_int(r["attrs"]["seed"]) == 8
    assert flatten(yaml.safe_load((out / "resolved.yaml").read_text()))["run.seed"] == 8
    # compare with the seed-7 run at the steps both have
    b = base["data"]
    common = np.intersect1d(r["data"]["step"], b["step"])
    assert len(common) >= 3
    ia = np.searchsorted(r["data"]["step"], common)
    ib = np.searchsorted(b["step"], common)
    differs = [v for v in ("fibroblast_count", "collagen_total", "mmp1_mean", "senescent_fraction")
               if not np.array_equal(r["data"][v][ia], b[v][ib])]
    assert differs, "a different seed gave the same series"
    n0 = int(r["data"]["agent_count"][0])
    assert not np.array_equal(r["data"]["agent_x"][:n0], b["agent_x"][: int(b["agent_count"][0])]), \
        "a different seed gave the same initial cell positions"


@pytest.mark.parametrize("args,want", [(("--set", "run.seed=3", "--seed", "9"), 9),
                                       (("--seed", "9", "--set", "run.seed=3"), 3)], ids=["seed-last", "set-last"])
def test_seed_and_set_in_command_line_order(tmp_path, args, want):
    """--seed and --set run.seed apply in their order: the last one given wins."""
    out = tmp_path / "order"
    p = short_run(out, *args)
    assert p.returncode == 0, p.stderr
    assert flatten(yaml.safe_load((out / "resolved.yaml").read_text()))["run.seed"] == want


# ---------------------------------------------------------------- interruption

def series_rows(path):
    """Number of series rows in a file being written, or -1 if it cannot be read yet."""
    try:
        with h5py.File(path, "r") as f:
            return int(f["step"].shape[0])
    except Exception:  # noqa: BLE001 - file not yet created or mid-write
        return -1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt(tmp_path, sig):
    out = tmp_path / "long"
    cmd = [dermsim_bin(), "run", str(TINY), "-o", str(out), "--quiet",
           "--set", "run.age_end_years=130", "--set", "run.dt_hours=24",
           "--set", "domain.nx=16", "--set", "domain.ny=16",
           "--set", "output.series_interval_days=7", "--set", "output.frame_interval_days=36525"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=child_env())
    try:
        h5 = out / "run.partial.h5"  # the run's name until it completes
        deadline = time.monotonic() + 60
        rows = -1
        while time.monotonic() < deadline and proc.poll() is None:
            rows = series_rows(h5)
            if rows >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"run ended before it could be interrupted (rc {proc.returncode})"
        assert rows >= 3, "run.partial.h5 never reached 3 series rows"
        t0 = time.monotonic()
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=20)
        waited = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, f"exit {proc.returncode} after {sig.name}; stderr: {stderr}"
    assert waited < 10, f"took {waited:.1f} s to stop after {sig.name}"
    assert stdout == ""
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "interrupted" in lines[0].lower(), f"stderr: {stderr!r}"
    assert lines[0].startswith("dermsim:")
    assert not (out / "run.h5").exists(), "an interrupted run must not take the final name"
    with h5py.File(out / "run.partial.h5", "r") as f:
        assert as_int(f.attrs["completed"]) == 0
        n = f["step"].shape[0]
        assert n >= 2
        for v in SERIES:
            assert f[v].shape == (n,), f"{v} has {f[v].shape[0]} rows, step has {n}"
            assert np.all(np.isfinite(f[v][...])), v
        assert np.all(np.diff(f["step"][...]) > 0)
        assert f["age_years"][-1] < 130
        # the state at interruption is saved as the last frame
        assert f["frame_step"][-1] == f["step"][-1]
        assert int(f["agent_count"][...].sum()) == f["agent_id"].shape[0]
    assert (out / "resolved.partial.yaml").is_file() and (out / "report.partial.md").is_file()
    assert (out / "checkpoint.h5").is_file(), "an interrupt leaves a checkpoint to resume from"
    assert "dermsim resume" in lines[0]
    info = dermsim("info", out / "run.partial.h5")
    assert info.returncode == 0 and "completed" in info.stdout
    assert not re.search(r"completed:\s*(yes|1|true)", info.stdout, re.I), info.stdout


def test_patch_1cm_memory_estimate_is_shown():
    """configs/patch_1cm.yaml (2e8 voxels): `check` names its memory need, whether it
    accepts it (a big node) or refuses it with a config error (this machine kind)."""
    proc = dermsim("check", SOURCE_DIR / "configs" / "patch_1cm.yaml")
    if proc.returncode == 0:
        m = re.search(r"about (\d+) MiB", proc.stdout)
        assert m and int(m.group(1)) > 25 * 1024, proc.stdout
    else:
        assert proc.returncode == 2, proc.stderr
        m = re.search(r"patch_1cm\.yaml:\d+:\d+: key 'domain\.n[xyz]': .* needs about ([\d.]+) GiB but only", proc.stderr)
        assert m and float(m.group(1)) > 25, proc.stderr  # 28.3 GiB since 2026-12-06 (no exosome arrays, crowding per row)
        assert len(proc.stderr.strip().splitlines()) == 1


def test_check_names_the_threads():
    """`check` says how many threads a run would use: with threads that sleep at once
    (OMP_WAIT_POLICY=PASSIVE, as ctest sets it) at most one per 16384 voxels (so the
    quickstart's 16000 run on one, whatever is asked), the limit from DERMSIM_VOXELS_PER_THREAD,
    and a malformed value is one line and exit 2 (dermsim's default waiting:
    test_reproducibility.py::test_threads_for_a_small_grid)."""
    quick = SOURCE_DIR / "configs" / "quickstart.yaml"
    asleep = waiting_env(child_env(), "PASSIVE")
    p = subprocess.run([dermsim_bin(), "check", str(quick), "--set", "run.threads=2"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, env=asleep, timeout=60)
    assert p.returncode == 0 and "; 1 thread(s) (at most one per 16384 voxels, not 2)" in p.stdout, p.stdout
    p = subprocess.run([dermsim_bin(), "check", str(quick), "--set", "run.threads=2"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, env=child_env(DERMSIM_VOXELS_PER_THREAD="8000"), timeout=60)
    assert p.returncode == 0 and p.stdout.rstrip().endswith("; 2 thread(s)"), p.stdout
    p = subprocess.run([dermsim_bin(), "check", str(quick)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       env=child_env(DERMSIM_VOXELS_PER_THREAD="lots"), timeout=60)
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 1 and "'lots'" in p.stderr, p.stderr


def test_unfinished_directory_advice(tmp_path):
    """A directory with an unfinished run: resume is offered only where a checkpoint was
    written; otherwise --overwrite (never advice that resume then refuses)."""
    out = tmp_path / "u"
    out.mkdir()
    (out / "run.partial.h5").write_bytes(b"")
    p = dermsim("run", TINY, "-o", out, "--quiet")
    assert p.returncode == 2 and "wrote no checkpoint, so it cannot be resumed" in p.stderr, p.stderr
    assert "dermsim resume" not in p.stderr
    (out / "checkpoint.h5").write_bytes(b"")
    p = dermsim("run", TINY, "-o", out, "--quiet")
    assert p.returncode == 2 and f"continue it with 'dermsim resume {out}'" in p.stderr, p.stderr
    # a user's own view script or page in an empty directory is not replaced
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "run_paraview.py").write_text("# my view\n")
    p = dermsim("run", TINY, "-o", mine, "--quiet")
    assert p.returncode == 2 and "already holds a run (run_paraview.py)" in p.stderr, p.stderr
    assert (mine / "run_paraview.py").read_text() == "# my view\n"


def test_reproduce_command_is_one_shell_line(tmp_path):
    """report.md's command quotes paths with spaces and quotes: pasted into a shell it names
    this run's resolved.yaml and a new directory beside it."""
    import shlex
    out = tmp_path / "my run's dir"
    p = short_run(out)
    assert p.returncode == 0, p.stderr
    line = [l for l in (out / "report.md").read_text().splitlines() if l.startswith("- Command: `")][0]
    words = shlex.split(line[len("- Command: `"):-1])
    assert words == ["dermsim", "run", str(out / "resolved.yaml"), "-o", f"{out}-rerun"], words


def test_overwrite_removes_the_old_runs_page(tmp_path):
    """--overwrite replaces a run whole: the old run's report.html does not stay beside the
    new run.h5 when no new page is written (DERMSIM_REPORT_HTML=0, as in sweeps)."""
    out = tmp_path / "o"
    assert short_run(out).returncode == 0
    (out / "report.html").write_text("<p>the old run, seed 7</p>")
    p = short_run(out, "--overwrite", "--seed", "8")
    assert p.returncode == 0, p.stderr
    assert not (out / "report.html").exists()
