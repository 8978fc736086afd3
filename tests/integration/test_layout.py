"""The source tree keeps the shape the README's layout section describes:

- the dependency direction between folders (a lower layer never includes a higher one;
  e.g. no model file includes io),
- every external symbol of a library file carries its module's prefix (derm_<module>_),
- no function longer than 80 lines unless a comment just above it gives the reason
  ("long: ..."),
- the tree is formatted by the committed .clang-format.
"""
import glob
import os
import re
import shutil
import subprocess

SRC = os.environ.get("DERMSIM_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN_DIR = os.path.dirname(os.environ.get("DERMSIM_BIN", os.path.join(SRC, "build", "dermsim")))

# folder -> folders (under derm/) its sources and headers may include
ALLOWED = {
    "core": {"core"},
    "store": {"core", "store"},
    "solve": {"core", "store", "solve"},
    "model": {"core", "store", "solve", "model"},
    "mech": {"core", "mech"},
    "inputs": {"core", "store", "inputs"},
    "io": {"core", "store", "inputs", "io"},
    "sim": {"core", "store", "solve", "model", "mech", "inputs", "io", "sim"},
    "tools": {"core", "store", "inputs", "io", "sim", "tools"},
    "app": {"core", "store", "solve", "model", "mech", "inputs", "io", "sim", "tools", "app"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"derm/([a-z_]+)/', re.M)


def layer_of(path):
    rel = os.path.relpath(path, SRC).split(os.sep)
    if rel[0] == "sim":
        return rel[1]
    if rel[0] == "include":
        return rel[2]
    return None


def sources():
    return sorted(glob.glob(os.path.join(SRC, "sim", "**", "*.[ch]"), recursive=True) +
                  glob.glob(os.path.join(SRC, "include", "derm", "*", "*.h")))


def test_every_source_is_in_a_known_folder():
    unknown = [p for p in sources() if layer_of(p) not in ALLOWED]
    assert not unknown, f"files outside the known folders: {unknown}"
    assert not glob.glob(os.path.join(SRC, "sim", "*.c")), "sources directly in sim/: give them a folder"


def test_dependency_direction():
    bad = []
    for p in sources():
        layer = layer_of(p)
        for dep in INCLUDE.findall(open(p).read()):
            if dep not in ALLOWED[layer]:
                bad.append(f"{os.path.relpath(p, SRC)} ({layer}) includes derm/{dep}/")
    assert not bad, "includes against the dependency direction:\n" + "\n".join(bad)


# The files that may include hdf5.h: the HDF5 layer of sim/io, split by job since issue 12 -
# the run file's writer (output.c) and its checked readers (output_read.c), the file driver
# that makes writes crash- and disk-full-safe (h5file.*), the checked attribute/dataset
# helpers they share (h5util.*), and the checkpoint file (checkpoint.c). Nothing outside
# sim/io touches HDF5, and a new file here is a deliberate addition to this list.
HDF5_FILES = ["sim/io/checkpoint.c", "sim/io/h5file.c", "sim/io/h5file.h", "sim/io/h5util.c", "sim/io/h5util.h",
              "sim/io/output.c", "sim/io/output_read.c"]


HDF5_USE = re.compile(r'#\s*include\s+(<hdf5|"(\.\./)*(io/)?h5(util|file)\.h")')


def test_hdf5_only_in_io_output():
    users = sorted(os.path.relpath(p, SRC) for p in sources() if HDF5_USE.search(open(p).read()))
    assert users == HDF5_FILES, users


# module prefixes beyond derm_<file stem>_ (singular/plural forms are accepted too)
ALIASES = {"status": ["derm_err_"], "fibroblast": ["derm_cell_rates_", "derm_cell_sensed_"], "totals": ["derm_total_"],
           "fields": ["derm_field_"], "sweep_run": ["derm_sweep_"], "sweep_collect": ["derm_sweep_"],
           "sweep_plan": ["derm_sweep_"],
           "output_read": ["derm_output_"]}


def test_public_symbols_carry_their_module_prefix():
    nm = shutil.which("nm")
    assert nm, "nm is needed (binutils)"
    bad, seen = [], 0
    for lib in ("libdermsim_core.a", "libdermsim_sweep.a"):
        path = os.path.join(BIN_DIR, lib)
        assert os.path.exists(path), f"{path} not built"
        member = None
        for line in subprocess.run([nm, "-g", "--defined-only", path], capture_output=True, text=True,
                                   check=True).stdout.splitlines():
            if line.endswith(".o:"):
                member = line[:-3].replace(".c", "")
                continue
            f = line.split()
            if len(f) != 3 or f[1] not in "TDBRC":
                continue
            seen += 1
            stem = member
            allowed = [f"derm_{stem}_", f"derm_{stem.rstrip('s')}_", f"derm_{stem}s_"] + ALIASES.get(stem, [])
            if not any(f[2].startswith(a) for a in allowed):
                bad.append(f"{member}.c: {f[2]}")
    assert seen > 100, "suspiciously few symbols"
    assert not bad, "symbols without their module prefix:\n" + "\n".join(bad)


FUNC_START = re.compile(r'^[A-Za-z_][\w \*]*\b(\w+)\s*\([^;]*$')


def long_functions(path, limit=80):
    lines = open(path).read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FUNC_START.match(lines[i])
        if m and not lines[i].startswith(("if", "for", "while", "return", "else", "switch")):
            j = i
            while j < len(lines) and lines[j] != "{" and not lines[j].rstrip().endswith(";"):
                j += 1
            if j < len(lines) and lines[j] == "{":
                k = j
                while k < len(lines) and lines[k] != "}":
                    k += 1
                body = k - j - 1
                above = "\n".join(lines[max(0, i - 8):i])
                if body > limit and "long:" not in above:
                    out.append(f"{os.path.relpath(path, SRC)}:{i + 1}: {m.group(1)} has {body} lines")
                i = k
        i += 1
    return out


def test_functions_are_short_or_say_why():
    bad = []
    for p in glob.glob(os.path.join(SRC, "sim", "**", "*.c"), recursive=True):
        bad += long_functions(p)
    assert not bad, "functions over 80 lines without a 'long:' reason just above:\n" + "\n".join(bad)


def test_tree_is_formatted():
    cf = shutil.which("clang-format") or shutil.which("clang-format-14")
    assert cf, "clang-format is needed (Debian package clang-format; installed by .ci/setup test)"
    files = sorted(glob.glob(os.path.join(SRC, "sim", "**", "*.[ch]"), recursive=True) +
                   glob.glob(os.path.join(SRC, "include", "derm", "**", "*.h"), recursive=True) +
                   glob.glob(os.path.join(SRC, "tests", "unit", "*.c")) +
                   glob.glob(os.path.join(SRC, "tests", "fuzz", "*.[ch]")) +
                   glob.glob(os.path.join(SRC, "tests", "bench", "*.c")))
    r = subprocess.run([cf, "--dry-run", "-Werror", f"--style=file:{os.path.join(SRC, '.clang-format')}"] + files,
                       capture_output=True, text=True)
    assert r.returncode == 0, ("not formatted (run: clang-format -i on the files named):\n" +
                               "\n".join(sorted({l.split(':')[0] for l in r.stderr.splitlines() if ': error' in l})))
