"""Exposures and treatments end to end: the binary on tiny configs, checked in run.h5.

- dose accounting: the UV delivered by a patterned schedule equals its closed form for any
  step (1 h, 1 d, 1 week), and cumulative series are recorded with units;
- direction of every mechanism on a small grid against a control with the same seed:
  UV (MMP-1 up, synthesis down, elastotic material and damage up, dose falling with depth,
  UVA deeper than UVB), glucose (AGE up, collagenase susceptibility down, less elastic
  recovery under suction),
  smoking (ROS and MMP-1 up, synthesis down), exosomes (synthesis up, MMP-1/-3 and IL
  down, effect recorded per cell), growth factors (more activated fibroblasts), topical
  products reaching deeper through microneedling channels, micro-wounds opening, closing and
  repairing by their closed form and raising collagen synthesis;
- the 1-vs-2-thread identity with every input switched on;
- broken schedules: exit 2, one line naming file:line:col and the key, nothing written;
- report.md names the exposures and treatments.
"""
import os
import pathlib
import subprocess

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

BIN = os.environ.get("DERMSIM_BIN", "")
Y = 8766.0


def need_bin():
    if not (BIN and os.access(BIN, os.X_OK)):
        pytest.skip("DERMSIM_BIN not set")


def run(tmp, name, text, *extra, threads=None):
    need_bin()
    cfg = pathlib.Path(tmp) / f"{name}.yaml"
    cfg.write_text(text)
    out = pathlib.Path(tmp) / name
    cmd = [BIN, "run", str(cfg), "-o", str(out), "--quiet", *extra]
    env = None
    if threads:  # the threads asked for, even on a grid smaller than dermsim gives two
        cmd += ["--threads", str(threads)]
        env = dict(os.environ, DERMSIM_VOXELS_PER_THREAD="1")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    return out


def series(out):
    with h5py.File(out / "run.h5", "r") as f:
        n = f["age_years"].shape[0]
        s = {k: f[k][...] for k in f.keys() if f[k].ndim == 1 and f[k].shape[0] == n}
        for k in f.keys():
            if k.endswith("_profile"):
                s["last:" + k] = f[k][-1, :]
        s["z"] = f["z"][...]
        s["units"] = {k: f[k].attrs.get("units") for k in f.keys()}
        return s


BASE = """run: {{seed: {seed}, age_start_years: {start}, age_end_years: {end}, dt_hours: {dt}}}
output: {{series_interval_days: {si}, frame_interval_days: 3650, write_fields: false, write_agents: false}}
domain: {{nx: 6, ny: 6, nz: 20, voxel_um: 20}}
"""


def cfg(end=31.0, dt=24, si=30, schedule="", seed=4, start=30):
    return BASE.format(end=end, dt=dt, si=si, seed=seed, start=start) + (("schedule:\n" + schedule) if schedule else "")


def test_uv_dose_is_exact_for_any_step(tmp_path):
    sched = ("  work: {input: uv, dose: 1.5, from_age: 30.1, to_age: 30.6, days_per_week: 5, "
             "hour_from: 10, hour_to: 16, season_amplitude: 0.5}\n")
    # closed form: sum over active weekdays of 1.5 x (1 + A cos) integrated over 10-16 h
    a, b = 30.1 * Y, 30.6 * Y
    t = np.arange(a, b, 1.0 / 60)  # minute grid, midpoint rule on the window
    day = np.floor(t / 24.0)
    hour = t - day * 24.0
    on = ((day % 7) < 5) & (hour >= 10) & (hour < 16)
    season = 1 + 0.5 * np.cos(2 * np.pi * ((t + 0.5 / 60) / 24.0 - 172) / 365.25)
    expect = float(np.sum(on * season) * (1.0 / 60) * 1.5 / 6.0)
    got = []
    for dt in (1, 24, 168):
        s = series(run(tmp_path, f"dt{dt}", cfg(end=30.7, dt=dt, si=7, schedule=sched)))
        got.append(s["uv_dose_cumulative"][-1])
        assert s["units"]["uv_dose_cumulative"] in (b"SED", "SED")
    assert np.allclose(got, got[0], rtol=1e-9, atol=0), got
    assert abs(got[0] - expect) < 2e-3 * expect, (got[0], expect)


def test_uv_directions_and_depth(tmp_path):
    sun = "  sun: {input: uv, dose: 3, from_age: 30}\n"
    ctl = series(run(tmp_path, "ctl", cfg(end=32, dt=168)))
    uv = series(run(tmp_path, "uv", cfg(end=32, dt=168, schedule=sun)))
    # last-year means (monthly rows): this ~70-cell block's MMP-1 baseline is carried by a
    # handful of senescent cells (SASP), so single rows are noisy; daily 1.2 MED with
    # photoadaptation holds AP-1 several-fold up and MMP-1 up by a third
    last = slice(-12, None)
    assert np.mean(uv["ap1_mean"][last]) > 3.0 * np.mean(ctl["ap1_mean"][last])
    assert np.mean(uv["mmp1_mean"][last]) > 1.2 * np.mean(ctl["mmp1_mean"][last])
    assert uv["collagen_synthesis_rate"][-1] < ctl["collagen_synthesis_rate"][-1]
    assert uv["collagen_total"][-1] < ctl["collagen_total"][-1]
    assert uv["elastin_elastotic_total"][-1] > 10 * max(ctl["elastin_elastotic_total"][-1], 1e-12)
    # UV's DNA damage reaches the cells: at the calibrated uv.damage_per_sed (1.5e-4 au/SED;
    # exact per cell in test_fibroblast) two years of daily sun add ~0.01 to the population's
    # mean damage, less than this block's turnover noise (cells that gather damage senesce or
    # die and are replaced; paired seeds here differ by -0.02 to +0.02; over 50 years of
    # outdoor sun the validation blocks gain ~+0.02 at 70, 9 of 12 replicates up). With
    # twenty times the damage per SED the same path gives +0.05 to +0.10 over the last year
    uvd = series(run(tmp_path, "uv_damage", cfg(end=32, dt=168, schedule=sun) + "uv: {damage_per_sed: 0.003}\n"))
    assert np.mean(uvd["damage_mean"][last]) > np.mean(ctl["damage_mean"][last]) + 0.03
    assert uv["ap1_mean"][-1] > ctl["ap1_mean"][-1]
    prof, uva = uv["last:uv_dose_profile"], uv["last:uva_dose_profile"]
    assert np.all(np.diff(prof) < 0), "UV dose must fall with depth"
    uvb = prof - uva
    assert uvb[-1] / uvb[0] < uva[-1] / uva[0], "UVA must reach deeper than UVB"
    assert ctl["uv_dose_cumulative"][-1] == 0 and np.all(ctl["last:uv_dose_profile"] == 0)


def test_sunscreen_protects(tmp_path):
    sun = "  sun: {input: uv, dose: 3, from_age: 30}\n"
    spf = sun + "  spf: {input: sunscreen, dose: 30, from_age: 30}\n"
    a = series(run(tmp_path, "bare", cfg(end=31, dt=168, schedule=sun)))
    b = series(run(tmp_path, "spf", cfg(end=31, dt=168, schedule=spf)))
    assert abs(b["uv_dose_cumulative"][-1] - a["uv_dose_cumulative"][-1] / 30) < 1e-6 * a["uv_dose_cumulative"][-1]
    assert b["uv_dose_unprotected_cumulative"][-1] == pytest.approx(a["uv_dose_cumulative"][-1], rel=1e-12)
    assert b["mmp1_mean"][-1] < a["mmp1_mean"][-1]


def test_glucose_directions(tmp_path):
    hi = "  t2d: {input: glucose, dose: 12, from_age: 30}\n"
    ctl = series(run(tmp_path, "norm", cfg(end=40, dt=168, si=365)))
    dia = series(run(tmp_path, "dia", cfg(end=40, dt=168, si=365, schedule=hi)))
    assert dia["glucose_mM"][-1] == pytest.approx(12.0)
    assert ctl["glucose_mM"][-1] == pytest.approx(5.0)
    assert dia["age_crosslinks_mean"][-1] > 1.3 * ctl["age_crosslinks_mean"][-1]
    assert dia["elastin_age_mean"][-1] > 1.3 * ctl["elastin_age_mean"][-1]
    assert dia["collagen_mmp_susceptibility"][-1] < ctl["collagen_mmp_susceptibility"][-1]
    # the AGE load slows the delayed recovery of the matrix: the suction test recovers less
    # (R2 = Ua/Uf) in the diabetic dermis (tissue mechanics, sim/firmness.h)
    assert dia["cutometer_R2"][-1] < ctl["cutometer_R2"][-1]
    # RAGE: with the gain amplified, glycated matrix raises fibroblast ROS and IL output.
    # Pooled over four seeds: this ~50-cell block's population drifts by tens of percent
    # between seeds (a block can even lose its last cell), and RAGE-driven apoptosis thins the
    # diabetic population, so one seed's field mean compares cell numbers as much as output.
    amp = ("--set", "glycation.rage_ros_gain=0.5")
    seeds = (4, 5, 6, 7)
    late = lambda s, k: float(np.mean(s[k][len(s[k]) // 2:]))
    pooled = {}
    for name, sched in (("ctl", ""), ("dia", hi)):
        runs = [series(run(tmp_path, f"{name}_r{sd}", cfg(end=40, dt=168, si=365, schedule=sched, seed=sd), *amp))
                for sd in seeds]
        pooled[name] = {k: np.mean([late(r, k) for r in runs]) for k in ("ros_mean", "il_mean")}
    assert pooled["dia"]["ros_mean"] > pooled["ctl"]["ros_mean"], pooled
    assert pooled["dia"]["il_mean"] > pooled["ctl"]["il_mean"], pooled


def test_smoking_directions(tmp_path):
    smoke = "  cig: {input: smoking, dose: 20, from_age: 30}\n"
    ctl = series(run(tmp_path, "ns", cfg(end=33, dt=168, si=91)))
    smk = series(run(tmp_path, "smk", cfg(end=33, dt=168, si=91, schedule=smoke)))
    assert smk["smoking_pack_years"][-1] == pytest.approx(smk["age_years"][-1] - 30.0, rel=1e-9)
    late = lambda s, k: float(np.mean(s[k][len(s[k]) // 2:]))  # second half: damps cell-level noise
    assert late(smk, "ros_mean") > 1.2 * late(ctl, "ros_mean")
    assert late(smk, "ap1_mean") > late(ctl, "ap1_mean")
    assert late(smk, "mmp1_activity_mean") > late(ctl, "mmp1_activity_mean")
    # per cell: smoking's ROS lowers what each fibroblast makes; the tissue rate of this small
    # block also follows how many cells it happens to hold (+-6 % between runs over 3 years)
    assert late(smk, "collagen_synthesis_per_cell") < late(ctl, "collagen_synthesis_per_cell")
    assert late(smk, "gf_mean") < late(ctl, "gf_mean")
    assert smk["damage_mean"][-1] > ctl["damage_mean"][-1]


def test_exosome_and_growth_factor_directions(tmp_path):
    exo = "  exo: {input: exosome, dose: 1, at_age: 30.2, hour: 10, depth_um: 200, source: adipose}\n"
    gf = "  prp: {input: growth_factor, dose: 2, at_age: 30.2, hour: 10, depth_um: 200}\n"
    ctl = series(run(tmp_path, "c", cfg(end=30.25, dt=12, si=1)))
    e = series(run(tmp_path, "e", cfg(end=30.25, dt=12, si=1, schedule=exo)))
    g = series(run(tmp_path, "g", cfg(end=30.25, dt=12, si=1, schedule=gf)))
    i = int(np.argmin(np.abs(e["age_years"] - (30.2 + 7 / 365.25))))
    assert e["exosome_dose_cumulative"][-1] == 1.0
    assert e["exosome_effect_mean"][i] > 0.05 and ctl["exosome_effect_mean"][i] == 0
    assert e["collagen_synthesis_rate"][i] > ctl["collagen_synthesis_rate"][i]
    assert e["mmp1_mean"][i] < ctl["mmp1_mean"][i] and e["mmp3_mean"][i] < ctl["mmp3_mean"][i]
    assert e["il_mean"][i] < ctl["il_mean"][i]
    j = int(np.argmin(np.abs(g["age_years"] - (30.2 + 1 / 365.25))))
    assert g["gf_mean"][j] > 1.2 * ctl["gf_mean"][j]
    assert g["tgfb_mean"][j] > ctl["tgfb_mean"][j]
    # activated cells over the week after a dose, pooled over eight seeds: the bolus lasts
    # ~2 days and activation is slow (fibroblast.activation_per_day), so a ~50-cell block gains
    # a few activated cells; a single seed's count at one row differs by a count of one or two.
    # These runs start at 25 (the young state, no spin-up) to stay cheap.
    prp = gf.replace("at_age: 30.2", "at_age: 25.01")
    act = {"c": 0.0, "g": 0.0}
    for sd in range(4, 12):
        for name, sched in (("c", ""), ("g", prp)):
            s = series(run(tmp_path, f"{name}{sd}", cfg(end=25.03, dt=12, si=1, schedule=sched, seed=sd, start=25)))
            week = (s["age_years"] > 25.01) & (s["age_years"] <= 25.01 + 7 / 365.25)
            assert week.sum() >= 6
            act[name] += float(np.sum(s["fibroblast_activated"][week]))
    assert act["g"] > 1.05 * act["c"], act


def test_microneedling_opens_channels(tmp_path):
    topical = "  cream: {input: exosome, dose: 1, route: topical, penetration_um: 20, at_age: 30.2, hour: 12}\n"
    needle = "  mn: {input: microneedling, dose: 0.1, at_age: 30.2, hour: 11, depth_um: 300, open_hours: 24}\n"
    a = series(run(tmp_path, "top", cfg(end=30.2012, dt=1, si=0.25, schedule=topical)))
    b = series(run(tmp_path, "mn", cfg(end=30.2012, dt=1, si=0.25, schedule=topical + needle)))
    pa, pb = a["last:exosome_profile"], b["last:exosome_profile"]
    deep = a["z"] > 150
    assert pb[deep].sum() > 3 * pa[deep].sum(), "channels must carry the topical dose deeper"
    assert b["microneedling_cumulative"][-1] == pytest.approx(0.1)


def test_microneedling_wounds_follow_closed_form(tmp_path):
    # one session 200 um deep (half of the 400 um block) opens 0.3 of every needled layer at
    # its hour, inside a daily step; open wounds close (5 d) into repair (30 d): the
    # block means follow the chain's closed form at every row, the repair raises collagen
    # synthesis above the same run without needles, and the matrix of the wounded tissue is
    # cleared and refilled with new matrix
    wound = "wound: {microneedling_fraction: 0.3, closure_days: 5, remodel_days: 30}\n"
    needle = "  mn: {input: microneedling, dose: 1, at_age: 30.2, hour: 11, depth_um: 200}\n"
    text = cfg(end=30.45, dt=24, si=7, schedule=needle)
    out_a = run(tmp_path, "mn", wound + text)
    a = series(out_a)
    c = series(run(tmp_path, "ctl", wound + cfg(end=30.45, dt=24, si=7)))
    t_row = a["age_years"] * Y
    t0 = np.floor(30.2 * Y / 24) * 24 + 11  # the session: at_age's day at 11 h (the wound opens then)
    w0, a_, b_ = 0.3 * 0.5, 1 / (5 * 24.0), 1 / (30 * 24.0)
    after = t_row > t0
    dt = t_row[after] - t0
    w = w0 * np.exp(-a_ * dt)
    r = w0 * a_ / (b_ - a_) * (np.exp(-a_ * dt) - np.exp(-b_ * dt))
    assert np.all(a["wound_open_fraction"][~after] == 0) and np.all(a["wound_repair_fraction"][~after] == 0)
    assert after.sum() >= 10
    np.testing.assert_allclose(a["wound_open_fraction"][after], w, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(a["wound_repair_fraction"][after], r, rtol=1e-9, atol=1e-15)
    assert a["units"]["wound_open_fraction"] == "1"
    assert np.all(c["wound_open_fraction"] == 0) and np.all(c["wound_repair_fraction"] == 0)
    weeks = after & (t_row - t0 < 42 * 24)
    # factor 1 + 3 (w + r) in the needled half: ~1.3-1.45 over the block in these weeks
    assert np.mean(a["collagen_synthesis_rate"][weeks]) > 1.2 * np.mean(c["collagen_synthesis_rate"][weeks])
    assert np.all(a["collagen_synthesis_rate"][~after] == c["collagen_synthesis_rate"][~after])
    assert a["collagen_intact_total"][-1] > c["collagen_intact_total"][-1]
    # the session clears the matrix of the tissue it wounds (0.3 of the needled upper half):
    # over the row interval holding it, 0.3 of the upper half's collagen more is removed
    # than without needles
    i = int(np.argmax(after))
    with h5py.File(out_a / "run.h5", "r") as f:  # the depth profile of the first frame (the start)
        prof = f["collagen_intact_profile"][0, :] + f["collagen_fragmented_profile"][0, :]
    upper = prof[: len(prof) // 2].sum() / prof.sum()
    extra = (a["collagen_removed"][i] - a["collagen_removed"][i - 1]) - (c["collagen_removed"][i] - c["collagen_removed"][i - 1])
    assert extra == pytest.approx(0.3 * upper * a["collagen_total"][i - 1], rel=0.02)
    # ... and new intact collagen and functional elastin refill it (wound.fill_days 14): by
    # the end at least 1 - exp(-T / 14 d) of it came back beyond the control's synthesis
    made = (a["collagen_synthesized"][-1] - a["collagen_synthesized"][i - 1]) - \
        (c["collagen_synthesized"][-1] - c["collagen_synthesized"][i - 1])
    assert made > extra * (1 - np.exp(-dt[-1] / (14 * 24.0)))
    # what the cleared share held of old matrix is replaced by new fibres: fewer fragments,
    # fewer AGE cross-links per collagen and less elastotic material than without needles
    assert a["collagen_fragmented_fraction"][-1] < c["collagen_fragmented_fraction"][-1]
    assert a["age_crosslinks_mean"][-1] < c["age_crosslinks_mean"][-1]
    assert a["elastin_elastotic_total"][-1] < c["elastin_elastotic_total"][-1]
    assert a["elastin_functional_total"][-1] == pytest.approx(c["elastin_functional_total"][-1], rel=0.01)


ALL = """  sun: {input: uv, dose: 2, from_age: 30, days_per_week: 5, hour_from: 9, hour_to: 17, season_amplitude: 0.6}
  spf: {input: sunscreen, dose: 10, from_age: 30.5}
  glu: {input: glucose, dose: 9, from_age: 30.2}
  cig: {input: smoking, dose: 10, from_age: 30}
  air: {input: pollution, dose: 1, from_age: 30}
  exo: {input: exosome, dose: 1, at_age: 30.3, count: 3, every_days: 21, source: umbilical_cord}
  cm: {input: conditioned_medium, dose: 1, at_age: 30.4, route: topical, source: amnion}
  prp: {input: growth_factor, dose: 1, at_age: 30.45}
  mn: {input: microneedling, dose: 0.5, at_age: 30.4, depth_um: 400}
"""


def test_thread_identity_with_every_input(tmp_path):
    text = BASE.format(end=31.0, dt=24, si=7, seed=4, start=30).replace("write_fields: false, write_agents: false",
                                                    "write_fields: true, write_agents: true") + "schedule:\n" + ALL
    a = run(tmp_path, "t1", text, threads=1)
    b = run(tmp_path, "t2", text, threads=2)
    p = subprocess.run(["h5diff", "-c", str(a / "run.h5"), str(b / "run.h5")], capture_output=True, text=True)
    if p.returncode == 2 or "not found" in p.stderr:
        pytest.skip("h5diff not available")
    # the only difference allowed is the recorded thread count attribute
    with h5py.File(a / "run.h5") as fa, h5py.File(b / "run.h5") as fb:
        names = [k for k in fa.keys()]
        assert len(names) > 80
        for k in names:
            assert np.array_equal(fa[k][...], fb[k][...]), k
    report = (a / "report.md").read_text()
    for name in ("`sun`", "`spf`", "`glu`", "`cig`", "`exo`", "`mn`", "Exposures and treatments", "pack-years"):
        assert name in report


BROKEN = {
    "no_input": ("schedule:\n  sun: {dose: 1}\n", ":5:3:", "has no input"),
    "negative_dose": ("schedule:\n  sun: {input: uv, dose: -2}\n", ":5:20:", "'schedule.sun.dose': '-2' is out of range"),
    "outside_run": ("schedule:\n  exo: {input: exosome, dose: 1, at_age: 60}\n", ":5:3:", "outside the run"),
    "overlap": ("schedule:\n  a: {input: smoking, dose: 5, from_age: 30}\n  b: {input: smoking, dose: 9, from_age: 30.5}\n",
                ":6:3:", "both set smoking"),
    "typo": ("schedule:\n  sun: {input: uv, from_agee: 30}\n", ":5:20:", "did you mean 'schedule.sun.from_age'"),
    "not_mapping": ("schedule: [uv]\n", ":4:1:", "expected a mapping of named entries"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_schedules(tmp_path, case):
    need_bin()
    body, where, msg = BROKEN[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(BASE.format(end=31.0, dt=24, si=30, seed=4, start=30) + body)
    out = tmp_path / "out"
    p = subprocess.run([BIN, "run", str(path), "-o", str(out), "--quiet"], capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    line = p.stderr.strip()
    assert "\n" not in line and f"{path}{where}" in line and msg in line, line
    assert not (out / "run.h5").exists()
