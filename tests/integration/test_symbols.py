"""Every external symbol of the library starts with derm_ (STYLE.md: prefix discipline)."""
import os
import shutil
import subprocess

import pytest

LIB = os.path.join(os.path.dirname(os.environ.get("DERMSIM_BIN", "")), "libdermsim_core.a")


@pytest.mark.skipif(not os.path.exists(LIB) or not shutil.which("nm"), reason="library or nm not available")
def test_external_symbols_are_prefixed():
    out = subprocess.run(["nm", "-g", "--defined-only", LIB], capture_output=True, text=True, check=True).stdout
    names = sorted({f[2] for f in (l.split() for l in out.splitlines()) if len(f) == 3 and f[1] in "TDBRC"})
    assert len(names) > 50, "suspiciously few symbols: is this the right library?"
    bad = [n for n in names if not n.startswith("derm_")]
    assert not bad, f"external symbols without the derm_ prefix: {bad}"
