"""A pytest file that tests nothing is reported by ctest as skipped, and CI fails on skips.

- tests/dermsim_ctest.py (the pytest plugin every ctest entry loads): exit status 5 when
  every test of a file skipped or none was collected, 0 when something passed; with
  DERMSIM_REQUIRE_ALL=1 a skip (in a test or at collection) fails, unless the test is
  marked ci_may_skip.
- CMakeLists.txt: every pytest ctest entry loads the plugin and has SKIP_RETURN_CODE 5
  (read back from `ctest --show-only=json-v1` in the build directory).
- ctest itself turns that status into "Skipped", not "Passed" (a two-test project).
- .ci/setup test sets DERMSIM_REQUIRE_ALL=1 and fails when ctest reports a skipped test.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("DERMSIM_SOURCE_DIR") or Path(__file__).resolve().parents[2])
TESTS = ROOT / "tests"
BIN = os.environ.get("DERMSIM_BIN") or str(ROOT / "build" / "dermsim")

FILES = {
    "all_skipped": """
        import pytest
        def test_a(): pytest.skip("tool missing")
        @pytest.mark.skipif(True, reason="not here")
        def test_b(): pass
    """,
    "module_skipped": """
        import pytest
        pytest.importorskip("no_such_module_dermsim")
        def test_a(): pass
    """,
    "empty": """
        X = 1
    """,
    "mixed": """
        import pytest
        def test_ok(): assert True
        def test_skip(): pytest.skip("tool missing")
    """,
    "allowed": """
        import pytest
        def test_ok(): assert True
        @pytest.mark.ci_may_skip("race not provoked")
        def test_race(): pytest.skip("race not provoked")
    """,
    "failing": """
        def test_a(): assert False
    """,
}


def run_pytest(tmp_path, name, require_all=False):
    f = tmp_path / f"test_{name}.py"
    f.write_text(textwrap.dedent(FILES[name]))
    env = dict(os.environ, PYTHONPATH=str(TESTS))
    env.pop("DERMSIM_REQUIRE_ALL", None)
    if require_all:
        env["DERMSIM_REQUIRE_ALL"] = "1"
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                        "-p", "dermsim_ctest", str(f)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


@pytest.mark.parametrize("name", ["all_skipped", "module_skipped", "empty"])
def test_nothing_tested_exits_5(tmp_path, name):
    code, out = run_pytest(tmp_path, name)
    assert code == 5, out


@pytest.mark.parametrize("name,code", [("mixed", 0), ("allowed", 0), ("failing", 1)])
def test_something_tested_keeps_pytest_status(tmp_path, name, code):
    got, out = run_pytest(tmp_path, name)
    assert got == code, out


@pytest.mark.parametrize("name", ["all_skipped", "module_skipped", "mixed"])
def test_require_all_turns_skips_into_failures(tmp_path, name):
    code, out = run_pytest(tmp_path, name, require_all=True)
    assert code in (1, 2), out
    assert "DERMSIM_REQUIRE_ALL=1" in out
    assert "tool missing" in out or "no_such_module_dermsim" in out or "not here" in out


def test_require_all_respects_ci_may_skip(tmp_path):
    code, out = run_pytest(tmp_path, "allowed", require_all=True)
    assert code == 0, out


def test_every_pytest_entry_maps_status_5_to_skipped():
    build = Path(BIN).parent
    if not (build / "CTestTestfile.cmake").exists():
        pytest.fail(f"no ctest configuration in {build} (DERMSIM_BIN={BIN})")
    r = subprocess.run(["ctest", "--show-only=json-v1"], cwd=build, capture_output=True,
                       text=True, timeout=120, check=True)
    tests = json.loads(r.stdout)["tests"]
    py = [t for t in tests if t["name"].startswith(("integration.", "python."))]
    assert len(py) >= 10, [t["name"] for t in tests]
    for t in py:
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        assert str(props.get("SKIP_RETURN_CODE")) == "5", t["name"]
        assert "dermsim_ctest" in t["command"], t["name"]
        env = props.get("ENVIRONMENT", [])
        assert any(e.startswith("PYTHONPATH=") and e.endswith("/tests") for e in env), t["name"]


def test_ctest_reports_status_5_as_skipped(tmp_path):
    """The ctest side of the contract, on a throw-away project: status 5 is "Skipped"."""
    if shutil.which("cmake") is None or shutil.which("ctest") is None:
        pytest.fail("cmake/ctest not found")
    src = tmp_path / "src"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(textwrap.dedent("""
        cmake_minimum_required(VERSION 3.18)
        project(skipcheck NONE)
        enable_testing()
        add_test(NAME nothing COMMAND sh -c "exit 5")
        set_tests_properties(nothing PROPERTIES SKIP_RETURN_CODE 5)
        add_test(NAME something COMMAND sh -c "exit 0")
        set_tests_properties(something PROPERTIES SKIP_RETURN_CODE 5)
    """))
    b = tmp_path / "b"
    subprocess.run(["cmake", "-S", str(src), "-B", str(b)], check=True, capture_output=True,
                   timeout=120)
    r = subprocess.run(["ctest"], cwd=b, capture_output=True, text=True, timeout=120)
    assert re.search(r"nothing \.+\s*\*+Skipped", r.stdout), r.stdout
    assert re.search(r"something \.+\s+Passed", r.stdout), r.stdout


def test_ci_requires_all_and_fails_on_skipped(tmp_path):
    setup = (ROOT / ".ci" / "setup").read_text()
    assert "export DERMSIM_REQUIRE_ALL=1" in setup
    assert "bash .ci/check-skips build/ctest.log" in setup
    check = ROOT / ".ci" / "check-skips"
    ok, skipped = tmp_path / "ok.log", tmp_path / "skipped.log"
    ok.write_text("100% tests passed, 0 tests failed out of 3\n")
    skipped.write_text("67% tests passed\nThe following tests did not run:\n"
                       "\t 12 - integration.test_output_readers (Skipped)\n")
    assert subprocess.run(["bash", str(check), str(ok)], capture_output=True).returncode == 0
    r = subprocess.run(["bash", str(check), str(skipped)], capture_output=True, text=True)
    assert r.returncode == 1 and "test_output_readers" in r.stderr, r.stderr
