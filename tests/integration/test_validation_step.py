"""The lifetime calibration targets must also pass at a 4x smaller step.

Issue 8's acceptance: every calibration target passes at the default step (168 h) and at a
4x smaller one. The full validation at both steps (twelve replicates, about half an hour
on two cores) is run by hand for the README's table (README, Validation), so CI runs it at
the default step with three replicates (test_validation.py) and, here, the lifetime
calibration targets C1, C6, C7 and C8 (one intrinsic-ageing scenario, twelve replicates,
the table's own runs) at run.dt_hours = 42 h. Twelve, not three: C6's per-cell synthesis
sits near its band's lower edge (0.55), and three replicates leave it a standard error of
~0.017, so the realisation passes or misses it by chance (measured 2026-12-05 at 42 h: this
build 0.568 +- sd 0.033 with twelve, 0.543 with its first three seeds alone; the build before
the random walk's windows were counted from the first step 0.574 +- 0.039 with twelve):

  - validate.py --dt-hours 42 --targets C1,C6,C7,C8 exits 0 and every row of those targets
    was computed from runs at 42 h;
  - every row of those targets listed in tests/validation/expected_pass.txt is PASS at 42 h
    as well (expected_pass.txt lists the rows that pass at both steps).

The table is printed (pytest -s, or in ctest output on failure). The other targets at both
steps: `validate.py --dt-hours 42` by hand (README, Validation: the command and the table).

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR (defaults to this file's repository).
"""

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

pytest.importorskip("h5py")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
VALIDATE = SOURCE_DIR / "tests" / "validation" / "validate.py"
EXPECTED = SOURCE_DIR / "tests" / "validation" / "expected_pass.txt"
PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
FINE_DT_HOURS = 42.0  # 168 h / 4
TARGETS = ("C1", "C6", "C7", "C8")
REPLICATES = 12  # seeds of the scenario (validate.py --replicates; the table uses 3)


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN") or str(SOURCE_DIR / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def expected_pass():
    keys = []
    for line in EXPECTED.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            t, _, o = line.partition("|")
            keys.append((t.strip(), o.strip()))
    return keys


@pytest.fixture(scope="module")
def fine(tmp_path_factory):
    d = tmp_path_factory.mktemp("validation_step")
    js = d / "r.json"
    t0 = time.monotonic()
    p = subprocess.run([PYTHON, str(VALIDATE), "--bin", dermsim_bin(), "--out", str(d / "runs"), "-j", "2",
                        "--threads", "1", "--dt-hours", f"{FINE_DT_HOURS:g}", "--targets", ",".join(TARGETS),
                        "--replicates", str(REPLICATES), "--json", str(js)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=2200,
                       env=dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE", OMP_WAIT_POLICY="PASSIVE"))
    print(f"\nvalidate.py --dt-hours {FINE_DT_HOURS:g}: exit {p.returncode} in {time.monotonic() - t0:.1f} s")
    print(p.stdout)
    if p.stderr.strip():
        print("stderr:", p.stderr)
    return dict(proc=p, doc=json.loads(js.read_text()) if js.exists() else None)


def test_runs_at_the_smaller_step(fine):
    p, doc = fine["proc"], fine["doc"]
    assert p.returncode == 0, f"validate.py exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    assert doc is not None, "no JSON written"
    got = {r["target"] for r in doc["rows"]}
    assert got == set(TARGETS), f"targets evaluated: {sorted(got)}"
    assert all(r["dt_hours"] == FINE_DT_HOURS for r in doc["rows"]), "a row was not computed at the smaller step"
    assert all(run["dt_hours"] == FINE_DT_HOURS for run in doc["runs"]), "a run did not use the smaller step"
    assert all(r["replicates"] == REPLICATES for r in doc["rows"])


def test_expected_passes_hold_at_the_smaller_step(fine):
    doc = fine["doc"]
    assert doc is not None
    by_key = {(r["target"], r["observable"]): r for r in doc["rows"]}
    exp = [k for k in expected_pass() if k[0] in TARGETS]
    assert exp, f"expected_pass.txt lists no row of {TARGETS}"
    missing = [k for k in exp if k not in by_key]
    assert not missing, f"no result at {FINE_DT_HOURS:g} h for {missing}"
    bad = [f"{t}|{o}: {by_key[(t, o)]['value']:.4g} outside {by_key[(t, o)]['lo']}..{by_key[(t, o)]['hi']}"
           for (t, o) in exp if by_key[(t, o)]["status"] != "PASS"]
    assert not bad, f"rows that pass at the default step miss at {FINE_DT_HOURS:g} h:\n  " + "\n  ".join(bad)
