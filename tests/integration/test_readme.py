"""The README and the documents around it stay true.

- Every ```yaml block of the README is a configuration `dermsim check` accepts.
- Every link in README.md, analysis/README.md, CHANGELOG.md and docs/*.md points to a file
  inside the repository (or a web address), and README anchors to a heading that exists.
- No document points to files outside the repository (the team's shared notes).
- The picture is committed, small, and a real PNG; LICENSE and CITATION.cff exist and
  agree with each other and with the project version; the README says what the model is
  and is not, how long set-up takes, and how to open the notebooks.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("DERMSIM_SOURCE_DIR") or Path(__file__).resolve().parents[2]).resolve()
BIN = os.environ.get("DERMSIM_BIN") or str(ROOT / "build" / "dermsim")
README = ROOT / "README.md"
DOCS = [README, ROOT / "analysis" / "README.md", ROOT / "CHANGELOG.md"] + sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def yaml_blocks(text):
    return re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)


def test_readme_yaml_examples_pass_check(tmp_path):
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"dermsim not built: {BIN}")
    blocks = yaml_blocks(README.read_text())
    assert len(blocks) >= 2, "the README's schedule and quick-start examples"
    assert any("schedule:" in b for b in blocks)
    for i, block in enumerate(blocks):
        cfg = tmp_path / f"readme_{i}.yaml"
        cfg.write_text(block)
        r = subprocess.run([BIN, "check", str(cfg)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"README yaml block {i} fails dermsim check:\n{block}\n{r.stderr}"


def slug(heading):
    """GitHub's anchor of a heading."""
    h = re.sub(r"[`*_]", "", heading.strip().lower())
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_in_the_repository(doc):
    text = doc.read_text()
    links = [a or b for a, b in LINK.findall(text)]
    for link in links:
        if re.match(r"^(https?|mailto):", link):
            continue
        path, _, anchor = link.partition("#")
        target = (doc.parent / path).resolve() if path else doc
        assert target.exists(), f"{doc.name}: link to missing {link}"
        assert ROOT in target.parents or target == ROOT, f"{doc.name}: link outside the repository: {link}"
        if anchor and target.suffix == ".md":
            anchors = {slug(h) for h in re.findall(r"^#+ (.*)$", target.read_text(), re.M)}
            assert anchor in anchors, f"{doc.name}: no heading for #{anchor} in {target.name}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_paths_outside_the_repository(doc):
    text = doc.read_text()
    for bad in ("shared/OUTPUT.md", "shared/STYLE.md", "shared/BIOLOGY.md", "shared/VALIDATION.md", "../shared"):
        assert bad not in text, f"{doc.name} mentions {bad}, which is not in the repository"
    # a local path such as /work/main (a URL such as https://host/work/... is fine)
    m = re.search(r"(?<![\w.])/work/", text)
    assert not m, f"{doc.name} mentions a local path at {text[max(0, m.start() - 30):m.end() + 20]!r}"
    # the project brief's VALIDATION.md is not here; docs/VALIDATION.md is
    m = re.search(r"(?<![\w/])VALIDATION\.md", text)
    assert not m, f"{doc.name} mentions VALIDATION.md outside docs/ at {text[max(0, m.start() - 30):m.end() + 20]!r}"


def test_picture_is_committed_and_small():
    png = ROOT / "docs" / "quickstart.png"
    assert f"]({png.relative_to(ROOT)})" in README.read_text()
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < len(data) < 150_000, len(data)
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", "docs/quickstart.png"], cwd=ROOT,
                             capture_output=True, text=True)
    if (ROOT / ".git").exists():
        assert tracked.returncode == 0, "docs/quickstart.png is not committed"


def test_license_and_citation():
    yaml = pytest.importorskip("yaml")
    lic = (ROOT / "LICENSE").read_text()
    assert lic.startswith("BSD 3-Clause License")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "license"):
        assert cff.get(key), key
    assert cff["license"] == "BSD-3-Clause"
    version = re.search(r"project\(dermsim VERSION ([\d.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)
    assert cff["version"] == version
    text = README.read_text()
    assert "[LICENSE](LICENSE)" in text and "[CITATION.cff](CITATION.cff)" in text


def test_readme_sections():
    text = README.read_text()
    assert "## What the model is, and what it is not" in text
    m = re.search(r"Set-up time on a fresh Debian 12 machine: ([^.]+)\.", text)
    assert m and re.search(r"\d+ (min|minutes)", m.group(1)), "the README must state the set-up time"
    assert not re.search(r"SETUP_TIME|PKG_COUNT", text), "placeholder left in the README"
    assert "sudo apt-get install -y jupyter-notebook" in text and "dermsim notebook" in text
    assert "dermsim compare" in text and "report.html" in text
