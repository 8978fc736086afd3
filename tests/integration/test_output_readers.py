"""Reader checks on a real run file: xarray (h5netcdf), h5py, ncdump, h5dump, ParaView.

The file is the one tests/unit/test_io.c writes (4x3x5 grid, 5 series rows, 3 frames
with 3, 0 and 4 agents, completed = 1). To be independent of test order and of a unit
test running concurrently under `ctest -j`, the unit test executable (build/test_io) is
run here in a private temporary directory, where it leaves test_io_run.h5 and
test_io_run.xdmf. If the executable is not found, a test_io_run.h5 left in the current
directory by an earlier unit-test run is used instead.
"""
import json
import os
import select
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")
xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")

# Must match tests/unit/test_io.c.
NX, NY, NZ, H_UM = 4, 3, 5, 12.5
NROWS, NFRAMES = 5, 3
FRAME_AGENTS = [3, 0, 4]
RUN = "test_io_run.h5"
XDMF = "test_io_run.xdmf"


def _test_io_exe():
    cands = []
    if os.environ.get("DERM_TEST_IO_EXE"):
        cands.append(Path(os.environ["DERM_TEST_IO_EXE"]))
    cwd = Path.cwd()
    cands += [cwd / "test_io", cwd / "build" / "test_io"]
    if os.environ.get("DERMSIM_BIN"):
        cands.append(Path(os.environ["DERMSIM_BIN"]).parent / "test_io")
    if os.environ.get("DERMSIM_SOURCE_DIR"):
        cands.append(Path(os.environ["DERMSIM_SOURCE_DIR"]) / "build" / "test_io")
    for c in cands:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("io_run")
    exe = _test_io_exe()
    if exe is not None:
        r = subprocess.run([str(exe)], cwd=d, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{exe} failed:\n{r.stdout}\n{r.stderr}"
    else:
        src = Path.cwd() / RUN
        if not src.exists():
            pytest.skip("neither build/test_io nor ./test_io_run.h5 found: build the project")
        shutil.copy(src, d / RUN)
        if (Path.cwd() / XDMF).exists():
            shutil.copy(Path.cwd() / XDMF, d / XDMF)
    assert (d / RUN).exists()
    return d


@pytest.fixture(scope="module")
def ds(run_dir):
    with xr.open_dataset(run_dir / RUN, engine="h5netcdf") as d:
        yield d.load()


def field_names(ds):
    return [n for n, v in ds.data_vars.items() if v.dims == ("frame", "z", "y", "x")]


def test_dimensions(ds):
    assert set(ds.dims) == {"time", "frame", "z", "y", "x", "agent"}
    assert dict(ds.sizes) == {"time": NROWS, "frame": NFRAMES, "z": NZ, "y": NY, "x": NX,
                              "agent": sum(FRAME_AGENTS)}
    # no phony dimensions anywhere
    for name, v in ds.variables.items():
        assert not any(d.startswith("phony_dim") for d in v.dims), name
    np.testing.assert_array_equal(ds.x.values, (np.arange(NX) + 0.5) * H_UM)
    np.testing.assert_array_equal(ds.z.values, (np.arange(NZ) + 0.5) * H_UM)
    assert ds.z.attrs["positive"] == "down"


def test_time_is_float_days(ds):
    assert ds.time.dtype == np.float64  # not timedelta64: units are "day", not "days"
    assert ds.time.attrs["units"] == "day"
    np.testing.assert_array_equal(ds.time.values, 0.5 * np.arange(NROWS))
    for c in ("step", "age_years"):
        assert c in ds.coords and ds[c].dims == ("time",)
    for c in ("frame_time", "frame_step", "frame_age_years"):
        assert c in ds.coords and ds[c].dims == ("frame",)
    assert ds.frame_time.dtype == np.float64
    assert ds.frame_time.attrs["units"] == "day"
    np.testing.assert_array_equal(ds.frame_time.values, 10.0 * np.arange(NFRAMES) + 0.25)
    np.testing.assert_array_equal(ds.frame_step.values, 20 * np.arange(NFRAMES))
    # frame is a coordinate variable (the frame number); age is on both dimensions
    assert "frame" in ds.coords and ds.frame.dtype == np.int64
    np.testing.assert_array_equal(ds.frame.values, np.arange(NFRAMES))
    assert ds.frame.attrs["units"] == "1" and ds.frame.attrs["long_name"]
    assert ds.age_years.attrs["units"] == "year" and ds.frame_age_years.attrs["units"] == "year"


def test_units_and_long_name_everywhere(ds):
    for name, v in ds.variables.items():
        assert isinstance(v.attrs.get("units"), str) and v.attrs["units"], name
        assert isinstance(v.attrs.get("long_name"), str) and v.attrs["long_name"], name
    assert ds.collagen_total.attrs["units"] == "mg/cm^2"
    assert ds.agent_x.attrs["units"] == "um"


def test_fields_and_profiles(ds):
    names = field_names(ds)
    assert "collagen_intact" in names and "tgfb" in names
    for n in names:
        assert ds[n].dtype == np.float32
        prof = ds[n + "_profile"]
        assert prof.dims == ("frame", "z") and prof.dtype == np.float64
        # profiles are lateral means of the double fields; the 4-D copy is float32
        np.testing.assert_allclose(prof.values, ds[n].astype(np.float64).mean(("y", "x")).values,
                                   rtol=1e-6)


def test_ragged_agents(ds):
    counts = ds.agent_count.values
    assert ds.agent_count.attrs["sample_dimension"] == "agent"
    np.testing.assert_array_equal(counts, FRAME_AGENTS)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    per_frame = [ds.agent_id.values[s:s + c] for s, c in zip(starts, counts)]
    assert [list(p) for p in per_frame] == [[1, 2, 3], [], [4, 5, 6, 7]]
    ids = ds.agent_id.values
    np.testing.assert_array_equal(ds.agent_type.values, ids % 2)
    np.testing.assert_array_equal(ds.agent_state.values, ids % 4)
    np.testing.assert_array_equal(ds.agent_x.values, (1.0 / 3.0 + 3.0 * ids).astype(np.float32))
    assert ds.agent_id.dtype == np.int64 and ds.agent_type.dtype == np.int8
    assert ds.agent_x.dtype == np.float32 and ds.agent_divisions.dtype == np.int32
    assert ds.agent_state.attrs["flag_meanings"] == "quiescent activated senescent apoptotic"
    np.testing.assert_array_equal(ds.agent_state.attrs["flag_values"], [0, 1, 2, 3])
    np.testing.assert_array_equal(ds.agent_type.attrs["flag_values"], [0, 1])


def test_root_attributes_h5py(run_dir):
    with h5py.File(run_dir / RUN, "r") as f:
        a = f.attrs
        for k in ("Conventions", "title", "software", "software_version", "git_describe",
                  "compiler", "build_flags", "hdf5_version", "created_utc", "config_text",
                  "config_resolved", "command_line", "index_order"):
            assert isinstance(a[k], str), k  # variable-length UTF-8: str, not bytes
        assert a["Conventions"] == "CF-1.8" and a["software"] == "dermsim"
        assert a["seed"].shape == () and a["seed"].dtype == np.uint64
        assert int(a["seed"]) == 18446744073709551557
        assert int(a["completed"]) == 1 and a["completed"].shape == ()
        assert int(a["omp_threads"]) == 3
        c = f["collagen_intact"]
        assert c.chunks == (1, NZ, NY, NX)
        assert c.compression == "gzip" and c.shuffle
        assert c.maxshape == (None, NZ, NY, NX)


def test_ncdump_header(run_dir):
    if shutil.which("ncdump") is None:
        pytest.skip("ncdump not installed (Debian package netcdf-bin)")
    r = subprocess.run(["ncdump", "-h", str(run_dir / RUN)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    h = r.stdout
    assert "time = UNLIMITED ; // (5 currently)" in h
    assert "frame = UNLIMITED ; // (3 currently)" in h
    assert "agent = UNLIMITED ; // (7 currently)" in h
    assert "float collagen_intact(frame, z, y, x) ;" in h
    assert "double collagen_intact_profile(frame, z) ;" in h
    assert ":completed = 1 ;" in h


def test_h5dump_header(run_dir):
    if shutil.which("h5dump") is None:
        pytest.skip("h5dump not installed (Debian package hdf5-tools)")
    r = subprocess.run(["h5dump", "-H", "-p", "-d", "/collagen_intact", str(run_dir / RUN)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "CHUNKED ( 1, 5, 3, 4 )" in r.stdout
    assert "SHUFFLE" in r.stdout and "DEFLATE" in r.stdout
    assert "DIMENSION_LIST" in r.stdout


PV_SCRIPT = textwrap.dedent("""
    import json, sys
    from paraview import simple as pv, servermanager as sm
    r = pv.XDMFReader(FileNames=[sys.argv[1]])
    r.UpdatePipelineInformation()
    out = {"times": list(r.TimestepValues), "frames": []}
    def arrays(data):
        return {data.GetArrayName(i): list(data.GetArray(i).GetRange(0)) + [data.GetArray(i).GetDataTypeAsString()]
                for i in range(data.GetNumberOfArrays())}
    for t in out["times"]:
        r.UpdatePipeline(t)
        d = sm.Fetch(r)
        fr = {}
        for b in range(d.GetNumberOfBlocks()):
            blk = d.GetBlock(b)
            fr[d.GetMetaData(b).Get(d.NAME())] = {
                "ncells": blk.GetNumberOfCells(), "bounds": list(blk.GetBounds()),
                "cell": arrays(blk.GetCellData()), "point": arrays(blk.GetPointData())}
        out["frames"].append(fr)
    print("JSON" + json.dumps(out))
""")

# the view script dermsim writes beside the sidecar, run as ParaView would, then a screenshot
PV_VIEW = textwrap.dedent("""
    import json, sys
    exec(open(sys.argv[1]).read())   # defines VIEW and SHOWN, like File > Load State
    from paraview import simple as pv
    pv.SaveScreenshot(sys.argv[2], VIEW, ImageResolution=[640, 480])
    print("JSON" + json.dumps({"up": list(VIEW.CameraViewUp), "time": VIEW.ViewTime,
                               "sources": sorted(SHOWN)}))
""")


def pvpython():
    pv = shutil.which("pvpython")
    if pv is None:
        pytest.skip("pvpython not on PATH (Debian packages paraview and python3-paraview)")
    return pv


class VirtualDisplay:
    """An Xvfb server of our own for ParaView's screenshots (Debian's ParaView renders through X).

    Xvfb picks a free display number itself (-displayfd) and writes it only once it accepts
    connections, so there is no race on numbers or readiness (xvfb-run -a has both, and once
    failed all three tries under a loaded CI machine). Its log goes to a file that a failing
    assertion shows."""

    def __init__(self, log_path):
        if shutil.which("Xvfb") is None:
            pytest.skip("Xvfb not on PATH (Debian package xvfb)")
        self.log_path = log_path
        rfd, wfd = os.pipe()
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                ["Xvfb", "-displayfd", str(wfd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                pass_fds=(wfd,), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        os.close(wfd)
        number = b""
        deadline = time.monotonic() + 120
        try:
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                ready, _, _ = select.select([rfd], [], [], 1.0)
                if ready:
                    chunk = os.read(rfd, 16)
                    if not chunk:
                        break        # the server exited before it was ready
                    number += chunk
        finally:
            os.close(rfd)
        self.display = ":" + number.decode().strip() if number.endswith(b"\n") else None

    def log(self):
        return Path(self.log_path).read_text(errors="replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_pv(args, tmp_path, script, xvfb=False):
    path = tmp_path / "pv_script.py"
    path.write_text(script)
    cmd = [pvpython(), str(path), *map(str, args)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if not xvfb:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
        assert r.returncode == 0, r.stdout + r.stderr
    else:
        r, log = None, ""  # the last pvpython run, and the log of the last Xvfb
        for attempt in range(3):
            x = VirtualDisplay(tmp_path / f"xvfb{attempt}.log")
            try:
                if x.display is not None:
                    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                                       env=dict(env, DISPLAY=x.display), cwd=tmp_path)
            finally:
                x.close()
                log = x.log()
            if x.display is not None and "bad X server connection" not in r.stdout + r.stderr:
                break  # done, or failed for another reason than the display
        assert r is not None, "Xvfb never became ready; its log:\n" + log
        assert r.returncode == 0, r.stdout + r.stderr + "\nXvfb log:\n" + log
    # ParaView's Xdmf2 reader reports failed slab reads on stderr but still returns
    assert "Error" not in r.stdout + r.stderr, r.stdout + r.stderr
    lines = [l for l in r.stdout.splitlines() if l.startswith("JSON")]
    assert lines, r.stdout + r.stderr
    return json.loads(lines[-1][4:])


def test_paraview_loads_xdmf(run_dir, ds, tmp_path):
    xdmf = run_dir / XDMF
    assert xdmf.exists()
    out = run_pv([xdmf], tmp_path, PV_SCRIPT)
    # time is the subject's age at the frame
    np.testing.assert_allclose(out["times"], ds.frame_age_years.values)
    names = field_names(ds)
    cols = [n[len("agent_"):] for n, v in ds.data_vars.items() if v.dims == ("agent",)]
    starts = np.concatenate([[0], np.cumsum(FRAME_AGENTS)])
    for k, fr in enumerate(out["frames"]):
        assert sorted(fr) == ["agents", "fields"]
        f = fr["fields"]
        assert f["ncells"] == NX * NY * NZ
        np.testing.assert_allclose(f["bounds"], [0, NX * H_UM, 0, NY * H_UM, 0, NZ * H_UM])
        assert sorted(f["cell"]) == sorted(names)
        for n in names:
            v = ds[n].isel(frame=k).values
            np.testing.assert_allclose(f["cell"][n][:2], [v.min(), v.max()], rtol=1e-6,
                                       err_msg=f"{n} frame {k}")
        a = fr["agents"]
        assert a["ncells"] == FRAME_AGENTS[k], f"frame {k}: {a['ncells']} vertices"
        if FRAME_AGENTS[k] == 0:
            continue
        rows = slice(starts[k], starts[k + 1])
        assert sorted(a["point"]) == sorted(cols)
        for c in cols:
            v = ds["agent_" + c].values[rows]
            np.testing.assert_allclose(a["point"][c][:2], [v.min(), v.max()], rtol=1e-6,
                                       err_msg=f"agent_{c} frame {k}")
        lo, hi = a["bounds"][0::2], a["bounds"][1::2]
        for axis, (l, h) in zip("xyz", zip(lo, hi)):
            v = ds["agent_" + axis].values[rows]
            np.testing.assert_allclose([l, h], [v.min(), v.max()], rtol=1e-6)


def test_paraview_view_script(run_dir, ds, tmp_path):
    script = run_dir / XDMF.replace(".xdmf", "_paraview.py")
    assert script.exists(), "the first-view script is written beside the sidecar"
    png = tmp_path / "view.png"
    out = run_pv([script, png], tmp_path, PV_VIEW, xvfb=True)
    assert out["up"] == [0.0, 0.0, -1.0], "depth (z) must point down the screen"
    assert out["time"] == pytest.approx(float(ds.frame_age_years.values[-1]))
    assert {"fields", "agents", "slice"} <= set(out["sources"])
    import matplotlib.image as mpimg
    img = mpimg.imread(png)[..., :3]
    assert img.shape[:2] == (480, 640)
    # not blank: many distinct colours, and the middle differs from the background corner
    colours = np.unique((img.reshape(-1, 3) * 255).astype(np.uint8), axis=0)
    assert len(colours) > 20, len(colours)
    assert np.abs(img[200:280, 280:360].mean((0, 1)) - img[5, 5]).max() > 0.05
