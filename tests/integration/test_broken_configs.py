"""Broken configurations and bad command lines must fail cleanly.

Every file in tests/configs/broken/ starts with a line "# expect: <regex>". For each file,
both `dermsim check FILE` and `dermsim run FILE -o OUT` must exit with status 2, print
exactly one line on stderr ("dermsim: ...") that names the file and matches the regex,
print nothing on stdout, and create no output directory. Further tests cover a missing
file, an empty file, an unwritable output directory (exit 1), bad --set/--seed values and
bad usage.

Environment: DERMSIM_BIN (the dermsim executable; tests needing it are skipped when it is
unset or missing) and DERMSIM_SOURCE_DIR (the repository; defaults to this file's).
"""

import os
import pathlib
import re
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(
    os.environ.get("DERMSIM_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2]
)
BROKEN_DIR = SOURCE_DIR / "tests" / "configs" / "broken"
BROKEN_FILES = sorted(BROKEN_DIR.glob("*.yaml"))
EXPECT_RE = re.compile(rb"^# expect: (.+)$")

# 4 x 4 x 4 voxels of 40 um (~60 fibroblasts): with 20 um voxels the block holds ~8, and the
# 20-year spin-up can lose them all for some seeds ("the domain holds no fibroblasts")
GOOD_CONFIG = """\
run: {age_start_years: 25, age_end_years: 25.1}
domain: {nx: 4, ny: 4, nz: 4, voxel_um: 40}
"""


def dermsim_bin():
    path = os.environ.get("DERMSIM_BIN")
    if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def run_dermsim(*args, timeout=120):
    """Run dermsim with arguments; return (exit code, stdout text, stderr text)."""
    proc = subprocess.run(
        [dermsim_bin(), *map(str, args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def expected_regex(path):
    first = path.read_bytes().split(b"\n", 1)[0]
    m = EXPECT_RE.match(first)
    assert m, f"{path.name}: first line must be '# expect: <regex>', got {first!r}"
    return m.group(1).decode("utf-8")


def one_error_line(stderr):
    """The single stderr line of a failed command, without the 'dermsim: ' prefix checks."""
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected exactly one stderr line, got {len(lines)}:\n{stderr}"
    line = lines[0]
    assert line.startswith("dermsim: "), line
    return line


@pytest.fixture
def good_config(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD_CONFIG)
    return path


# ---- the suite itself (no binary needed) -----------------------------------------------


def test_suite_is_complete():
    assert len(BROKEN_FILES) >= 24, f"only {len(BROKEN_FILES)} broken configs in {BROKEN_DIR}"
    for path in BROKEN_FILES:
        re.compile(expected_regex(path))


# ---- each broken file ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["check", "run"])
@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.stem for p in BROKEN_FILES])
def test_broken_config(path, mode, tmp_path):
    expect = expected_regex(path)
    out = tmp_path / "out"
    args = ["check", path] if mode == "check" else ["run", path, "-o", out, "--quiet"]
    code, stdout, stderr = run_dermsim(*args)
    assert code == 2, f"exit code {code}; stderr:\n{stderr}"
    line = one_error_line(stderr)
    assert str(path) in line, f"message does not name the file: {line}"
    assert re.search(expect, line), f"message {line!r}\n does not match {expect!r}"
    assert stdout == ""
    assert not out.exists(), "a failed run must not create its output directory"


# ---- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["check", "run"])
def test_missing_file(mode, tmp_path):
    missing = tmp_path / "does_not_exist.yaml"
    out = tmp_path / "out"
    args = ["check", missing] if mode == "check" else ["run", missing, "-o", out]
    code, _, stderr = run_dermsim(*args)
    assert code == 2
    line = one_error_line(stderr)
    assert f"{missing}: cannot open: No such file or directory" in line
    assert not out.exists()


def test_zero_byte_file(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(b"")
    code, _, stderr = run_dermsim("check", empty)
    assert code == 2
    line = one_error_line(stderr)
    assert f"{empty}: empty configuration; expected a mapping of sections" in line


def test_directory_as_config(tmp_path):
    code, _, stderr = run_dermsim("check", tmp_path)
    assert code == 2
    line = one_error_line(stderr)
    assert str(tmp_path) in line and "cannot read" in line


def test_good_config_passes(good_config):
    code, stdout, stderr = run_dermsim("check", good_config)
    assert code == 0, stderr
    assert "valid" in stdout


# ---- output directory ------------------------------------------------------------------------


def test_unwritable_output_directory(good_config):
    code, _, stderr = run_dermsim("run", good_config, "-o", "/proc/nope/out", "--quiet")
    assert code == 1, f"exit code {code}; stderr:\n{stderr}"
    line = one_error_line(stderr)
    assert "/proc/nope" in line
    assert not os.path.exists("/proc/nope")


def test_output_path_is_a_file(good_config, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory\n")
    code, _, stderr = run_dermsim("run", good_config, "-o", blocker, "--quiet")
    assert code == 1, f"exit code {code}; stderr:\n{stderr}"
    line = one_error_line(stderr)
    assert str(blocker) in line
    assert blocker.read_text() == "not a directory\n"


# ---- --set and --seed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "assignment, pattern",
    [
        ("domain.nq=3", r"--set 'domain\.nq=3': unknown key 'domain\.nq'; did you mean 'domain\.nx'\?"),
        ("domain.nx", r"--set 'domain\.nx': no '='; expected section\.key=value"),
        ("domain.nx=0", r"--set 'domain\.nx=0': key 'domain\.nx': '0' is out of range; expected an integer in \[1, 4096\]"),
        ("domain.nx=abc", r"--set 'domain\.nx=abc': key 'domain\.nx': 'abc' is not an integer"),
        ("domain=4", r"--set 'domain=4': 'domain' is a section"),
        ("run.age_end_years=20", r"--set 'run\.age_end_years=20': key 'run\.age_end_years': 20\.0 is not after "
                                 r"run\.age_start_years"),
        ("schedule.sun.dose=2", r"--set 'schedule\.sun\.dose=2': no schedule entry 'sun'"),
        ("domain.nx=3\n4", r"--set 'domain\.nx=3\?4': key 'domain\.nx': '3\?4' is not an integer"),  # one line
        ("subject.hrt_start_years=90", None),  # hrt_end 0 <= start 90: no therapy, valid
    ],
)
@pytest.mark.parametrize("mode", ["check", "run"])
def test_bad_set(good_config, tmp_path, assignment, pattern, mode):
    out = tmp_path / "out"
    if pattern is None:  # a valid override: accepted by both commands
        args = ["check", good_config] if mode == "check" else ["run", good_config, "-o", out, "--quiet"]
        code, _, stderr = run_dermsim(*args, "--set", assignment)
        assert code == 0, stderr
        return
    args = ["check", good_config] if mode == "check" else ["run", good_config, "-o", out, "--quiet"]
    code, stdout, stderr = run_dermsim(*args, "--set", assignment)
    assert code == 2, f"exit code {code}; stderr:\n{stderr}"
    line = one_error_line(stderr)
    assert re.search(pattern, line), f"{line!r} does not match {pattern!r}"
    assert not out.exists()


def test_set_overrides_are_checked_together(good_config):
    # each override is valid alone; together with the file they put therapy outside the run
    code, _, stderr = run_dermsim(
        "check", good_config,
        "--set", "subject.hrt_start_years=60", "--set", "subject.hrt_end_years=65",
    )
    assert code == 2
    line = one_error_line(stderr)
    assert line.startswith("dermsim: --set 'subject.hrt_start_years=60': key 'subject.hrt_start_years': hormone therapy")


@pytest.mark.parametrize("option, key", [("--seed", "run.seed"), ("--threads", "run.threads")])
def test_bad_seed_or_threads(good_config, tmp_path, option, key):
    out = tmp_path / "out"
    code, _, stderr = run_dermsim("run", good_config, "-o", out, "--quiet", option, "abc")
    assert code == 2
    line = one_error_line(stderr)
    pattern = (rf"dermsim: {option}: (--set: )?key '{re.escape(key)}': 'abc' is not an integer; "
               r"expected an integer in \[0, ")
    assert re.match(pattern, line), f"{line!r} does not match {pattern!r}"
    assert not out.exists()


# ---- usage -----------------------------------------------------------------------------------


def test_no_arguments():
    code, stdout, stderr = run_dermsim()
    assert code == 2
    assert "usage" in stderr.lower()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["frobnicate"], "frobnicate"),
        (["check"], "check"),
        (["run"], "run"),
        (["check", "GOOD", "--no-such-option"], "--no-such-option"),
        (["run", "GOOD", "-o"], "-o"),
        (["check", "GOOD", "GOOD"], "GOOD"),
    ],
    ids=["unknown-command", "check-without-config", "run-without-config", "unknown-option",
         "option-without-value", "two-configs"],
)
def test_bad_usage(good_config, tmp_path, args, fragment):
    args = [str(good_config) if a == "GOOD" else a for a in args]
    fragment = str(good_config) if fragment == "GOOD" else fragment
    code, _, stderr = run_dermsim(*args)
    assert code == 2, f"exit code {code}; stderr:\n{stderr}"
    line = one_error_line(stderr)
    assert fragment in line
