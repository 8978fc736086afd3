"""Keep the documentation true: docs/PARAMETERS.md is the output of `dermsim params`,
and every parameter in the table appears in the README's config sections."""
import os
import re
import subprocess

import pytest

BIN = os.environ.get("DERMSIM_BIN", "")
ROOT = os.environ.get("DERMSIM_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

pytestmark = pytest.mark.skipif(not os.path.exists(BIN), reason="DERMSIM_BIN not built")


def params_text():
    return subprocess.run([BIN, "params"], capture_output=True, text=True, check=True).stdout


def test_parameters_md_matches_binary():
    doc = open(os.path.join(ROOT, "docs", "PARAMETERS.md")).read()
    block = re.search(r"```\n(.*?)```", doc, re.S)
    assert block, "docs/PARAMETERS.md has no fenced block"
    assert block.group(1) == params_text(), (
        "docs/PARAMETERS.md is stale: regenerate it with `dermsim params` (see its header)")


def test_every_section_documented_in_readme():
    readme = open(os.path.join(ROOT, "README.md")).read()
    sections = sorted({m.group(1) for m in re.finditer(r"^\[(\w+)\]", params_text(), re.M)})
    assert sections, "dermsim params printed no sections"
    for s in sections:
        assert f"`{s}" in readme, f"README config table does not mention section '{s}'"


def test_params_lists_units_range_and_source():
    text = params_text()
    entries = re.findall(r"^  (\S+)\s+(\S+)\s+default (\S+)\s+(\S+)", text, re.M)
    assert len(entries) > 100
    for path, units, default, rng in entries:
        assert "." in path and units and default and rng, path
