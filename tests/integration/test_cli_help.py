"""Help that helps: every command answers --help with its own usage (exit 0), `dermsim help
CMD` does the same, unknown commands get a suggestion, `dermsim params` filters by section,
key or word, and `dermsim notebook` says how to open the notebooks.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("DERMSIM_SOURCE_DIR") or Path(__file__).resolve().parents[2])
BIN = os.environ.get("DERMSIM_BIN") or str(ROOT / "build" / "dermsim")
COMMANDS = ["run", "check", "params", "info", "sweep", "compare", "report", "notebook"]


def dermsim(*args, cwd=None, env=None):
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"dermsim not built: {BIN}")
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, cwd=cwd, env=env)


@pytest.mark.parametrize("cmd", COMMANDS)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_command_help(cmd, flag):
    r = dermsim(cmd, flag)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    first = r.stdout.splitlines()[0]
    assert first.startswith(f"usage: dermsim {cmd}"), first
    assert r.stdout != dermsim("--help").stdout
    assert dermsim("help", cmd).stdout == r.stdout


@pytest.mark.parametrize("args", [["sweep", "run", "DIR", "--help"], ["sweep", "plan", "--help"],
                                  ["run", "cfg.yaml", "--set", "a.b=1", "--help"],
                                  ["info", "x.h5", "-h"], ["compare", "a", "b", "--help"]])
def test_help_anywhere_on_the_line(args):
    r = dermsim(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"usage: dermsim {args[0]}")


def test_run_help_lists_run_options():
    out = dermsim("run", "--help").stdout
    for opt in ("-o OUTDIR", "--set", "--seed", "--threads", "--quiet", "report.html", "run.xdmf"):
        assert opt in out, opt


def test_option_value_is_not_a_help_request(tmp_path):
    # "--set" takes the next word as its value, even when it looks like -h
    r = dermsim("check", ROOT / "tests" / "configs" / "tiny.yaml", "--set", "-h")
    assert r.returncode == 2 and "usage: dermsim check" not in r.stdout, r.stdout + r.stderr


def test_overview_lists_every_command():
    out = dermsim("--help").stdout
    for cmd in COMMANDS:
        assert re.search(rf"^  {cmd}\b", out, re.M), cmd
    assert dermsim("help").stdout == out


def test_unknown_command_suggests():
    r = dermsim("compre", "a", "b")
    assert r.returncode == 2
    assert "did you mean 'compare'" in r.stderr
    r = dermsim("help", "nope")
    assert r.returncode == 2 and "no command 'nope'" in r.stderr


# ---------------------------------------------------------------- params

def sections(text):
    return re.findall(r"^\[([\w.]+)\]$", text, re.M)


def entries(text):
    return re.findall(r"^  (\S+)\s", text, re.M)


def test_params_section():
    full = dermsim("params").stdout
    r = dermsim("params", "fibroblast")
    assert r.returncode == 0, r.stderr
    assert sections(r.stdout) == ["fibroblast"]
    keys = entries(r.stdout)
    assert keys and all(k.startswith("fibroblast.") for k in keys)
    assert keys == [k for k in entries(full) if k.startswith("fibroblast.")]
    # every entry with its text lines, exactly as in the full listing
    block = full[full.index("[fibroblast]"):]
    block = block[:block.index("\n\n") + 1]
    assert r.stdout == block


def test_params_subsection_and_key():
    r = dermsim("params", "signals.tgfb")
    assert r.returncode == 0
    assert entries(r.stdout) == ["signals.tgfb.diffusion_um2_per_s", "signals.tgfb.half_life_h",
                                 "signals.tgfb.young_level"]
    r = dermsim("params", "run.dt_hours")
    assert entries(r.stdout) == ["run.dt_hours"] and "Time step" in r.stdout


def test_params_schedule_keys():
    r = dermsim("params", "schedule")
    assert r.returncode == 0
    assert "schedule.NAME.dose" in entries(r.stdout) and "One mapping per named entry" in r.stdout
    assert entries(dermsim("params", "schedule.dose").stdout) == ["schedule.NAME.dose"]


def test_params_search():
    r = dermsim("params", "--search", "MENOPAUSE")
    assert r.returncode == 0
    keys = entries(r.stdout)
    assert "subject.menopause_age_years" in keys
    full = dermsim("params").stdout
    for k in keys:  # each found entry mentions the word (case-insensitive)
        i = full.index(f"  {k} ")
        nxt = re.search(r"^  \S|^\[|^$", full[i + 3:], re.M)
        assert "menopause" in full[i:i + 3 + (nxt.start() if nxt else len(full))].lower(), k
    assert set(sections(r.stdout)) >= {"subject"}
    assert dermsim("params", "--search=menopause").stdout == r.stdout


def test_params_errors():
    r = dermsim("params", "fibroblst")
    assert r.returncode == 2 and "did you mean 'fibroblast'" in r.stderr
    r = dermsim("params", "--search", "zzqqxx")
    assert r.returncode == 1 and "no parameter mentions 'zzqqxx'" in r.stderr
    assert dermsim("params", "--search").returncode == 2
    assert dermsim("params", "run", "ecm").returncode == 2


def test_params_unfiltered_unchanged():
    # docs/PARAMETERS.md is the unfiltered listing (tests/integration/test_docs.py)
    doc = (ROOT / "docs" / "PARAMETERS.md").read_text()
    assert dermsim("params").stdout in doc


# ---------------------------------------------------------------- notebook

def test_notebook_prints_how_to_open(tmp_path):
    r = dermsim("notebook", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "analysis/quickstart.ipynb" in out and "analysis/sweep.ipynb" in out
    assert "DERMSIM_RUN=out/quickstart/run.h5 jupyter notebook" in out
    assert "jupyter-execute analysis/quickstart.ipynb" in out
    if not os.access("/usr/bin/jupyter-notebook", os.X_OK):
        assert "apt-get install -y jupyter-notebook" in out
    # from elsewhere: absolute paths (the notebook resolves relative ones against the repository)
    r = dermsim("notebook", "myrun", cwd=tmp_path)
    assert f"DERMSIM_RUN={tmp_path}/myrun/run.h5" in r.stdout
    assert f"{ROOT.resolve()}/analysis/quickstart.ipynb" in r.stdout
    assert "No run at" in r.stdout


@pytest.mark.parametrize("args", [["params"], ["--help"], ["--version"], ["help", "run"]])
def test_a_failed_write_to_stdout_is_an_error(args):
    """Output that cannot be written (here a pipe whose reader is gone, SIGPIPE ignored: EPIPE)
    gives exit 1 and a one-line message, never exit 0."""
    import signal
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.run([BIN, *args], stdout=w, stderr=subprocess.PIPE, text=True, timeout=60,
                           env=dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE"),
                           preexec_fn=lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN))
    finally:
        os.close(w)
    assert p.returncode == 1, p.stderr
    assert p.stderr.strip().startswith("dermsim: cannot write to standard output"), p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
