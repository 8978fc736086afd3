"""Every dataset of 28 reference runs (quickstart, reference shortened to 2 years, every
scenario and validation config, the test configs) matches the committed manifest of
checksums (tests/regression/manifest.py). A change meant to alter results regenerates the
manifest in its own commit with the reason."""
import os
import subprocess
import sys

SRC = os.environ.get("DERMSIM_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_datasets_match_manifest():
    r = subprocess.run([sys.executable, os.path.join(SRC, "tests", "regression", "manifest.py"), "check", "-j", "2"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
