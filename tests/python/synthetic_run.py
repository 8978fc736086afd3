"""Write a small synthetic dermsim run.h5 with h5py, following the layout in the README
(section "Output: run.h5").

Used by the analysis tests so that the loader logic is tested without the simulator.
Values are simple closed forms so tests can check them exactly:

- time rows: ages 25, 27, ..., 65 (21 rows), time = (age - 25) * 365.25 days, step = row;
- collagen_total = 10 * (1 - 0.01 * (age - 25)) mg/cm^2; other totals alike;
- frames at ages 25, 45, 65; field ``f`` at frame k = k + 0.001 * (100 * iz + 10 * iy + ix);
- agent_count = (7, 5, 4); agent_x of row i of frame k = 10 * k + i, agent_id = 1000 * k + i;
- tissue mechanics (``mechanics=True``): the simulated Cutometer with d = age - 25,
  Ue = 0.15 + 0.006 d, Uv = 0.13 + 0.006 d, Uf = R0 = Ue + Uv, Ur = Ue (0.98 - 0.001 d),
  Ua = R8 = Uf (0.85 - 0.008 d), R1 = Uf - Ua, R2 = Ua/Uf, R5 = Ur/Ue, R6 = Uv/Ue,
  R7 = Ur/Uf (mm and ratios), dermal_water_content = 0.65 - 0.002 d; layer profiles at
  frame k, depth row iz: mech_g0 = 160 - 40 k - 5 iz, mech_g1 = 150 - 35 k - 4 iz (kPa),
  mech_tau1 = 0.3 + 0.5 k (s), mech_eta_f = 800 - 300 k (kPa s).

Command line: ``/usr/bin/python3 tests/python/synthetic_run.py OUT.h5`` writes one.
"""
from __future__ import annotations

import sys

import h5py
import numpy as np

NX, NY, NZ = 5, 4, 6
DX = 20.0
AGES = np.arange(25.0, 65.0 + 1e-9, 2.0)
FRAME_AGES = np.array([25.0, 45.0, 65.0])
AGENT_COUNT = np.array([7, 5, 4], dtype=np.int64)
FIELDS = ["collagen_intact", "collagen_fragmented", "age_amount", "elastin_functional",
          "elastin_elastotic", "ha_hmw", "ha_lmw", "tgfb", "mmp1", "mmp3", "timp", "ros",
          "il", "gf", "chemokine", "exosome"]
FIELD_UNITS = {"collagen_intact": "mg/cm^3", "collagen_fragmented": "mg/cm^3",
               "age_amount": "pmol/mg", "elastin_functional": "mg/cm^3",
               "elastin_elastotic": "mg/cm^3", "ha_hmw": "mg/cm^3", "ha_lmw": "mg/cm^3"}
DIM_ONLY = "This is a netCDF dimension but not a netCDF variable.%10d"


def _series_values(age: np.ndarray) -> dict:
    d = age - 25.0
    fib = 1000.0 * (1 - 0.008 * d)
    sen = np.clip(0.02 + 0.006 * d, 0, 1)
    return {
        "collagen_total": (10.0 * (1 - 0.01 * d), "mg/cm^2", "total collagen"),
        "collagen_intact_total": (9.5 * (1 - 0.012 * d), "mg/cm^2", "intact collagen"),
        "collagen_fragmented_fraction": (0.05 + 0.004 * d, "1", "fragmented collagen fraction"),
        "collagen_synthesis_rate": (1.0 - 0.01 * d, "mg/cm^2/year", "collagen synthesis rate"),
        "collagen_degradation_rate": (1.1 - 0.005 * d, "mg/cm^2/year", "collagen degradation rate"),
        "collagen_cleavage_rate": (0.2 + 0.003 * d, "mg/cm^2/year", "MMP-1 cleavage rate"),
        "collagen_synthesis_per_cell": (5.0 - 0.05 * d, "pg/h", "collagen synthesis per fibroblast"),
        "elastin_functional_total": (2.0 - 0.01 * d, "mg/cm^2", "functional elastin"),
        "elastin_elastotic_total": (0.01 * d, "mg/cm^2", "elastotic material"),
        "ha_hmw_total": (0.5 - 0.004 * d, "mg/cm^2", "high-molecular-weight hyaluronan"),
        "ha_lmw_total": (0.05 + 0.001 * d, "mg/cm^2", "low-molecular-weight hyaluronan"),
        "age_crosslinks_mean": (1.0 + 0.1 * d, "pmol/mg", "mean AGE cross-links"),
        "fibroblast_count": (np.round(fib), "1", "fibroblasts"),
        "fibroblast_quiescent": (np.round(fib * (1 - sen) * 0.8), "1", "quiescent fibroblasts"),
        "fibroblast_activated": (np.round(fib * (1 - sen) * 0.2), "1", "activated fibroblasts"),
        "fibroblast_senescent": (np.round(fib * sen), "1", "senescent fibroblasts"),
        "fibroblast_density": (fib / 0.0048, "1/mm^3", "fibroblast density"),
        "senescent_fraction": (sen, "1", "senescent fraction of fibroblasts"),
        "stem_cell_count": (np.round(50 - 0.5 * d), "1", "dermal stem cells"),
        "attachment_mean": (0.9 - 0.005 * d, "1", "mean fibroblast attachment"),
        "attached_area_mean": (2000 - 10 * d, "um^2", "mean attached area"),
        "mmp1_secretion_per_cell": (1 + 0.02 * d, "amol/cell/h", "MMP-1 secretion per cell"),
        "dermal_thickness": (1500 - 5 * d, "um", "dermal thickness"),
        "estrogen": (np.where(age < 50, 1.0, 0.3), "1", "relative estrogen level"),
        **{f"{s}_mean": (0.1 + 0.01 * d * (i + 1), "nM", f"mean {s}")
           for i, s in enumerate(["tgfb", "mmp1", "mmp3", "timp", "ros", "il", "gf",
                                  "chemokine", "exosome"])},
    }


MECH_SERIES = ["cutometer_R0", "cutometer_R1", "cutometer_R2", "cutometer_R5", "cutometer_R6",
               "cutometer_R7", "cutometer_R8", "cutometer_Ue", "cutometer_Uv", "cutometer_Uf",
               "cutometer_Ur", "cutometer_Ua", "dermal_water_content"]
MECH_PROFILES = ["mech_g0", "mech_g1", "mech_tau1", "mech_eta_f"]


def _mech_series(age: np.ndarray) -> dict:
    d = age - 25.0
    ue, uv = 0.15 + 0.006 * d, 0.13 + 0.006 * d
    uf = ue + uv
    ur, ua = ue * (0.98 - 0.001 * d), uf * (0.85 - 0.008 * d)
    c = "Cutometer "
    return {
        "cutometer_R0": (uf, "mm", c + "R0 = Uf: final extension, firmness (simulated suction test)"),
        "cutometer_R1": (uf - ua, "mm", c + "R1 = Uf - Ua: deformation left after the off time"),
        "cutometer_R2": (ua / uf, "1", c + "R2 = Ua/Uf: gross elasticity"),
        "cutometer_R5": (ur / ue, "1", c + "R5 = Ur/Ue: net elasticity"),
        "cutometer_R6": (uv / ue, "1", c + "R6 = Uv/Ue: viscoelastic share"),
        "cutometer_R7": (ur / uf, "1", c + "R7 = Ur/Uf: biological elasticity"),
        "cutometer_R8": (ua, "mm", c + "R8 = Ua: total retraction"),
        "cutometer_Ue": (ue, "mm", c + "Ue: immediate extension"),
        "cutometer_Uv": (uv, "mm", c + "Uv = Uf - Ue: delayed extension"),
        "cutometer_Uf": (uf, "mm", c + "Uf: final extension"),
        "cutometer_Ur": (ur, "mm", c + "Ur: immediate retraction"),
        "cutometer_Ua": (ua, "mm", c + "Ua: total retraction"),
        "dermal_water_content": (0.65 - 0.002 * d, "1", "dermal water volume fraction"),
    }


def _mech_profiles(nf: int) -> dict:
    k, iz = np.meshgrid(np.arange(nf, dtype=float), np.arange(NZ, dtype=float), indexing="ij")
    return {
        "mech_g0": (160.0 - 40.0 * k - 5.0 * iz, "kPa", "instantaneous shear modulus G0 of each layer"),
        "mech_g1": (150.0 - 35.0 * k - 4.0 * iz, "kPa", "delayed (Kelvin) shear modulus G1 of each layer"),
        "mech_tau1": (0.3 + 0.5 * k + 0.0 * iz, "s", "time constant of the delayed extension of each layer"),
        "mech_eta_f": (800.0 - 300.0 * k + 0.0 * iz, "kPa.s", "viscosity of the irreversible flow of each layer"),
    }


def _set(ds, units: str, long_name: str, **extra) -> None:
    ds.attrs["units"] = units
    ds.attrs["long_name"] = long_name
    for k, v in extra.items():
        ds.attrs[k] = v


def write_synthetic(path, *, frame_coord: str = "frame_time", completed: int = 1,
                    fields=None, profiles: bool = True, agents: bool = True,
                    attach_scales: bool = True, ages=None, mechanics: bool = True) -> str:
    """Write the synthetic run to ``path``.

    frame_coord: "frame_time" (a frame_time(frame) variable; ``frame`` is a dimension-only
    scale) or "frame" (the ``frame`` coordinate itself holds the times in days).
    attach_scales=False omits the dimension scales (a file the loader must reject).
    ages: the series rows' ages (default AGES); the closed forms are the same.
    mechanics=False omits the Cutometer series, dermal_water_content and the mech_*_profile
    profiles (a file written before the tissue mechanics).
    """
    fields = FIELDS if fields is None else list(fields)
    ages = AGES if ages is None else np.asarray(ages, dtype=float)
    nt, nf = len(ages), len(FRAME_AGES)
    n_agents = int(AGENT_COUNT.sum())
    comp = dict(compression="gzip", compression_opts=4, shuffle=True)
    with h5py.File(path, "w") as f:
        f.attrs["Conventions"] = "CF-1.8"
        f.attrs["title"] = np.bytes_(b"synthetic dermsim run")  # fixed-length string
        f.attrs["software"] = "dermsim"
        f.attrs["software_version"] = "0.0.0-synthetic"
        f.attrs["git_describe"] = "synthetic"
        f.attrs["seed"] = np.uint64(42)
        f.attrs["config_text"] = "# synthetic\nseed: 42\n"
        f.attrs["config_resolved"] = "seed: 42\n"
        f.attrs["completed"] = np.int32(completed)

        def coord(name, values, units, long_name, unlimited=False):
            ds = f.create_dataset(name, data=np.asarray(values, dtype=np.float64),
                                  maxshape=(None,) if unlimited else None,
                                  chunks=(64,) if unlimited else None)
            if attach_scales:
                ds.make_scale(name)
            _set(ds, units, long_name)

        def dim_only(name, n):
            ds = f.create_dataset(name, shape=(n,), maxshape=(None,), dtype="f4", chunks=(64,))
            if attach_scales:
                ds.make_scale(DIM_ONLY % n)

        def var(name, data, dims, units, long_name, **extra):
            data = np.asarray(data)
            unlimited = {"time", "frame", "agent"}
            maxshape = tuple(None if d in unlimited else s for d, s in zip(dims, data.shape))
            chunks = tuple(max(1, min(s, 64)) if d in unlimited else s
                           for d, s in zip(dims, data.shape))
            if dims and dims[0] == "frame" and len(dims) > 1:
                chunks = (1,) + chunks[1:]
            ds = f.create_dataset(name, data=data, maxshape=maxshape, chunks=chunks, **comp)
            _set(ds, units, long_name, **extra)
            if attach_scales:
                for i, d in enumerate(dims):
                    ds.dims[i].attach_scale(f[d])
            return ds

        coord("x", (np.arange(NX) + 0.5) * DX, "um", "x (cell centre)")
        coord("y", (np.arange(NY) + 0.5) * DX, "um", "y (cell centre)")
        coord("z", (np.arange(NZ) + 0.5) * DX, "um", "depth below the dermal-epidermal junction")
        coord("time", (ages - 25.0) * 365.25, "day", "simulated time", unlimited=True)
        frame_days = (FRAME_AGES - 25.0) * 365.25
        if frame_coord == "frame":
            coord("frame", frame_days, "day", "frame time", unlimited=True)
        else:
            dim_only("frame", nf)
        dim_only("agent", n_agents)

        var("step", np.arange(nt, dtype=np.int64) * 10, ("time",), "1", "step number")
        var("age_years", ages, ("time",), "year", "age of the simulated skin")
        series = {**_series_values(ages), **(_mech_series(ages) if mechanics else {})}
        for name, (vals, units, lname) in series.items():
            var(name, np.asarray(vals, dtype=np.float64), ("time",), units, lname)

        if frame_coord == "frame_time":
            var("frame_time", frame_days, ("frame",), "day", "time of frame")
        var("frame_step", np.array([0, 100, 200], dtype=np.int64), ("frame",), "1", "step of frame")
        var("frame_age_years", FRAME_AGES, ("frame",), "year", "age at frame")

        iz, iy, ix = np.meshgrid(np.arange(NZ), np.arange(NY), np.arange(NX), indexing="ij")
        base = 0.001 * (100 * iz + 10 * iy + ix)
        for j, name in enumerate(fields):
            data = np.stack([k + base + j for k in range(nf)]).astype(np.float32)
            units = FIELD_UNITS.get(name, "nM")
            var(name, data, ("frame", "z", "y", "x"), units, name.replace("_", " "))
            if profiles:
                var(name + "_profile", data.mean(axis=(2, 3)).astype(np.float32),
                    ("frame", "z"), units, name.replace("_", " ") + " depth profile")

        if mechanics and profiles:
            for name, (vals, units, lname) in _mech_profiles(nf).items():
                var(name + "_profile", vals, ("frame", "z"), units, lname)

        if agents:
            var("agent_count", AGENT_COUNT, ("frame",), "1", "agents stored per frame",
                sample_dimension="agent")
            k_of = np.repeat(np.arange(nf), AGENT_COUNT)
            i_in = np.concatenate([np.arange(c) for c in AGENT_COUNT])
            rng = np.random.default_rng(1)
            var("agent_id", (1000 * k_of + i_in).astype(np.int64), ("agent",), "1", "agent id")
            var("agent_type", (i_in == 0).astype(np.int8), ("agent",), "1", "agent type",
                flag_values=np.array([0, 1], dtype=np.int8), flag_meanings="fibroblast stem")
            var("agent_state", (i_in % 4).astype(np.int8), ("agent",), "1", "agent state",
                flag_values=np.array([0, 1, 2, 3], dtype=np.int8),
                flag_meanings="quiescent activated senescent apoptotic")
            var("agent_x", (10.0 * k_of + i_in).astype(np.float32), ("agent",), "um", "x")
            var("agent_y", rng.uniform(0, NY * DX, n_agents).astype(np.float32), ("agent",), "um", "y")
            var("agent_z", rng.uniform(0, NZ * DX, n_agents).astype(np.float32), ("agent",), "um",
                "depth below the DEJ")
            var("agent_divisions", (i_in % 3).astype(np.int32), ("agent",), "1", "divisions")
            for name, units in (("damage", "1"), ("attachment", "1"), ("tgfb_response", "1"),
                                ("collagen_synthesis", "pg/h"), ("mmp1_secretion", "amol/h")):
                var("agent_" + name, rng.uniform(0, 1, n_agents).astype(np.float32), ("agent",),
                    units, name.replace("_", " "))
    return str(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: synthetic_run.py OUT.h5")
    print(write_synthetic(sys.argv[1]))
