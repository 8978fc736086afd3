"""analysis/ageing_budget.py: the ageing budget table (issue 8, "Ageing from mechanisms").

The script is run on a tiny block (6 x 6 x 12 voxels of 40 um, a woman from 25 to 66,
menopause at 51) with two seeds, loss of collagen_total at 65 relative to 25, two runs at a
time. Checks:
- the markdown table has the full model, one row per mechanism (the six ageing.* switches)
  and the sum and remainder rows; the CSV one row per arm and the remainder, with the
  per-seed ratios;
- every arm ran with the same seeds (common random numbers: run.h5 'seed' of every run);
- the numbers are consistent: loss = 1 - ratio, share = (loss_full - loss_without) /
  loss_full per seed, remainder = 1 - sum of the shares;
- switching a mechanism off changes the result: without the systemic decline the loss is
  smaller for every seed (a positive share), and no two arms give the same ratios;
- --reuse rereads the runs without running them and gives the same table; bad usage exits 2.

Environment: DERMSIM_BIN, DERMSIM_SOURCE_DIR.
"""

import csv
import os
import pathlib
import re
import subprocess
import sys

import pytest

h5py = pytest.importorskip("h5py")

SOURCE_DIR = pathlib.Path(os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
SCRIPT = SOURCE_DIR / "analysis" / "ageing_budget.py"
MECHANISMS = ("systemic", "senescence", "fragmentation", "oxidative", "glycation", "menopause")
SEEDS = (1, 2)
CONFIG = """\
run: {seed: 1, age_start_years: 25, age_end_years: 66, dt_hours: 168}
output: {series_interval_days: 182.625, frame_interval_days: 36525, write_fields: false, write_agents: false}
domain: {nx: 6, ny: 6, nz: 12, voxel_um: 40}
subject: {sex: female, menopause_age_years: 51}
"""


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN") or str(SOURCE_DIR / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def script(*args, timeout=1200):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", HDF5_USE_FILE_LOCKING="FALSE")
    return subprocess.run([sys.executable, str(SCRIPT), "--bin", dermsim_bin(), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def budget(tmp_path_factory):
    d = tmp_path_factory.mktemp("ageing_budget")
    cfg = d / "tiny.yaml"
    cfg.write_text(CONFIG)
    args = ["--config", cfg, "--seeds", ",".join(map(str, SEEDS)), "--age", 65, "-j", 2, "--out", d / "out",
            "--markdown", d / "table.md", "--csv", d / "table.csv"]
    r = script(*args)
    assert r.returncode == 0, r.stderr
    with open(d / "table.csv", newline="") as fh:
        rows = {row["arm"]: row for row in csv.DictReader(fh)}
    return {"dir": d, "args": args, "stdout": r.stdout, "md": (d / "table.md").read_text(), "csv": rows}


def test_markdown_table_structure(budget):
    md = budget["md"]
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert table[0] == "| run | collagen_total(65)/(25) | loss | share of the full loss |", table[0]
    assert re.match(r"^\|(---\|){4}$", table[1]), table[1]
    body = table[2:]
    assert len(body) == 1 + len(MECHANISMS) + 2, body
    assert body[0].startswith("| full model |")
    for line, mech in zip(body[1:], MECHANISMS):
        assert f"(`ageing.{mech}: false`)" in line, line
        assert re.search(r"\| -?\d+\.\d % \+- \d+\.\d \|$", line), line
    assert body[-2].startswith("| sum of the six shares |")
    assert body[-1].startswith("| remainder (interactions")
    assert "need not sum to 100 %" in md
    assert md in budget["stdout"], "the table is printed"


def test_csv_is_consistent(budget):
    rows = budget["csv"]
    assert list(rows) == ["full", *MECHANISMS, "remainder"]
    full = rows["full"]
    lf = {s: 1.0 - float(full[f"ratio_seed{s}"]) for s in SEEDS}
    assert all(v > 0.02 for v in lf.values()), f"the full model loses no collagen by 65: {lf}"
    total = {s: 0.0 for s in SEEDS}
    for arm in ("full", *MECHANISMS):
        r = rows[arm]
        ratios = [float(r[f"ratio_seed{s}"]) for s in SEEDS]
        assert float(r["ratio_mean"]) == pytest.approx(sum(ratios) / len(ratios), rel=1e-5)
        assert float(r["loss_mean"]) == pytest.approx(1.0 - float(r["ratio_mean"]), abs=1e-5)
        assert r["n_seeds"] == str(len(SEEDS)) and r["variable"] == "collagen_total"
        if arm == "full":
            continue
        assert r["switched_off"] == f"ageing.{arm}"
        shares = [(lf[s] - (1.0 - float(r[f"ratio_seed{s}"]))) / lf[s] for s in SEEDS]
        assert float(r["share_mean"]) == pytest.approx(sum(shares) / len(shares), rel=1e-4, abs=1e-6)
        for s, x in zip(SEEDS, shares):
            total[s] += x
    remainder = sum(1.0 - total[s] for s in SEEDS) / len(SEEDS)
    assert float(rows["remainder"]["share_mean"]) == pytest.approx(remainder, rel=1e-4, abs=1e-6)


def test_same_seeds_in_every_arm(budget):
    out = budget["dir"] / "out"
    for arm in ("full", *MECHANISMS):
        for s in SEEDS:
            with h5py.File(out / arm / f"seed{s}" / "run.h5", "r") as f:
                assert int(f.attrs["seed"]) == s, f"{arm}/seed{s} ran with seed {f.attrs['seed']}"
                assert int(f.attrs["completed"]) == 1
                if arm != "full":
                    assert f"ageing.{arm}=false" in str(f.attrs["command_line"])


def test_switching_a_mechanism_off_changes_the_result(budget):
    rows = budget["csv"]
    for s in SEEDS:
        full, without = float(rows["full"][f"ratio_seed{s}"]), float(rows["systemic"][f"ratio_seed{s}"])
        assert without > full, f"seed {s}: without the systemic decline collagen(65)/(25) is {without:.4f}, " \
                               f"with it {full:.4f}: expected less loss"
    assert float(rows["systemic"]["share_mean"]) > 0.1
    seen = {}
    for arm in ("full", *MECHANISMS):
        key = tuple(rows[arm][f"ratio_seed{s}"] for s in SEEDS)
        assert key not in seen, f"switching off {arm} gives exactly the result of {seen.get(key)}: inert switch"
        seen[key] = arm


def test_reuse_rereads_without_running(budget):
    d = budget["dir"]
    args = list(budget["args"])
    args[args.index("--markdown") + 1] = d / "table2.md"
    args[args.index("--csv") + 1] = d / "table2.csv"
    r = script(*args, "--reuse", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "(0 run now" in r.stdout, r.stdout[-300:]
    assert (d / "table2.md").read_text() == budget["md"]


def test_reuse_keeps_only_runs_of_the_same_config(budget):
    """A run made from another config, seed or --set (its ageing_budget.run record differs) is
    made again, not reused: here one run's record is changed, so exactly one run is made and
    the table stays the same (the config did not change)."""
    d = budget["dir"]
    args = list(budget["args"])
    args[args.index("--markdown") + 1] = d / "table3.md"
    args[args.index("--csv") + 1] = d / "table3.csv"
    record = d / "out" / "full" / "seed1" / "ageing_budget.run"
    assert record.is_file()
    record.write_text(record.read_text().replace('"seed": 1', '"seed": 99'))
    other = d / "out" / "full" / "seed2" / "ageing_budget.run"
    other.unlink()  # a run without a record (made before records, or the script killed): made again too
    r = script(*args, "--reuse", timeout=300)
    assert r.returncode == 0, r.stderr
    assert "(2 run now" in r.stdout, r.stdout[-300:]
    assert (d / "table3.md").read_text() == budget["md"]
    assert '"seed": 1' in record.read_text() and other.is_file()


def test_tables_not_written_over_a_directory(budget, tmp_path):
    d = budget["dir"]
    args = list(budget["args"])
    (tmp_path / "t.md").mkdir()
    args[args.index("--markdown") + 1] = tmp_path / "t.md"
    args[args.index("--csv") + 1] = tmp_path / "t.csv"
    r = script(*args, "--reuse", timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("ageing_budget: cannot write the tables:") and "is a directory" in r.stderr


@pytest.mark.parametrize("args, fragment", [
    (["--age", "nan"], "finite"),
    (["--seeds", "a,b"], "--seeds"),
    (["--seeds", "1,1"], "--seeds"),
    (["--config", "/nonexistent.yaml"], "no such file"),
    (["--age", "200"], "outside the run"),
])
def test_bad_usage(budget, tmp_path, args, fragment):
    d = budget["dir"]
    base = ["--config", d / "tiny.yaml", "--seeds", "1,2", "--out", d / "out", "--reuse",
            "--markdown", tmp_path / "t.md", "--csv", tmp_path / "t.csv"]
    r = script(*base, *args, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert fragment in r.stderr, r.stderr
