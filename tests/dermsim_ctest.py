"""pytest plugin for running one pytest file per ctest entry (loaded with ``-p dermsim_ctest``;
CMakeLists.txt puts tests/ on PYTHONPATH).

- A file whose tests were all skipped (or that collected none) exits with status 5,
  pytest's "no tests collected"; ctest maps 5 to "Skipped" (SKIP_RETURN_CODE), so a file
  that tested nothing is never reported as passed.
- With ``DERMSIM_REQUIRE_ALL=1`` (set by ``.ci/setup test``, i.e. in CI) every skip is a
  failure naming its reason, e.g. a missing pvpython or chromium: CI must test everything
  the README says is tested. A test that may legitimately skip in CI (a race it could not
  provoke, a parameter combination that does not apply) says so with
  ``@pytest.mark.ci_may_skip("why")``.
"""
import os

import pytest

NOTHING_TESTED = 5  # pytest.ExitCode.NO_TESTS_COLLECTED; SKIP_RETURN_CODE in CMakeLists.txt


def _require_all():
    return os.environ.get("DERMSIM_REQUIRE_ALL", "") not in ("", "0")


def _reason(longrepr):
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def pytest_configure(config):
    config.addinivalue_line("markers", "ci_may_skip(reason): this test may skip even when "
                                       "DERMSIM_REQUIRE_ALL=1 (CI); give the reason")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if (_require_all() and rep.skipped and not hasattr(rep, "wasxfail")
            and item.get_closest_marker("ci_may_skip") is None):
        rep.outcome = "failed"
        rep.longrepr = (f"skipped, but DERMSIM_REQUIRE_ALL=1 (CI) needs this test to run: "
                        f"{_reason(rep.longrepr)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    rep = outcome.get_result()
    if _require_all() and rep.skipped:
        rep.outcome = "failed"
        rep.longrepr = (f"{collector.nodeid or 'module'} skipped at collection, but "
                        f"DERMSIM_REQUIRE_ALL=1 (CI) needs it to run: {_reason(rep.longrepr)}")


def pytest_sessionfinish(session, exitstatus):
    tr = session.config.pluginmanager.get_plugin("terminalreporter")
    if tr is None or exitstatus != 0:
        return
    passed = [r for r in tr.stats.get("passed", []) if getattr(r, "when", "call") == "call"]
    if not passed:
        session.exitstatus = NOTHING_TESTED
