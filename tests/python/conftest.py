"""Fixtures for the analysis tests.

- ``synthetic_h5``: a small run.h5 written with h5py (tests/python/synthetic_run.py); always
  available, so the loader logic is always tested.
- ``real_h5``: a real run made by the simulator:
  ``$DERMSIM_BIN run $DERMSIM_SOURCE_DIR/tests/configs/tiny.yaml -o <tmp> --quiet``.
  Skipped if the binary or the config is missing. DERMSIM_BIN defaults to
  ``<source>/build/dermsim``, DERMSIM_SOURCE_DIR to the repository holding this file.
- ``run_h5``: parametrised over both (``synthetic``, ``real``).
- ``best_h5``: the real run if the simulator is available, else the synthetic one (for the
  slower end-to-end tests: plot_run.py CLI, notebook).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ANALYSIS = REPO / "analysis"
for p in (str(ANALYSIS), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import synthetic_run  # noqa: E402


def source_dir() -> Path:
    return Path(os.environ.get("DERMSIM_SOURCE_DIR") or REPO)


def dermsim_bin():
    b = os.environ.get("DERMSIM_BIN")
    if b:
        return Path(b)
    cand = source_dir() / "build" / "dermsim"
    return cand if cand.exists() else None


@pytest.fixture(scope="session")
def synthetic_h5(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "run.h5"
    synthetic_run.write_synthetic(path)
    return path


@pytest.fixture(scope="session")
def real_h5(tmp_path_factory) -> Path:
    exe = dermsim_bin()
    cfg = source_dir() / "tests" / "configs" / "tiny.yaml"
    if exe is None or not exe.exists():
        pytest.skip(f"simulator binary not found (DERMSIM_BIN={os.environ.get('DERMSIM_BIN')})")
    if not cfg.exists():
        pytest.skip(f"config {cfg} not found")
    out = tmp_path_factory.mktemp("tiny")
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "2")
    env.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
    proc = subprocess.run([str(exe), "run", str(cfg), "-o", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, (f"dermsim run failed ({proc.returncode}):\n"
                                  f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    h5 = out / "run.h5"
    if not h5.exists():
        found = sorted(out.rglob("*.h5"))
        assert found, f"no .h5 written in {out}: {sorted(p.name for p in out.iterdir())}"
        h5 = found[0]
    return h5


@pytest.fixture(params=["synthetic", "real"])
def run_h5(request) -> Path:
    return request.getfixturevalue(f"{request.param}_h5")


@pytest.fixture
def best_h5(request) -> Path:
    try:
        return request.getfixturevalue("real_h5")
    except pytest.skip.Exception:
        return request.getfixturevalue("synthetic_h5")


def execute_notebook(path, tmp_path, cwd):
    """Execute a notebook in a kernel started with this interpreter (Debian's /usr/bin/python3
    under ctest; an explicit kernelspec, since kernel_name "python3" could resolve to another
    interpreter through PATH or user kernelspecs). Returns the outputs of its code cells."""
    import json

    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kdir = Path(tmp_path) / "kernels" / "dermsim-test-python"
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "dermsim test python", "language": "python"}))
    ksm = KernelSpecManager(kernel_dirs=[str(kdir.parent)], ensure_native_kernel=False)
    km = KernelManager(kernel_name="dermsim-test-python", kernel_spec_manager=ksm)
    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, km=km, timeout=120, resources={"metadata": {"path": str(cwd)}}).execute()
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
