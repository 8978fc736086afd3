"""The validation runner over configs/validation/*.yaml, as a regression guard.

Runs tests/validation/validate.py (3 replicates per scenario) once and checks:
  - exit status 0 and a JSON result for every target the configs declare
    ("# targets: ..." comments; C1-C13, C15, C17 and the acute variants), each with a finite value
    and standard deviation, a band and a status that agrees with value and band;
  - every "target|observable" listed in tests/validation/expected_pass.txt is PASS.
    That file lists the observables that passed when it was written: a model change that
    makes one of them miss fails this test. Misses not listed there are printed as known
    misses (they are not hidden: the printed markdown table shows every observable).
The markdown table is printed (visible with pytest -s, and in ctest output on failure).

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR (defaults to this file's repository).
"""

import json
import math
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest

pytest.importorskip("h5py")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
VALIDATE = SOURCE_DIR / "tests" / "validation" / "validate.py"
EXPECTED = SOURCE_DIR / "tests" / "validation" / "expected_pass.txt"
CONFIG_DIR = SOURCE_DIR / "configs" / "validation"
REQUIRED_TARGETS = {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12", "C13", "C15", "C17"}
PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN") or str(SOURCE_DIR / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def declared_targets():
    out = set()
    for cfg in sorted(CONFIG_DIR.glob("*.yaml")):
        for m in re.findall(r"#\s*targets:\s*(.*)", cfg.read_text()):
            out.update(m.split())
    return out


def expected_pass():
    keys = []
    for line in EXPECTED.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        target, sep, obs = line.partition("|")
        assert sep, f"expected_pass.txt: line {line!r} is not 'target|observable'"
        keys.append((target.strip(), obs.strip()))
    return keys


@pytest.fixture(scope="module")
def validation(tmp_path_factory):
    d = tmp_path_factory.mktemp("validation")
    js, md = d / "r.json", d / "r.md"
    t0 = time.monotonic()
    p = subprocess.run([PYTHON, str(VALIDATE), "--bin", dermsim_bin(), "--out", str(d / "runs"),
                        "--json", str(js), "--markdown", str(md)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1100,
                       env=dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE"))
    wall = time.monotonic() - t0
    print(f"\nvalidate.py: exit {p.returncode} in {wall:.1f} s")
    print(md.read_text() if md.exists() else p.stdout)
    if p.stderr.strip():
        print("stderr:", p.stderr)
    results = json.loads(js.read_text()) if js.exists() else None
    return dict(proc=p, results=results, markdown=md.read_text() if md.exists() else "")


def test_exit_status(validation):
    p = validation["proc"]
    assert p.returncode == 0, f"validate.py exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    assert validation["results"] is not None, "no JSON written"


def test_every_declared_target_has_results(validation):
    declared = declared_targets()
    assert REQUIRED_TARGETS <= declared, f"configs do not declare {REQUIRED_TARGETS - declared}"
    got = {r["target"] for r in validation["results"]}
    assert declared <= got, f"no result for targets {sorted(declared - got)}"


def test_results_well_formed(validation):
    res = validation["results"]
    assert len(res) >= len(REQUIRED_TARGETS)
    seen = set()
    for r in res:
        key = (r["target"], r["observable"])
        assert key not in seen, f"duplicate result {key}"
        seen.add(key)
        assert isinstance(r["value"], (int, float)) and math.isfinite(r["value"]), f"{key}: value {r['value']!r}"
        assert math.isfinite(r["sd"]) and r["sd"] >= 0, f"{key}: sd {r['sd']!r}"
        assert r["replicates"] == 3, f"{key}: {r['replicates']} replicates"
        lo, hi = r["lo"], r["hi"]
        assert lo is not None or hi is not None, f"{key}: no band"
        if lo is not None and hi is not None:
            assert lo < hi, f"{key}: band {lo}..{hi}"
        assert r["status"] in ("PASS", "MISSED"), f"{key}: status {r['status']!r}"
        inside = (lo is None or r["value"] >= lo) and (hi is None or r["value"] <= hi)
        assert (r["status"] == "PASS") == inside, f"{key}: status {r['status']} but value {r['value']} in {lo}..{hi}"
        assert f"| {r['target']} | {r['observable']} |" in validation["markdown"], f"{key} missing from markdown"


def test_expected_passes_still_pass(validation):
    exp = expected_pass()
    assert exp, "expected_pass.txt lists nothing"
    by_key = {(r["target"], r["observable"]): r for r in validation["results"]}
    missing = [k for k in exp if k not in by_key]
    assert not missing, f"expected_pass.txt names observables the validator no longer reports: {missing}"
    regressions = [f"{t}|{o}: {by_key[(t, o)]['value']:.4g} outside {by_key[(t, o)]['lo']}..{by_key[(t, o)]['hi']}"
                   for (t, o) in exp if by_key[(t, o)]["status"] != "PASS"]
    known = [f"{r['target']}|{r['observable']}: {r['value']:.4g} (band {r['lo']}..{r['hi']})"
             for r in validation["results"] if r["status"] != "PASS" and (r["target"], r["observable"]) not in exp]
    if known:
        print("known misses (not in expected_pass.txt):\n  " + "\n  ".join(known))
    newly = [f"{r['target']}|{r['observable']}" for r in validation["results"]
             if r["status"] == "PASS" and (r["target"], r["observable"]) not in exp]
    if newly:
        print("passing but not yet guarded (add to expected_pass.txt):\n  " + "\n  ".join(newly))
    assert not regressions, "validation regressions:\n  " + "\n  ".join(regressions)
