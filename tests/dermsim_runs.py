"""Shared helpers of the integration tests that run the dermsim binary several times."""
import os
import subprocess
import time

import pytest


def dermsim_bin(source_dir):
    """DERMSIM_BIN, or build/dermsim of the source tree; skips when neither is an executable."""
    path = os.environ.get("DERMSIM_BIN") or str(source_dir / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


def run_all(jobs, env, parallel=2):
    """jobs: list of (argv, log path); at most `parallel` at a time; fails on any error."""
    pending, running = list(jobs), []
    while pending or running:
        while pending and len(running) < parallel:
            argv, log = pending.pop(0)
            running.append((subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                             stderr=open(log, "w")), argv, log))
        time.sleep(0.2)
        for item in list(running):
            proc, argv, log = item
            if proc.poll() is not None:
                running.remove(item)
                assert proc.returncode == 0, f"{' '.join(map(str, argv))} failed:\n{open(log).read()}"
