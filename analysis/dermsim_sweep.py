"""Analyse a dermsim sweep directory (``dermsim sweep plan/run/collect``; docs/SWEEPS.md).

Quick start (with ``analysis/`` on ``sys.path``)::

    import dermsim_sweep as ds
    df = ds.load_summary("out/sweeps/uv_glucose")        # summary.csv: one row per run
    ds.dose_response(df, "subject.glucose_mM", "collagen_70_rel25")   # mean, sd, n per value
    ds.heatmap_table(df, "subject.glucose_mM", "schedule.sun.dose", "collagen_70_rel25")
    ds.morris_effects("out/sweeps/morris_rates", "collagen_70_rel25") # mu, mu_star, sigma
    ds.prcc(df, ds.factor_names("out/sweeps/morris_rates"), "collagen_70_rel25")

Files of a sweep directory used here: ``summary.csv`` (run_id, point, replicate, seed, one
column per swept parameter, status, error, one column per endpoint), ``runs.csv`` (the manifest)
and ``factors.csv`` (key, kind, min, max, scale, design, levels: how each factor was
sampled, needed to put Morris steps in unit coordinates).

Methods: Morris 1991 elementary effects with mu* (mean absolute effect; Campolongo,
Cariboni & Saltelli 2007) and sigma (standard deviation, ddof = 1), in unit coordinates of
each factor's range (log ranges in log units), after averaging replicates of a design
point. Partial rank correlation coefficients (Marino et al. 2008, J Theor Biol 254:178):
rank-transform, regress out the other factors' ranks (least squares with intercept),
correlate the residuals; the p-value is Student's t with n - 2 - (k - 1) degrees of freedom.
Labels for figures: ``param_label(dir, key)`` ("subject.glucose_mM [mM]", units from the
parameter table docs/PARAMETERS.md; a schedule dose in the units of its entry's input) and
``endpoint_label(dir, name)`` (what the endpoint measures, from the sweep file, with the
series' units from a run file); ``choose_x`` picks the factor with the most values for
the x axis of a dose-response plot.

Only Debian packages: numpy, pandas, scipy (matplotlib in the notebook; PyYAML and h5py for
the labels, which fall back to the bare names without them).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Union

import re

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["load_summary", "load_runs", "load_factors", "factor_names", "endpoint_names",
           "dose_response", "heatmap_table", "unit_coordinates", "morris_effects", "prcc",
           "has_sweep", "param_units", "param_label", "endpoint_label", "choose_x"]

PathLike = Union[str, Path]
FIXED = ("run_id", "point", "replicate", "seed")


def load_summary(sweep_dir: PathLike, ok_only: bool = False) -> pd.DataFrame:
    """``summary.csv`` as a DataFrame (empty endpoint cells are NaN). ``ok_only`` keeps the
    runs with status ``ok``."""
    df = pd.read_csv(Path(sweep_dir) / "summary.csv")
    return df[df["status"] == "ok"].reset_index(drop=True) if ok_only else df


def load_runs(sweep_dir: PathLike) -> pd.DataFrame:
    """The manifest ``runs.csv``."""
    return pd.read_csv(Path(sweep_dir) / "runs.csv")


def load_factors(sweep_dir: PathLike) -> pd.DataFrame:
    """``factors.csv`` indexed by parameter key (columns kind, min, max, scale, design, levels)."""
    return pd.read_csv(Path(sweep_dir) / "factors.csv", index_col="key")


def factor_names(sweep_dir: PathLike) -> List[str]:
    """The swept parameters, in sweep-file order."""
    return list(load_factors(sweep_dir).index)


def endpoint_names(summary: pd.DataFrame) -> List[str]:
    """The endpoint columns of a summary (everything after ``status`` and, in summaries of
    dermsim since issue 12, ``error``)."""
    cols = list(summary.columns)
    first = cols.index("status") + 1
    if first < len(cols) and cols[first] == "error":
        first += 1
    return cols[first:]


def dose_response(summary: pd.DataFrame, param: str, endpoint: str,
                  by: Optional[Union[str, Sequence[str]]] = None) -> pd.DataFrame:
    """Replicate statistics of ``endpoint`` per value of ``param`` (and of ``by``): columns
    mean, sd (ddof = 1; NaN for one replicate), n (runs with a value), sorted by value."""
    keys = [param] + ([by] if isinstance(by, str) else list(by or []))
    ok = summary[summary["status"] == "ok"] if "status" in summary else summary
    g = ok.groupby(keys)[endpoint]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()})
    return out.sort_index()


def heatmap_table(summary: pd.DataFrame, row: str, col: str, endpoint: str) -> pd.DataFrame:
    """Replicate mean of ``endpoint`` over a grid of two parameters (rows x columns)."""
    ok = summary[summary["status"] == "ok"] if "status" in summary else summary
    return ok.pivot_table(index=row, columns=col, values=endpoint, aggfunc="mean").sort_index().sort_index(axis=1)


def unit_coordinates(values: pd.DataFrame, factors: pd.DataFrame) -> pd.DataFrame:
    """Map each range factor's column of ``values`` to [0, 1] of its range (log ranges in
    log units); value-list factors are left out."""
    out = {}
    for key, f in factors.iterrows():
        if f["kind"] != "range":
            continue
        v = values[key].astype(float).to_numpy()
        if f["scale"] == "log":
            out[key] = (np.log(v) - np.log(f["min"])) / (np.log(f["max"]) - np.log(f["min"]))
        else:
            out[key] = (v - f["min"]) / (f["max"] - f["min"])
    return pd.DataFrame(out, index=values.index)


def morris_effects(sweep: Union[PathLike, pd.DataFrame], endpoint: str,
                   factors: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Elementary effects of a Morris sweep: one row per factor with mu (mean effect),
    mu_star (mean absolute effect), sigma (sd of the effects, ddof = 1) and n (effects).

    ``sweep`` is a sweep directory (its summary.csv and factors.csv are read) or a summary
    DataFrame (then pass ``factors`` = load_factors(dir)). Effects are per unit of each
    factor's range: EE_i = (y(x + d e_i) - y(x)) / d with d = +-p / (2 (p - 1)).
    Replicates of a design point are averaged first; steps with a missing value are skipped.
    """
    if isinstance(sweep, (str, Path)):
        summary, factors = load_summary(sweep), load_factors(sweep)
    else:
        summary = sweep
        if factors is None:
            raise ValueError("pass factors=load_factors(sweep_dir) with a summary DataFrame")
    keys = list(factors.index)
    k = len(keys)
    ok = summary[summary["status"] == "ok"] if "status" in summary else summary
    y = ok.groupby("point")[endpoint].mean()
    pts = summary.drop_duplicates("point").set_index("point").sort_index()
    u = unit_coordinates(pts[keys], factors)
    effects = {key: [] for key in keys}
    for p in pts.index:
        if p % (k + 1) == k:  # last point of a trajectory: no step after it
            continue
        q = p + 1
        if q not in pts.index:
            continue
        d = u.loc[q].to_numpy() - u.loc[p].to_numpy()
        moved = np.flatnonzero(np.abs(d) > 1e-12)
        if len(moved) != 1:
            raise ValueError(f"points {p} and {q} differ in {len(moved)} factors; is this a Morris sweep?")
        if p in y.index and q in y.index and np.isfinite(y[p]) and np.isfinite(y[q]):
            effects[keys[moved[0]]].append((y[q] - y[p]) / d[moved[0]])
    rows = {}
    for key, ee in effects.items():
        ee = np.asarray(ee, dtype=float)
        rows[key] = {"mu": ee.mean() if len(ee) else np.nan,
                     "mu_star": np.abs(ee).mean() if len(ee) else np.nan,
                     "sigma": ee.std(ddof=1) if len(ee) > 1 else np.nan,
                     "n": len(ee)}
    return pd.DataFrame.from_dict(rows, orient="index")


def prcc(data: pd.DataFrame, params: Iterable[str], endpoint: str) -> pd.DataFrame:
    """Partial rank correlation of ``endpoint`` with each of ``params`` (rows with a missing
    value are dropped): columns prcc and p_value, one row per parameter."""
    params = list(params)
    d = data[params + [endpoint]].astype(float).dropna()
    n, k = len(d), len(params)
    if n < k + 3:
        raise ValueError(f"PRCC needs more than {k + 2} complete rows, got {n}")
    ranks = np.column_stack([stats.rankdata(d[c]) for c in params + [endpoint]])
    ry = ranks[:, -1]
    out = {}
    for i, name in enumerate(params):
        others = np.column_stack([np.ones(n)] + [ranks[:, j] for j in range(k) if j != i])
        rx = ranks[:, i]
        res_x = rx - others @ np.linalg.lstsq(others, rx, rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        sx, sy = np.sqrt(res_x @ res_x), np.sqrt(res_y @ res_y)
        r = float(res_x @ res_y / (sx * sy)) if sx > 0 and sy > 0 else np.nan
        dof = n - 2 - (k - 1)
        if np.isfinite(r) and abs(r) < 1:
            t = r * np.sqrt(dof / (1 - r * r))
            p = float(2 * stats.t.sf(abs(t), dof))
        else:
            p = 0.0 if np.isfinite(r) else np.nan
        out[name] = {"prcc": r, "p_value": p}
    return pd.DataFrame.from_dict(out, orient="index")


# ---- labels ---------------------------------------------------------------------------------

PARAMETERS_MD = Path(__file__).resolve().parent.parent / "docs" / "PARAMETERS.md"


def has_sweep(sweep_dir: PathLike) -> bool:
    """True if ``sweep_dir`` holds a collected sweep (summary.csv)."""
    return (Path(sweep_dir) / "summary.csv").is_file()


def _param_table() -> dict:
    """path -> units from docs/PARAMETERS.md (the output of `dermsim params`)."""
    table = {}
    if PARAMETERS_MD.is_file():
        for m in re.finditer(r"^  (\S+)\s+(\S+)\s+default ", PARAMETERS_MD.read_text(), re.M):
            table[m.group(1)] = m.group(2)
    return table


def _dose_units() -> dict:
    """(input, dose_unit) -> the dose's units, from the doc of schedule.NAME.dose in
    docs/PARAMETERS.md: "Units by input: uv: ...; uv/med: ...; ..." as the simulator prints
    them (derm_schedule_dose_units), "(...)" around a dimensionless unit dropped."""
    if not PARAMETERS_MD.is_file():
        return {}
    m = re.search(r"^  schedule\.NAME\.dose .*\n((?:      .*\n)+)", PARAMETERS_MD.read_text(), re.M)
    doc = " ".join(line.strip() for line in m.group(1).splitlines()) if m else ""
    units = {}
    for item in doc.partition("Units by input:")[2].split(";"):
        name, sep, unit = item.partition(":")
        if not sep:
            continue
        inp, _, dose_unit = name.strip().partition("/")
        unit = unit.strip()
        units[(inp, dose_unit or "native")] = unit[1:-1] if unit.startswith("(") and unit.endswith(")") else unit
    return units


def _entry(sweep_dir: PathLike, name: str) -> dict:
    """Schedule entry `name` as the runs see it: a run's resolved config, else the sweep
    file's fixed `set:` over the base config (both copied into the sweep directory)."""
    try:
        import yaml
    except ImportError:
        return {}
    d = Path(sweep_dir)
    for p in sorted((d / "runs").glob("*/resolved.yaml")):
        try:
            e = ((yaml.safe_load(p.read_text()) or {}).get("schedule") or {}).get(name)
            if isinstance(e, dict):
                return e
        except Exception:
            continue
    e = {}
    try:
        base = yaml.safe_load((d / "base.yaml").read_text()) or {}
        e.update(((base.get("schedule") or {}).get(name)) or {})
        fixed = (yaml.safe_load((d / "sweep.yaml").read_text()) or {}).get("set") or {}
        e.update({k.split(".", 2)[2]: v for k, v in fixed.items() if k.startswith(f"schedule.{name}.")})
    except Exception:
        pass
    return e


def param_units(sweep_dir: PathLike, key: str) -> str:
    """Units of a swept key: the parameter table's, or for schedule.<entry>.dose those of
    the entry's input (from a run's resolved config); "" if unknown, "-" if dimensionless."""
    parts = key.split(".")
    if parts[0] == "schedule" and len(parts) == 3:
        if parts[2] == "dose":
            e = _entry(sweep_dir, parts[1])
            return _dose_units().get((e.get("input"), e.get("dose_unit", "native")), "")
        key = f"schedule.NAME.{parts[2]}"
    u = _param_table().get(key, "")
    return "-" if u == "1" else re.sub(r"\bum\b", "µm", u)


def param_label(sweep_dir: PathLike, key: str) -> str:
    """'key [units]' for an axis."""
    u = param_units(sweep_dir, key)
    return f"{key} [{u}]" if u else key


def _series_units(sweep_dir: PathLike, variable: str) -> str:
    try:
        import h5py
    except ImportError:
        return ""
    for p in sorted((Path(sweep_dir) / "runs").glob("*/run.h5")):
        try:
            with h5py.File(p, "r", locking=False) as f:
                if variable in f:
                    u = f[variable].attrs.get("units", "")
                    u = u.decode() if isinstance(u, bytes) else str(u)
                    return "-" if u == "1" else re.sub(r"\bum\b", "µm", u)
        except (OSError, TypeError):
            continue
    return ""


def endpoint_label(sweep_dir: PathLike, name: str) -> str:
    """What an endpoint measures, with units, from the sweep file's ``endpoints`` list
    (e.g. "collagen_total at 70 y / at 25 y [-]"); the bare name if it is not described."""
    try:
        import yaml
        spec = yaml.safe_load((Path(sweep_dir) / "sweep.yaml").read_text()) or {}
    except Exception:
        return name
    for e in spec.get("endpoints") or []:
        if not isinstance(e, dict) or e.get("name") != name:
            continue
        var, rel = e.get("variable", "?"), e.get("relative_to_age")
        if "time_to_fraction" in e:
            ref = f" of its value at {rel:g} y" if rel is not None else " of its first value"
            return f"age when {var} falls to {e['time_to_fraction']:g}{ref} [year]"
        where = f"at {e['at_age']:g} y" if "at_age" in e else "at the end"
        if rel is not None:
            return f"{var} {where} / at {rel:g} y [-]"
        u = _series_units(sweep_dir, var)
        return f"{var} {where} [{u}]" if u else f"{var} {where}"
    return name


def choose_x(summary: pd.DataFrame, factors: Sequence[str]) -> str:
    """The swept factor with the most distinct values (the first of equals): the x axis of
    a dose-response plot, the others become lines."""
    counts = [(summary[f].nunique(), -i, f) for i, f in enumerate(factors) if f in summary]
    if not counts:
        raise ValueError("no swept factor in the summary")
    return max(counts)[2]
