"""Shared helpers of the integration tests that run the dermsim binary several times."""
import os
import signal
import subprocess
import time

import pytest


def dermsim_bin(source_dir):
    """DERMSIM_BIN, or build/dermsim of the source tree; skips when neither is an executable."""
    path = os.environ.get("DERMSIM_BIN") or str(source_dir / "build" / "dermsim")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip("DERMSIM_BIN is not set or does not name an executable")
    return path


WAITING = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def waiting_env(base, policy=None, spin=None, **extra):
    """A copy of `base` with the OpenMP waiting set as given: OMP_WAIT_POLICY `policy` and
    GOMP_SPINCOUNT `spin` when not None, else unset (dermsim's own default), then `extra`
    (None removes a variable)."""
    env = {k: v for k, v in base.items() if k not in WAITING}
    for k, v in (("OMP_WAIT_POLICY", policy), ("GOMP_SPINCOUNT", spin), *extra.items()):
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


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


def signal_after_rows(argv, out, env, rows=20, checkpoint=False, sig=signal.SIGTERM, timeout=120, delay=0.0,
                      may_finish=False):
    """Start the run `argv` (writing into `out`) and send it `sig` `delay` seconds after
    out/run.partial.h5 holds more than `rows` rows (and, with `checkpoint`, out/checkpoint.h5
    exists); after SIGTERM the run must stop with exit 130. Returns its stderr (bytes), or
    None when `may_finish` and the run ended before the signal could be sent (a short run on
    a busy machine: the attempt tells nothing, the caller tries again)."""
    import h5py
    proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if not checkpoint or (out / "checkpoint.h5").exists():
                with h5py.File(out / "run.partial.h5", "r") as f:
                    if f["time"].shape[0] > rows:
                        break
        except Exception:  # noqa: BLE001 - not there yet, or caught mid-write
            pass
        time.sleep(0.01)
    if delay > 0:
        time.sleep(delay)
    if may_finish and proc.poll() is not None:
        proc.communicate()
        assert proc.returncode == 0, "the run failed before it could be interrupted"
        return None
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if sig == signal.SIGTERM:
        assert proc.returncode == 130, err
    return err
