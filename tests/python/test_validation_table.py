"""tests/validation/validate.py --merge: the README's two-step validation table.

Known answers on hand-made result files: every value names the step it was run at; a row
counts as run at a smaller step only if its step is smaller than the default column's (a
scenario whose own step is already below --dt-hours H is not a second step); of several
smaller-step files, the row run at the smallest step is shown; statuses per label.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

VALIDATE = Path(__file__).resolve().parents[1] / "validation" / "validate.py"
spec = importlib.util.spec_from_file_location("validate", VALIDATE)
v = importlib.util.module_from_spec(spec)
spec.loader.exec_module(v)


def row(target, observable, value, dt, status="PASS", in_band=True):
    return dict(target=target, observable=observable, label="", value=value, sd=0.01, replicates=3, lo=None,
                hi=None, in_band=in_band, status=status, dt_hours=dt)


def result(label, rows):
    return {"meta": {"step_label": label}, "rows": rows}


# three real rows of the table: a lifetime one, a daily one and an acute one
C1 = next(r for r in v.ROWS if r.target == "C1")
C17 = next(r for r in v.ROWS if r.target == "C17")
C3 = next(r for r in v.ROWS if r.target == "C3")


def line_of(lines, r):
    hits = [ln for ln in lines if ln.startswith(f"| {r.target} | {r.observable} |")]
    assert len(hits) == 1, lines
    return hits[0]


def test_steps_are_named_and_a_row_at_the_same_step_is_not_a_second_step():
    a = result("default step", [row(C1.target, C1.observable, 0.63, 168.0), row(C17.target, C17.observable, 2.5, 24.0),
                                row(C3.target, C3.observable, 1.6, 1.0)])
    # --dt-hours 42 runs C17 (own step 24 h) at 24 h again, and C3 not at all
    b = result("42 h", [row(C1.target, C1.observable, 0.66, 42.0), row(C17.target, C17.observable, 2.5, 24.0)])
    lines = v.merge_markdown(a, [b])
    assert "| 0.63 +- 0.01 (168 h) | 0.66 +- 0.01 (42 h) |" in line_of(lines, C1)
    assert line_of(lines, C1).endswith("| PASS at both |")
    c17 = line_of(lines, C17)
    assert "| 2.5 +- 0.01 (24 h) | not run |" in c17 and c17.endswith("| PASS (default step only run) |")
    assert "| 1.6 +- 0.01 (1 h) | not run |" in line_of(lines, C3)


def test_the_smallest_step_of_several_files_is_shown():
    a = result("default step", [row(C17.target, C17.observable, 2.5, 24.0), row(C3.target, C3.observable, 1.6, 1.0)])
    b42 = result("42 h", [row(C17.target, C17.observable, 2.5, 24.0)])
    b4 = result("own / 4", [row(C17.target, C17.observable, 2.4, 6.0),
                            row(C3.target, C3.observable, 1.5, 0.25, status="MISSED", in_band=False)])
    for files in ([b42, b4], [b4, b42]):
        lines = v.merge_markdown(a, files)
        assert "| 2.5 +- 0.01 (24 h) | 2.4 +- 0.01 (6 h) |" in line_of(lines, C17)
        c3 = line_of(lines, C3)
        assert "| 1.6 +- 0.01 (1 h) | 1.5 +- 0.01 (15 min) |" in c3
        assert c3.endswith("| **default step: PASS, 4x smaller step: MISSED** |")


def test_merge_command_line(tmp_path):
    a = result("default step", [row(C1.target, C1.observable, 0.63, 168.0)])
    b = result("42 h", [row(C1.target, C1.observable, 0.66, 42.0)])
    pa, pb, md = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "t.md"
    pa.write_text(json.dumps(a))
    pb.write_text(json.dumps(b))
    p = subprocess.run([sys.executable, str(VALIDATE), "--merge", str(pa), str(pb), "--markdown", str(md)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "(42 h)" in md.read_text()
    p = subprocess.run([sys.executable, str(VALIDATE), "--merge", str(pa)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "at least one smaller-step file" in p.stderr


def test_year_flux_is_the_amount_made_in_the_year_around_an_age():
    """year_flux: the yearly rate from a cumulative series over the year centred on the age
    (interpolated between series rows, which need not fall on the year's ends), shifted to the
    last year of a run that ends before age + 0.5; a series without that year is an error."""
    import numpy as np
    import pytest

    a = np.arange(20.0, 70.0001, 0.25) + 0.08  # quarterly rows, not on whole years
    a[-1] = 70.0
    rate = lambda t: 2.0 + np.sin(2 * np.pi * t)  # seasonal; its mean over any whole year is 2
    t = np.linspace(20.0, 70.0, 200001)
    cum = np.concatenate([[0.0], np.cumsum((rate(t[1:]) + rate(t[:-1])) / 2 * np.diff(t))])
    s = {"age_years": a, "cum": np.interp(a, t, cum)}
    # linear interpolation of the cumulative series between quarterly rows: within 2 % of the
    # exact seasonal mean, where the last-step rate would swing between 1 and 3
    assert abs(v.year_flux(s, "cum", 50) - 2.0) < 0.04
    assert abs(v.year_flux(s, "cum", 70) - 2.0) < 0.04  # the run ends at 70: the year 69-70
    lin = {"age_years": a, "cum": 3.0 * (a - 20.0)}
    assert v.year_flux(lin, "cum", 45) == pytest.approx(3.0, rel=1e-12)
    assert v.year_flux(lin, "cum", 70) == pytest.approx(3.0, rel=1e-12)
    with pytest.raises(ValueError, match="no year"):
        v.year_flux({"age_years": np.array([20.0, 20.5]), "cum": np.array([0.0, 1.0])}, "cum", 20.2)
