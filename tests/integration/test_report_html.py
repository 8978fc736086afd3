"""report.md and report.html: written from the run, shown by a browser.

- `dermsim run` writes report.html beside report.md (Python present): one self-contained
  page (no external resource), with the story of report.md, the inputs, four or more
  embedded figures with notes, and the reproduce command.
- Headless Debian chromium renders it: a screenshot showing the figures (many saturated,
  non-grey pixels: plots, not just text) and no console message.
- `dermsim report DIR` rewrites both; without Python report.md is still written, the run
  still succeeds (exit 0) and says how to make the page later; --quiet stays silent;
  DERMSIM_REPORT_HTML=0 skips the page.
- report.md says only what the run shows: no attachment story unless attachment fell,
  and only the inputs the schedule has; its firmness paragraph holds the simulated
  Cutometer's R0, R2, R5, R6, R7 and the dermal water content of the run's first and
  last row, and the page a firmness section.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(os.environ.get("DERMSIM_SOURCE_DIR") or Path(__file__).resolve().parents[2])
BIN = os.environ.get("DERMSIM_BIN") or str(ROOT / "build" / "dermsim")
TINY = ROOT / "tests" / "configs" / "tiny.yaml"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def env(**extra):
    e = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE")
    e.pop("DERMSIM_REPORT_HTML", None)  # ctest turns the page off for the other tests
    e.update(extra)
    return e


def dermsim(*args, **extra):
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"dermsim not built: {BIN}")
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL, env=env(**extra))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("report") / "tiny"
    r = dermsim("run", TINY, "-o", d)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and r.stdout == "", "a run that writes its page prints nothing off a terminal"
    return d


def test_page_is_written_and_self_contained(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not list(run_dir.glob("*.tmp"))
    srcs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert srcs, "no images or links"
    for s in srcs:  # nothing fetched from anywhere: embedded data or anchors only
        assert s.startswith("data:image/png;base64,") or s.startswith("#"), s[:80]
    assert "<script" not in page.lower()
    imgs = re.findall(r'<img alt="([^"]+)"', page)
    assert len(imgs) >= 4, imgs
    assert {"totals over age", "depth by age maps", "field slices young and old",
            "cells young and old", "firmness over age"} <= set(imgs)
    assert '<h2 id="firmness">Firmness</h2>' in page
    # the story is report.md's, the figures are explained, the run can be reproduced
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    first = re.search(r"\*\*Collagen\*\* ([^:]+):", md).group(1)
    assert f"<strong>Collagen</strong> {first}:" in page
    assert page.count("<figcaption>") >= 4 and page.count("<li>") > 20
    assert f"dermsim run {run_dir / 'resolved.yaml'} -o {run_dir}-rerun" in page
    assert "seed 7" in page
    assert "schedules nothing" in page


def test_page_not_written_over_a_directory(run_dir, tmp_path):
    """-o naming a directory: a one-line refusal, nothing left behind (no .tmp)."""
    target = tmp_path / "page.html"
    target.mkdir()
    r = subprocess.run(["/usr/bin/python3", str(ROOT / "analysis" / "report_html.py"), str(run_dir), "-o",
                        str(target)], capture_output=True, text=True, timeout=300, env=env())
    assert r.returncode == 2
    assert f"report_html.py: error: {target} is a directory" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"] and not list(target.iterdir())


def _chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("chromium not installed (Debian package chromium)")


def test_chromium_shows_the_figures(run_dir, tmp_path):
    shot = tmp_path / "shot.png"
    r = subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                        "--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--window-size=1280,5000",
                        f"--screenshot={shot}", (run_dir / "report.html").as_uri()],
                       capture_output=True, text=True, timeout=300)
    assert shot.exists(), r.stderr[-3000:]
    console = [l for l in r.stderr.splitlines() if ":CONSOLE" in l]
    assert not console, console
    import matplotlib.image as mpimg
    img = mpimg.imread(shot)[..., :3]
    assert img.shape[:2] == (5000, 1280)
    # not blank, and not only text: coloured plot pixels (saturation of the viridis maps,
    # the blue/orange lines) over a large area of the page
    mx, mn = img.max(axis=2), img.min(axis=2)
    saturated = ((mx - mn) > 0.25).mean()
    assert (img < 0.9).mean() > 0.05, "page looks blank"
    assert saturated > 0.02, f"only {saturated:.4f} of the pixels are coloured: figures missing?"


def test_report_command_rewrites_both(run_dir):
    for f in ("report.md", "report.html"):
        (run_dir / f).unlink()
    r = dermsim("report", run_dir)
    assert r.returncode == 0, r.stderr
    md = (run_dir / "report.md").read_text()
    assert "report rewritten from the run file" in md
    assert (run_dir / "report.html").stat().st_size > 100_000
    assert dermsim("report", run_dir / "nope").returncode == 2


def test_without_python(tmp_path):
    out = tmp_path / "nopy"
    r = dermsim("run", TINY, "-o", out, "--set", "run.age_end_years=26", DERMSIM_PYTHON="/nonexistent/python3")
    assert r.returncode == 0, r.stderr
    assert (out / "report.md").exists() and not (out / "report.html").exists()
    assert "report.html not written" in r.stderr and "/nonexistent/python3" in r.stderr
    assert f"dermsim report {out}" in r.stderr
    q = dermsim("run", TINY, "-o", tmp_path / "q", "--quiet", "--set", "run.age_end_years=26",
                DERMSIM_PYTHON="/nonexistent/python3")
    assert q.returncode == 0 and q.stderr == "" and q.stdout == ""
    r = dermsim("report", out, DERMSIM_PYTHON="/nonexistent/python3")
    assert r.returncode == 1 and "report.md written; report.html not" in r.stderr
    r = dermsim("compare", out, out, DERMSIM_PYTHON="/nonexistent/python3")
    assert r.returncode == 1 and "Python not found" in r.stderr


def test_page_can_be_turned_off(tmp_path):
    out = tmp_path / "off"
    r = dermsim("run", TINY, "-o", out, "--set", "run.age_end_years=26", DERMSIM_REPORT_HTML="0")
    assert r.returncode == 0 and r.stderr == ""
    assert (out / "report.md").exists() and not (out / "report.html").exists()


# ---------------------------------------------------------------- report.md says what the run shows

def report_of(tmp_path, name, *sets, end=27):
    out = tmp_path / name
    args = ["run", TINY, "-o", out, "--quiet", "--set", f"run.age_end_years={end}"]
    for s in sets:
        args += ["--set", s]
    r = dermsim(*args, DERMSIM_REPORT_HTML="0")
    assert r.returncode == 0, r.stderr
    import h5py
    with h5py.File(out / "run.h5", "r") as f:
        series = {k: f[k][()] for k in ("attachment_mean", "senescent_fraction", "ros_mean", "estrogen",
                                        "exosome_dose_delivered_cumulative")}
    return (out / "report.md").read_text(encoding="utf-8"), series


def test_report_claims_follow_the_data(tmp_path):
    md, s = report_of(tmp_path, "plain")
    fell = s["attachment_mean"][-1] < 0.98 * s["attachment_mean"][0]
    assert ("lost attachment" in md) == fell
    assert "intrinsic ageing: nothing scheduled" in md
    for word in ("UV:", "Smoking:", "ROS", "Exosomes:", "Glucose:"):
        assert word not in md.split("## What happened")[0], word
    assert "## Exposures" not in md


def test_report_names_only_scheduled_inputs(tmp_path):
    md, s = report_of(tmp_path, "exo", "schedule.exo.input=exosome", "schedule.exo.dose=1",
                      "schedule.exo.at_age=26")
    head = md.split("## What happened")[0]
    assert "intrinsic ageing plus exosome" in head
    # what reached the dermis: an intradermal bolus (the defaults, 300 +- 150 um deep) is
    # normalised over the tissue below the surface, and what lies below the 320 um block
    # does not enter it: (Phi(20/150) - Phi(-2)) / Phi(2)
    from math import erf, sqrt
    phi = lambda x: 0.5 * (1 + erf(x / sqrt(2)))  # noqa: E731
    got = s["exosome_dose_delivered_cumulative"][-1]
    assert abs(got - (phi(20 / 150) - phi(-2)) / phi(2)) < 1e-9
    assert f"- Exosomes: 1 au applied, {got:.3g} au of it reached the simulated dermis ({100 * got:.3g} %)." in head
    assert "exosome effect" in head
    for word in ("UV:", "Smoking:", "Pollution:", "Glucose:", "through ROS"):
        assert word not in head, word
    md, s = report_of(tmp_path, "smoke", "schedule.cig.input=smoking", "schedule.cig.dose=20",
                      "schedule.cig.from_age=25")
    head = md.split("## What happened")[0]
    assert "- Smoking: " in head and "pack-years" in head
    ros = s["ros_mean"]
    assert f"- Smoking acts through ROS: mean ROS {ros[0]:.2f} at the start, {ros[-1]:.2f} at the end" in head
    for word in ("UV:", "Exosomes:", "Glucose:"):
        assert word not in head, word


def test_report_says_what_each_treatment_acts_through(tmp_path):
    """Needling and growth factors are not said to act through the exosome effect; hormone
    therapy and switched-off ageing processes are named; estrogen's rise under therapy is told
    from its highest value, not only its first and last."""
    md, s = report_of(tmp_path, "mngf", "schedule.mn.input=microneedling", "schedule.mn.dose=1",
                      "schedule.mn.at_age=25.5", "schedule.mn.count=2", "schedule.mn.every_days=30",
                      "schedule.gf.input=growth_factor", "schedule.gf.dose=1", "schedule.gf.at_age=26")
    head = md.split("## What happened")[0]
    assert "exosome effect" not in head
    assert "- Growth factors act through the growth-factor signal" in head
    assert "- Microneedling acts through micro-wounds" in head
    assert "2 times every 30 d" in head and "once at age 26" in head and "lasting 0 d" not in head
    md, s = report_of(tmp_path, "hrt", "subject.sex=female",
                      "subject.hrt_start_years=26", "subject.hrt_end_years=26.5", "subject.hrt_level=2",
                      "ageing.glycation=false")
    head = md.split("## What happened")[0]
    assert "hormone therapy from age 26.0 to 26.5 at 2 of the premenopausal estrogen" in head
    assert "switched off: glycation (ageing.*)" in head
    e = s["estrogen"]
    assert e.max() > 1.5 * max(e[0], e[-1]), "hormone therapy at level 2 raised estrogen inside the run"
    assert f"estrogen rose to {e.max():.2f} of its premenopausal level" in md


def _trend(rel):
    """report.c's trend words."""
    for bound, word in ((-0.30, "fell sharply"), (-0.10, "fell"), (-0.02, "fell slightly")):
        if rel < bound:
            return word
    for bound, word in ((0.02, "stayed about the same"), (0.10, "rose slightly"), (0.30, "rose")):
        if rel <= bound:
            return word
    return "rose sharply"


def test_report_firmness_follows_the_data(run_dir):
    """The firmness paragraph of report.md: the Cutometer readouts and the water content of
    the first and last row of run.h5, with their change."""
    import h5py
    names = ["age_years", "cutometer_R0", "cutometer_R2", "cutometer_R5", "cutometer_R6", "cutometer_R7",
             "dermal_water_content"]
    with h5py.File(run_dir / "run.h5", "r") as f:
        v = {k: f[k][()] for k in names}
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    assert md.index("## What happened") < md.index("## Firmness") < md.index("## By decade")
    para = md.split("## Firmness\n\n")[1].split("\n")[0]
    a = v["age_years"]
    assert f"(2 mm probe, 450 mbar, 2 s on / 2 s off) at ages {a[0]:.1f} and {a[-1]:.1f}" in para
    r0 = v["cutometer_R0"]
    rel = r0[-1] / r0[0] - 1
    firm = "became less firm" if rel > 0.02 else "became firmer" if rel < -0.02 else "kept its firmness"
    assert f"the skin {firm}." in para, para
    assert (f"R0 (final extension, higher is softer) {_trend(rel)}: {r0[0]:.3f} -> {r0[-1]:.3f} mm "
            f"({100 * rel:+.0f} %)") in para, para
    for key, what in (("R2", "ross elasticity R2 (Ua/Uf)"), ("R5", "net elasticity R5 (Ur/Ue)"),
                      ("R6", "viscoelastic share R6 (Uv/Ue)"), ("R7", "biological elasticity R7 (Ur/Uf)")):
        x = v["cutometer_" + key]
        rel = x[-1] / x[0] - 1
        assert f"{what} {_trend(rel)}: {x[0]:.3f} -> {x[-1]:.3f} ({100 * rel:+.0f} %)" in para, (key, para)
    w = v["dermal_water_content"]
    assert (f"Dermal water content {_trend(w[-1] / w[0] - 1)}: {100 * w[0]:.1f} % -> {100 * w[-1]:.1f} % "
            "of the dermal volume.") in para, para
