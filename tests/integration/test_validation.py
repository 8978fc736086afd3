"""The validation runner over configs/validation/*.yaml, as a regression guard.

Static checks (no dermsim needed):
  - every row in tests/validation/validate.py ROWS has a label (emergent, calibrated,
    identity), a reason for it and the source of its band, and the bands are proper;
  - every target the configs declare ("# targets: ...") has rows, and every row's target is
    declared by a config;
  - every parameter whose description in include/derm/io/params.def says it was calibrated
    to a target ("calibrated to C6", "calibrated with C7", "calibrated: ... C1's ...",
    "calibrated to the chronic sun targets", "calibrated so high glucose ...") has at least
    one row of that target labelled calibrated; every calibrated row names the parameter
    that was fitted (or says it is derived from another row), and every parameter a row
    names exists;
  - expected_pass.txt names existing rows and no identities (identities never count as passes);
  - docs/VALIDATION.md holds the row table exactly as `validate.py --list-rows` prints it;
  - the README's validation section states the row counts per label of ROWS, has one table
    line per row, and its stated pass counts agree with the statuses in its own table.
Run checks (dermsim, the default step, 3 replicates, two runs at a time):
  - exit status 0, a result for every declared target, well-formed rows (finite values,
    label as declared, status consistent with label and band, identities never PASS),
    summary counts that agree with the rows;
  - every "target|observable" in tests/validation/expected_pass.txt is PASS (a model change
    that makes one of them miss fails this test; misses not listed there are printed).
The 4x-smaller-step guard of the lifetime calibration rows is test_validation_step.py.

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR (defaults to this file's repository).
"""

import importlib.util
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
PARAMS_DEF = SOURCE_DIR / "include" / "derm" / "io" / "params.def"
DOC = SOURCE_DIR / "docs" / "VALIDATION.md"
README = SOURCE_DIR / "README.md"
REQUIRED_TARGETS = {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12", "C13", "C15", "C17",
                    "Csun_indoor", "Csun_outdoor", "Cglucose", "Csmoking"}
PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
JOBS = 2  # dermsim runs at a time, one thread each


def load_validate():
    spec = importlib.util.spec_from_file_location("dermsim_validate", VALIDATE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


V = load_validate()


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


# ---- params.def: descriptions and the targets a parameter was calibrated to ---------------
X_ENTRY = re.compile(r'^X\(\s*(\w+)\s*,\s*"([^"]+)"(.*?)\)\s*$', re.S | re.M)
C_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
TARGET_ID = re.compile(r"\bC(\d+)([a-z]*)\b")
# targets named by words rather than ids, inside a "calibrated ..." clause
PHRASES = {"chronic sun": ("Csun_indoor", "Csun_outdoor"), "glucose": ("Cglucose",),
           "smoking": ("Csmoking",)}


def param_descriptions():
    """{config path: description} of every X(...) entry of params.def."""
    text = PARAMS_DEF.read_text()
    out = {}
    for m in re.finditer(r"^X\((.*?)\)\s*\n(?=X\(|\s*\n|/\*|\Z)", text, re.S | re.M):
        strings = C_STRING.findall(m.group(1))
        # strings: path, units, choices, then the description pieces (concatenated literals)
        if len(strings) < 4:
            continue
        out[strings[0]] = "".join(strings[3:])
    return out


def calibrated_targets(desc):
    """Targets a description says its parameter was calibrated to (text after 'calibrated')."""
    i = desc.lower().find("calibrated")
    if i < 0:
        return set()
    tail = desc[i:]
    ids = {f"C{n}{suffix}" for n, suffix in TARGET_ID.findall(tail)}
    for phrase, targets in PHRASES.items():
        if phrase in tail.lower():
            ids.update(targets)
    return ids


# ---- static tests ----------------------------------------------------------------------------
def test_params_def_is_parsed():
    d = param_descriptions()
    assert len(d) > 100, f"read only {len(d)} parameters from {PARAMS_DEF}"
    assert "ecm.collagen_half_life_years" in d and "half-life" in d["ecm.collagen_half_life_years"].lower()
    assert calibrated_targets("x; calibrated: with C6's 3-10x MMP-1 at 80 y it gives C1's loss") == {"C6", "C1"}
    assert calibrated_targets("SASP factors (Coppe 2008); calibrated to C6/C8") == {"C6", "C8"}
    assert calibrated_targets("(C6: 36-88 %)") == set()


def test_rows_are_labelled():
    assert V.ROWS, "no rows"
    seen = set()
    for r in V.ROWS:
        key = (r.target, r.observable)
        assert key not in seen, f"duplicate row {key}"
        seen.add(key)
        assert r.label in ("emergent", "calibrated", "identity"), f"{key}: label {r.label!r}"
        assert len(r.why.strip()) > 10, f"{key}: no reason for the label"
        assert len(r.source.strip()) > 5, f"{key}: no source for the band"
        assert r.lo is not None or r.hi is not None, f"{key}: no band"
        if r.lo is not None and r.hi is not None:
            assert r.lo < r.hi, f"{key}: band {r.lo}..{r.hi}"
        # a one-sided band must ask for a magnitude, not 'any change': its edge not within 1e-3 of 0
        # or, for a ratio, of 1 (an observable in percent, "(%" in its name, has no change at 0 only)
        if r.lo is None or r.hi is None:
            edge = r.hi if r.lo is None else r.lo
            percent = "(%" in r.observable
            assert (percent or abs(edge - 1.0) > 1e-3) and abs(edge) > 1e-3, f"{key}: band edge {edge} accepts any change"


def test_declared_targets_have_rows():
    declared = declared_targets()
    assert REQUIRED_TARGETS <= declared, f"configs do not declare {sorted(REQUIRED_TARGETS - declared)}"
    in_rows = {r.target for r in V.ROWS}
    assert declared == in_rows, (f"targets declared by configs but without rows: {sorted(declared - in_rows)}; "
                                 f"rows whose target no config declares: {sorted(in_rows - declared)}")
    for cfg in CONFIG_DIR.glob("*.yaml"):
        ctl = V.control_of(str(cfg))
        if ctl:
            assert os.path.isfile(ctl), f"{cfg.name}: control {ctl} does not exist"


def test_calibrated_parameters_have_calibrated_rows():
    calibrated_rows = {r.target for r in V.ROWS if r.label == "calibrated"}
    missing = []
    for path, desc in param_descriptions().items():
        for t in sorted(calibrated_targets(desc)):
            if t not in calibrated_rows:
                missing.append(f"{path} says it was calibrated to {t}, but no {t} row is labelled calibrated")
    assert not missing, "\n".join(missing)


PARAM_PATH = re.compile(r"\b((?:run|output|domain|ageing|subject|ecm|fibroblast|stem|uv|glycation|oxidative|treatment|"
                        r"signals|exosome_source|mechanics|cutometer|wound)\.[A-Za-z0-9_.]*[A-Za-z0-9_])")


def test_rows_name_existing_parameters():
    params = set(param_descriptions())
    bad, unnamed = [], []
    for r in V.ROWS:
        names = [p for p in PARAM_PATH.findall(r.why) if not p.endswith("_")]
        for p in names:
            if p not in params and not any(q.startswith(p + ".") for q in params):
                bad.append(f"{r.target}|{r.observable}: names {p!r}, which params.def does not define")
        if r.label == "calibrated" and not names and "derived from" not in r.why:
            unnamed.append(f"{r.target}|{r.observable}: calibrated, but the reason names no fitted parameter")
    assert not bad and not unnamed, "\n".join(bad + unnamed)


def test_expected_pass_lists_counted_rows():
    exp = expected_pass()
    assert exp, "expected_pass.txt lists nothing"
    unknown = [k for k in exp if k not in V.ROW_INDEX]
    assert not unknown, f"expected_pass.txt names rows validate.py does not define: {unknown}"
    ident = [k for k in exp if V.ROW_INDEX[k].label == "identity"]
    assert not ident, f"expected_pass.txt lists identities, which are never counted as passes: {ident}"


def test_docs_row_table_in_sync():
    table = "\n".join(V.rows_markdown())
    assert table in DOC.read_text(), (
        "docs/VALIDATION.md does not hold the current row table: paste the output of "
        "`/usr/bin/python3 tests/validation/validate.py --list-rows` between its markers")


def readme_validation_section():
    text = README.read_text()
    m = re.search(r"^## Validation\n(.*?)(?=^## )", text, re.S | re.M)
    assert m, "README.md has no '## Validation' section"
    return m.group(1)


def test_readme_states_counts_per_label():
    sec = readme_validation_section()
    n = {lab: sum(r.label == lab for r in V.ROWS) for lab in V.LABELS}
    stated = re.search(r"(\d+) rows: (\d+) emergent, (\d+) calibrated, (\d+) identit", sec)
    assert stated, "README validation section does not state 'N rows: E emergent, C calibrated, I identities'"
    assert tuple(int(x) for x in stated.groups()) == (len(V.ROWS), n["emergent"], n["calibrated"], n["identity"]), (
        f"README states {stated.group(0)!r}; ROWS has {len(V.ROWS)} rows: {n}")
    # one table line per row, and the stated pass counts agree with the table's statuses
    # the table that starts at the '| target | observable |' header (other tables of the
    # section, such as the step-convergence one, are not row tables)
    body = sec.split("| target | observable |", 1)
    assert len(body) == 2, "README validation section has no '| target | observable | ...' table"
    lines = []
    for l in body[1].splitlines()[1:]:
        if not l.startswith("|"):
            break
        if not l.startswith("|---"):
            lines.append(l)
    keys = [tuple(c.strip() for c in l.strip("|").split("|")[:2]) for l in lines]
    assert sorted(keys) == sorted((r.target, r.observable) for r in V.ROWS), (
        "the README validation table does not have exactly one line per row of ROWS")
    for lab in ("emergent", "calibrated"):
        m = re.search(rf"{lab}: (\d+) of (\d+) pass at both steps", sec)
        assert m, f"README validation section does not state '{lab}: P of N pass at both steps'"
        both = sum(1 for l in lines if f"| {lab} |" in l and "PASS at both" in l)
        assert (int(m.group(1)), int(m.group(2))) == (both, n[lab]), (
            f"README says {m.group(0)!r}; its table has {both} of {n[lab]} {lab} rows 'PASS at both'")


# ---- the run ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def validation(tmp_path_factory):
    d = tmp_path_factory.mktemp("validation")
    js, md = d / "r.json", d / "r.md"
    t0 = time.monotonic()
    p = subprocess.run([PYTHON, str(VALIDATE), "--bin", dermsim_bin(), "--out", str(d / "runs"), "-j", str(JOBS),
                        "--threads", "1", "--json", str(js), "--markdown", str(md)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=2200,
                       env=dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE", OMP_WAIT_POLICY="PASSIVE"))
    wall = time.monotonic() - t0
    print(f"\nvalidate.py: exit {p.returncode} in {wall:.1f} s")
    print(md.read_text() if md.exists() else p.stdout)
    if p.stderr.strip():
        print("stderr:", p.stderr)
    doc = json.loads(js.read_text()) if js.exists() else None
    return dict(proc=p, doc=doc, results=doc["rows"] if doc else None,
                markdown=md.read_text() if md.exists() else "")


def test_exit_status(validation):
    p = validation["proc"]
    assert p.returncode == 0, f"validate.py exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    assert validation["results"] is not None, "no JSON written"


def test_every_row_has_a_result(validation):
    got = {(r["target"], r["observable"]) for r in validation["results"]}
    missing = [k for k in V.ROW_INDEX if k not in got]
    assert not missing, f"no result for rows {missing}"


def test_results_well_formed(validation):
    res = validation["results"]
    seen = set()
    for r in res:
        key = (r["target"], r["observable"])
        assert key not in seen, f"duplicate result {key}"
        seen.add(key)
        row = V.ROW_INDEX[key]
        assert r["label"] == row.label and r["lo"] == row.lo and r["hi"] == row.hi, f"{key}: not as declared"
        assert isinstance(r["value"], (int, float)) and math.isfinite(r["value"]), f"{key}: value {r['value']!r}"
        assert math.isfinite(r["sd"]) and r["sd"] >= 0, f"{key}: sd {r['sd']!r}"
        assert r["replicates"] == 3, f"{key}: {r['replicates']} replicates"
        inside = (row.lo is None or r["value"] >= row.lo) and (row.hi is None or r["value"] <= row.hi)
        assert r["in_band"] == inside, f"{key}: in_band {r['in_band']} but value {r['value']} in {row.lo}..{row.hi}"
        if row.label == "identity":
            assert r["status"] == "IDENTITY", f"{key}: an identity reported as {r['status']}"
        else:
            assert r["status"] == ("PASS" if inside else "MISSED"), f"{key}: status {r['status']}"
        assert f"| {r['target']} | {r['observable']} | {row.label} |" in validation["markdown"], f"{key} not in table"


def test_summary_counts(validation):
    doc, res = validation["doc"], validation["results"]
    for lab in V.LABELS:
        rows = [r for r in res if r["label"] == lab]
        s = doc["summary"][lab]
        assert s["rows"] == len(rows) and s["pass"] == sum(r["status"] == "PASS" for r in rows), f"{lab}: {s}"
    assert doc["summary"]["identity"]["pass"] == 0, "identities counted as passes"
    assert V.summary_line(doc["summary"]) in validation["proc"].stdout


def test_expected_passes_still_pass(validation):
    exp = expected_pass()
    by_key = {(r["target"], r["observable"]): r for r in validation["results"]}
    regressions = [f"{t}|{o}: {by_key[(t, o)]['value']:.4g} outside {by_key[(t, o)]['lo']}..{by_key[(t, o)]['hi']}"
                   for (t, o) in exp if by_key[(t, o)]["status"] != "PASS"]
    known = [f"{r['target']}|{r['observable']} ({r['label']}): {r['value']:.4g} (band {r['lo']}..{r['hi']})"
             for r in validation["results"] if r["status"] == "MISSED" and (r["target"], r["observable"]) not in exp]
    if known:
        print("known misses (not in expected_pass.txt):\n  " + "\n  ".join(known))
    newly = [f"{r['target']}|{r['observable']}" for r in validation["results"]
             if r["status"] == "PASS" and (r["target"], r["observable"]) not in exp]
    if newly:
        print("passing but not yet guarded (add to expected_pass.txt):\n  " + "\n  ".join(newly))
    assert not regressions, "validation regressions:\n  " + "\n  ".join(regressions)
