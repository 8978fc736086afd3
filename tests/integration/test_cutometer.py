"""The simulated Cutometer end to end (issue 9): the run's cutometer_* series and mech_*
profiles in run.h5, and `dermsim cutometer` on the run.

- the series exist with units, are finite, obey their definitions (R0 = Uf = Ue + Uv,
  R1 = Uf - Ua, R2 = Ua/Uf, R5 = Ur/Ue, R6 = Uv/Ue, R7 = Ur/Uf, R8 = Ua) at every row, and
  the young-adult start is in C18's bands (R2 0.80-0.90, R7 0.50-0.60);
- ageing 25 -> 45 lowers R2 and R7 (Ryu 2008, Krueger 2011: elasticity falls with age);
- the frame profiles (mech_g0_profile ...) are (frame, z) with units, young layers uniform;
- `dermsim cutometer RUN --age A` prints the R-parameters, writes the curve (CSV with one
  column per age, PNG), agrees with the series at that row to 1.5 % (the run re-solves only
  when the column moved by cutometer.resolve_tolerance, the command on a finer step);
- it never overwrites an existing curve without --force; bad options are one-line errors
  (exit 2) naming the option, the value and the expected form; a missing run is an error.
(A collapsed dermis giving finite readouts is tests/unit/test_mech.c: a run cannot be made
to lose its whole matrix, since homeostasis rescales synthesis to any turnover.)
"""
import os
import pathlib
import subprocess

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

BIN = os.environ.get("DERMSIM_BIN", "")
CFG = """run: {seed: 7, age_start_years: 25, age_end_years: 45}
output: {series_interval_days: 182.625, frame_interval_days: 3652.5, write_fields: false, write_agents: false}
domain: {nx: 8, ny: 8, nz: 20, voxel_um: 20}
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    if not (BIN and os.access(BIN, os.X_OK)):
        pytest.skip("DERMSIM_BIN not set")
    tmp = tmp_path_factory.mktemp("cuto")
    cfg = tmp / "c.yaml"
    cfg.write_text(CFG)
    out = tmp / "run"
    p = subprocess.run([BIN, "run", str(cfg), "-o", str(out), "--quiet"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return out


def load(out):
    with h5py.File(out / "run.h5", "r") as f:
        s = {k: f[k][...] for k in f.keys() if k.startswith("cutometer_") or k in ("age_years", "dermal_water_content")}
        s["units"] = {k: f[k].attrs.get("units") for k in f.keys()}
        s["prof"] = {k: f[k][...] for k in f.keys() if k.startswith("mech_")}
        s["frame_age"] = f["frame_age_years"][...]
    return s


def test_series_definitions_and_young_bands(run_dir):
    s = load(run_dir)
    u = lambda k: s["units"][k].decode() if isinstance(s["units"][k], bytes) else s["units"][k]
    for k in ("R0", "R1", "R8", "Ue", "Uv", "Uf", "Ur", "Ua"):
        assert u(f"cutometer_{k}") == "mm"
    for k in ("R2", "R5", "R6", "R7"):
        assert u(f"cutometer_{k}") == "1"
    c = {k[10:]: v for k, v in s.items() if k.startswith("cutometer_")}
    for v in c.values():
        assert np.all(np.isfinite(v)) and np.all(v >= 0)
    np.testing.assert_allclose(c["R0"], c["Uf"], rtol=1e-12)
    np.testing.assert_allclose(c["Uf"], c["Ue"] + c["Uv"], rtol=1e-12)
    np.testing.assert_allclose(c["R1"], c["Uf"] - c["Ua"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(c["R2"], c["Ua"] / c["Uf"], rtol=1e-12)
    np.testing.assert_allclose(c["R5"], c["Ur"] / c["Ue"], rtol=1e-12)
    np.testing.assert_allclose(c["R6"], c["Uv"] / c["Ue"], rtol=1e-12)
    np.testing.assert_allclose(c["R7"], c["Ur"] / c["Uf"], rtol=1e-12)
    np.testing.assert_allclose(c["R8"], c["Ua"], rtol=1e-12)
    assert 0.80 < c["R2"][0] < 0.90 and 0.50 < c["R7"][0] < 0.60, (c["R2"][0], c["R7"][0])
    assert c["R2"][-1] < c["R2"][0] and c["R7"][-1] < c["R7"][0]
    assert s["dermal_water_content"][0] == pytest.approx(0.65, rel=1e-9)


def test_frame_profiles(run_dir):
    s = load(run_dir)
    assert set(s["prof"]) == {"mech_g0_profile", "mech_g1_profile", "mech_tau1_profile", "mech_eta_f_profile"}
    units = {"mech_g0_profile": "kPa", "mech_g1_profile": "kPa", "mech_tau1_profile": "s", "mech_eta_f_profile": "kPa.s"}
    for k, v in s["prof"].items():
        un = s["units"][k]
        assert (un.decode() if isinstance(un, bytes) else un) == units[k]
        assert v.shape == (len(s["frame_age"]), 20) and np.all(np.isfinite(v)) and np.all(v > 0)
        np.testing.assert_allclose(v[0], v[0][0], rtol=1e-9)  # the young state: every layer at its reference


def test_command_curve_matches_series(run_dir, tmp_path):
    out = tmp_path / "curve"
    out.mkdir()
    p = subprocess.run([BIN, "cutometer", str(run_dir), "--age", "25", "--age", "45", "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    rows = [l.split() for l in p.stdout.splitlines() if l.strip() and l.split()[0].replace(".", "").isdigit()]
    assert len(rows) == 2
    s = load(run_dir)
    for r in rows:
        age, r0, r2, r7 = float(r[0]), float(r[1]), float(r[3]), float(r[6])
        i = int(np.argmin(np.abs(s["age_years"] - age)))
        assert r0 == pytest.approx(s["cutometer_R0"][i], rel=0.015)
        assert r2 == pytest.approx(s["cutometer_R2"][i], rel=0.015)
        assert r7 == pytest.approx(s["cutometer_R7"][i], rel=0.015)
    data = np.loadtxt(out / "cutometer_curve.csv", delimiter=",", skiprows=1)
    assert data.shape[1] == 3 and data[0, 0] == 0 and data[-1, 0] == pytest.approx(4.0)
    assert (out / "cutometer_curve.png").stat().st_size > 1000
    # an existing curve is kept unless --force
    p = subprocess.run([BIN, "cutometer", str(run_dir), "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 1 and "--force" in p.stderr
    p = subprocess.run([BIN, "cutometer", str(run_dir), "--out", str(out), "--force", "--protocol", "2,2,2"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert np.loadtxt(out / "cutometer_curve.csv", delimiter=",", skiprows=1)[-1, 0] == pytest.approx(8.0)


@pytest.mark.parametrize("args,needle", [
    (["--probe-mm", "0"], "--probe-mm '0': expected a number in [0.5, 10] mm"),
    (["--pressure-mbar", "x"], "--pressure-mbar 'x': expected a number in [10, 900] mbar"),
    (["--protocol", "2"], "--protocol '2': expected ON,OFF[,CYCLES]"),
    (["--protocol", "2,2,1.5"], "--protocol (cycles) '1.5': expected a whole number in [1, 20]"),
    (["--protocol", "2,2,2 junk"], "--protocol (cycles) '2 junk': expected a number"),
    (["--protocol", "2,2,2,2"], "--protocol '2,2,2,2': expected ON,OFF[,CYCLES]"),
    (["--age", "80"], "--age 80: outside the run's frames (ages 25.00 to 45."),
    (["--age"], "--age '': expected a number"),
    (["--bogus"], "unknown option '--bogus'"),
])
def test_bad_options(run_dir, args, needle):
    p = subprocess.run([BIN, "cutometer", str(run_dir), *args], capture_output=True, text=True)
    assert p.returncode == 2 and needle in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_missing_run(tmp_path):
    if not (BIN and os.access(BIN, os.X_OK)):
        pytest.skip("DERMSIM_BIN not set")
    p = subprocess.run([BIN, "cutometer", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert p.returncode != 0 and "dermsim" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("cmd", ["cutometer", "report"])
def test_run_file_names(run_dir, tmp_path, cmd):
    """A .h5 that is not the run's own file is refused by name (it was read as the run's
    run.h5 before); the run's run.h5 is its run; an unfinished run says how to finish it."""
    other = run_dir / "other.h5"
    for arg, needle in [(str(other), f"'{other}' is not a run's file; expected a run directory or its run.h5"),
                        (str(tmp_path / "nothing.h5"), "is not a run's file"),
                        (str(tmp_path / "nothing"), "is not a run directory")]:
        p = subprocess.run([BIN, cmd, arg], capture_output=True, text=True)
        assert p.returncode == 2 and needle in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "run.partial.h5").write_bytes(b"")
    for arg in (str(partial), str(partial / "run.partial.h5")):
        p = subprocess.run([BIN, cmd, arg], capture_output=True, text=True)
        assert p.returncode == 2 and f"an unfinished run (run.partial.h5); finish it with 'dermsim resume {partial}'" \
            in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    if cmd == "cutometer":
        out = tmp_path / "curve"
        out.mkdir()
        p = subprocess.run([BIN, cmd, str(run_dir / "run.h5"), "--out", str(out)], capture_output=True, text=True)
        assert p.returncode == 0 and (out / "cutometer_curve.csv").exists(), p.stderr


@pytest.mark.parametrize("cmd", ["cutometer", "report"])
def test_resolved_config_of_a_finished_run(run_dir, tmp_path, cmd):
    """A finished run's resolved.yaml is read to describe the run, not to build it: a grid
    too large for this machine is no reason to refuse (a run made on a big node, reported on
    a laptop), and an error in the file names its line and column, not <default>."""
    import re
    import shutil
    big = tmp_path / "big"
    shutil.copytree(run_dir, big)
    text = (big / "resolved.yaml").read_text()
    for key, val in (("nx", 4000), ("ny", 4000), ("nz", 2000)):
        text = re.sub(rf"^(  {key}:\s+)\d+", rf"\g<1>{val}", text, count=1, flags=re.M)
    (big / "resolved.yaml").write_text(text)
    args = [BIN, cmd, str(big)] + (["--out", str(tmp_path)] if cmd == "cutometer" else [])
    p = subprocess.run(args, capture_output=True, text=True)
    assert "available" not in p.stderr and "GiB" not in p.stderr, p.stderr
    if cmd == "report":
        assert p.returncode == 0, p.stderr
    bad = tmp_path / "bad"
    shutil.copytree(run_dir, bad)
    text = (run_dir / "resolved.yaml").read_text()
    (bad / "resolved.yaml").write_text(re.sub(r"^  dt_s:\s+\S+", "  dt_s: 0.003", text, count=1, flags=re.M))
    p = subprocess.run([BIN, cmd, str(bad)], capture_output=True, text=True)
    assert p.returncode == 2 and re.search(r"bad/resolved\.yaml:\d+:3: key 'cutometer\.", p.stderr), p.stderr
    assert "<default>" not in p.stderr
