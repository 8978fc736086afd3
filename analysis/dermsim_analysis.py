"""Read a dermsim run (``run.h5``) into numpy / pandas / xarray.

Quick start (with ``analysis/`` on ``sys.path``)::

    import dermsim_analysis as da
    run = da.open_run("out/quickstart")        # a run directory or the run.h5 itself
    s = run.series                             # DataFrame of totals, index = age_years
    s["collagen_total"].plot()
    run.relative("collagen_total", ref_age=25) # value / value at the row nearest age 25
    f = run.field("collagen_intact")           # last frame: f.values is (z, y, x), plus f.x, f.y, f.z
    p = run.profile("mmp1")                    # p.values is (frame, z), p.age_years, p.z
    a = run.agents()                           # DataFrame of the agents of the last frame
    ds = run.dataset()                         # the whole file as a lazy xarray.Dataset

Units and long names of every variable: ``run.units(name)``, ``run.long_name(name)`` and
``run.label(name)`` ("long name [units]", for axis labels). Root attributes (seed,
config_text, software_version, ...) are in ``run.attrs``.

The file layout is described in ``/work/shared/OUTPUT.md`` (netCDF-4 style HDF5, all at the
root group: dims x, y, z, time, frame, agent; totals on ``time``; fields and ``*_profile``
on ``frame``; agents as a CF contiguous ragged array indexed by ``agent_count(frame)``).

Reading a run that is still being written
-----------------------------------------
HDF5 1.10 locks files: while the simulator has the file open, other readers (h5py, xarray,
ncdump) fail with "unable to lock file", and a reader holding the file can make a new
simulator run on the same path fail. Set the environment variable *before* Python starts
(HDF5 reads it once, when h5py is first imported)::

    export HDF5_USE_FILE_LOCKING=FALSE         # shell, before starting python / jupyter
    %env HDF5_USE_FILE_LOCKING=FALSE           # or first cell of a notebook, before imports

``open_run`` itself retries without locking when it meets a lock (same as
``open_run(path, locking=False)``), and then ``run.dataset()`` reads through a Python file
object, which takes no lock either. The loader tolerates variables that are a row or frame
behind others (it truncates to the common length); ``run.refresh()`` re-reads the file.
Runs that did not finish cleanly (root attribute ``completed`` = 0) open with an
:class:`IncompleteRunWarning`.
"""
from __future__ import annotations

import glob
import os
import warnings
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import h5py
import numpy as np
import pandas as pd

__all__ = [
    "open_run", "load_runs", "relative", "series_table", "resolve_run_path",
    "Run", "Field", "Profile", "IncompleteRunWarning", "InvalidRunError",
    "AGENT_STATES", "AGENT_TYPES", "RUN_FILENAME",
]

RUN_FILENAME = "run.h5"
#: default meaning of ``agent_state`` / ``agent_type`` codes (overridden by the file's
#: ``flag_values`` / ``flag_meanings`` attributes when present)
AGENT_STATES = {0: "quiescent", 1: "activated", 2: "senescent", 3: "apoptotic"}
AGENT_TYPES = {0: "fibroblast", 1: "stem"}

DIM_NAMES = ("x", "y", "z", "time", "frame", "agent")
# attributes that belong to HDF5 dimension scales / netCDF-4 bookkeeping, not to users
_INTERNAL_ATTRS = {"CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST", "_Netcdf4Dimid",
                   "_Netcdf4Coordinates", "_NCProperties", "_nc3_strict", "_IsNetcdf4"}
_DIM_ONLY_PREFIX = "This is a netCDF dimension but not a netCDF variable"

PathLike = Union[str, os.PathLike]


class IncompleteRunWarning(UserWarning):
    """The run did not finish cleanly (``completed`` = 0): data stop at the last flush."""


class InvalidRunError(ValueError):
    """The path exists but is not a dermsim run file."""


# --------------------------------------------------------------------------- helpers
def _decode(value):
    """HDF5 attribute -> plain python (str / int / float / list)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.shape == ():
            return _decode(value[()])
        if value.size == 1 and value.dtype.kind in "iufb":  # tolerate 1-element arrays
            return _decode(value.reshape(-1)[0])
        if value.dtype.kind in "SOU":
            return [_decode(v) for v in value.tolist()]
        return value
    if isinstance(value, np.generic):
        return _decode(value.item())
    return value


def _attrs(obj) -> Dict[str, object]:
    return {k: _decode(v) for k, v in obj.attrs.items() if k not in _INTERNAL_ATTRS}


def _is_dim_only(ds) -> bool:
    name = ds.attrs.get("NAME")
    if isinstance(name, (bytes, np.bytes_)):
        name = name.decode("ascii", "replace")
    return isinstance(name, str) and name.startswith(_DIM_ONLY_PREFIX)


def _guess_dims(name: str, ds) -> Tuple[Optional[str], ...]:
    """Dimension names when the file has no dimension scales (fallback only)."""
    if ds.ndim == 1 and name in DIM_NAMES:
        return (name,)
    if ds.ndim == 1 and name.startswith("agent_") and name != "agent_count":
        return ("agent",)
    if ds.ndim == 1 and (name.startswith("frame_") or name == "agent_count"):
        return ("frame",)
    if ds.ndim == 2 and name.endswith("_profile"):
        return ("frame", "z")
    if ds.ndim == 4:
        return ("frame", "z", "y", "x")
    if ds.ndim == 1:
        return ("time",)
    return (None,) * ds.ndim


def _dims(name: str, ds) -> Tuple[Optional[str], ...]:
    """Dimension names of a dataset from its attached HDF5 dimension scales."""
    if ds.ndim == 0:
        return ()
    try:
        if h5py.h5ds.is_scale(ds.id):
            return (name,) if ds.ndim == 1 else _guess_dims(name, ds)
        out = []
        for dim in ds.dims:
            scales = list(dim.values())
            out.append(scales[0].name.rsplit("/", 1)[-1] if scales else None)
        if all(d is not None for d in out):
            return tuple(out)
    except Exception:  # pragma: no cover - broken scale references
        pass
    return _guess_dims(name, ds)


def resolve_run_path(path: PathLike) -> Path:
    """A run directory (containing ``run.h5``) or a file path -> the ``.h5`` file path."""
    p = Path(path).expanduser()
    if p.is_dir():
        cand = p / RUN_FILENAME
        if cand.is_file():
            return cand
        h5s = sorted(p.glob("*.h5"))
        if len(h5s) == 1:
            return h5s[0]
        raise FileNotFoundError(f"no {RUN_FILENAME} in directory {p}")
    if not p.exists():
        raise FileNotFoundError(f"run file not found: {p}")
    return p


def _nearest_index(values: Sequence[float], target: float) -> int:
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        raise IndexError("empty axis")
    return int(np.nanargmin(np.abs(arr - float(target))))


# --------------------------------------------------------------------------- results
class Field(NamedTuple):
    """One 3-D field at one frame. ``values`` is (z, y, x); coordinates in um."""
    name: str
    values: np.ndarray
    z: np.ndarray
    y: np.ndarray
    x: np.ndarray
    frame: int
    age_years: float
    time: float
    units: str
    long_name: str

    def xz(self, y: Optional[float] = None) -> np.ndarray:
        """(z, x) slice at lateral position ``y`` um (default: middle of the domain)."""
        j = self.values.shape[1] // 2 if y is None else _nearest_index(self.y, y)
        return self.values[:, j, :]

    def xy(self, depth: Optional[float] = None) -> np.ndarray:
        """(y, x) slice at ``depth`` um below the DEJ (default: middle depth)."""
        k = self.values.shape[0] // 2 if depth is None else _nearest_index(self.z, depth)
        return self.values[k, :, :]


class Profile(NamedTuple):
    """Laterally averaged depth profile over frames. ``values`` is (frame, z)."""
    name: str
    values: np.ndarray
    age_years: np.ndarray
    time: np.ndarray
    z: np.ndarray
    units: str
    long_name: str

    def to_frame(self) -> pd.DataFrame:
        """DataFrame with index age_years and one column per depth z (um)."""
        return pd.DataFrame(self.values, index=pd.Index(self.age_years, name="age_years"),
                            columns=pd.Index(self.z, name="z"))


class _SeriesFrame(pd.DataFrame):
    """A DataFrame that can also be called: ``run.series`` and ``run.series()`` both work."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def __call__(self) -> pd.DataFrame:
        return self


class _Var(NamedTuple):
    dims: Tuple[Optional[str], ...]
    shape: Tuple[int, ...]
    dtype: np.dtype
    attrs: Dict[str, object]


# --------------------------------------------------------------------------- Run
class Run:
    """A dermsim run file. Create with :func:`open_run`.

    Data are read on demand with short-lived h5py handles (no file stays open), so a run
    that is still being written can be re-read with :meth:`refresh`.
    """

    def __init__(self, path: PathLike, *, locking: Optional[bool] = None,
                 warn_incomplete: bool = True):
        self.path = resolve_run_path(path)
        self._h5kw = {} if locking is None else {"locking": locking}
        self.name = (self.path.parent.name if self.path.name == RUN_FILENAME
                     and self.path.parent.name else self.path.stem)
        self.refresh()
        if warn_incomplete and not self.completed:
            warnings.warn(f"run {self.path} is incomplete (completed=0): it was killed or is "
                          f"still running; data end at age {self._last_age():.3g} years",
                          IncompleteRunWarning, stacklevel=3)

    # ---- opening / catalogue
    def _open(self) -> h5py.File:
        return h5py.File(self.path, "r", **self._h5kw)

    def refresh(self) -> "Run":
        """Re-read the catalogue and drop cached data (for a file still being written)."""
        if not h5py.is_hdf5(self.path):
            raise InvalidRunError(f"not an HDF5 file: {self.path}")
        try:
            f = self._open()
        except OSError as exc:
            if "lock" not in str(exc) or self._h5kw.get("locking") is False:
                raise InvalidRunError(f"cannot open {self.path}: {exc}") from exc
            # the simulator (or another program) holds a lock: read without locking
            self._h5kw = {"locking": False}
            f = self._open()
        with f:
            self.attrs: Dict[str, object] = _attrs(f)
            variables: Dict[str, _Var] = {}
            for name, obj in f.items():
                if not isinstance(obj, h5py.Dataset) or _is_dim_only(obj):
                    continue
                variables[name] = _Var(_dims(name, obj), obj.shape, obj.dtype, _attrs(obj))
            self.variables = variables
            if "time" not in variables:
                raise InvalidRunError(f"not a dermsim run file (no 'time' variable): {self.path}")
            self._coords = {c: np.asarray(f[c][...], dtype=float)
                            for c in ("x", "y", "z") if c in variables}
            self._read_frames(f)
        self._series = None
        return self

    def _read_frames(self, f: h5py.File) -> None:
        v = self.variables
        if "frame_time" in v:
            t_name = "frame_time"
        elif "frame" in v:
            t_name = "frame"
        else:
            t_name = None
        # every variable on the frame dimension (fields and profiles too), so that all
        # reported frames are readable even while the simulator is appending one
        lengths = [var.shape[0] for var in v.values() if var.dims[:1] == ("frame",)]
        if t_name:
            lengths.append(v[t_name].shape[0])
        n = min(lengths) if lengths else 0
        self._frame_time = (np.asarray(f[t_name][:n], dtype=float) if t_name
                            else np.full(n, np.nan))
        if "frame_age_years" in v:
            self._frame_age = np.asarray(f["frame_age_years"][:n], dtype=float)
        else:  # derive from the series
            t = np.asarray(f["time"][...], dtype=float)
            a = np.asarray(f["age_years"][: len(t)], dtype=float) if "age_years" in v else t / 365.25
            m = min(len(t), len(a))
            self._frame_age = (np.interp(self._frame_time, t[:m], a[:m]) if m
                               else np.full(n, np.nan))
        self._frame_step = (np.asarray(f["frame_step"][:n]) if "frame_step" in v
                            else np.full(n, -1, dtype=np.int64))
        self._agent_count = (np.asarray(f["agent_count"][:n], dtype=np.int64)
                             if "agent_count" in v else None)

    # ---- metadata
    @property
    def completed(self) -> bool:
        """True if the simulator finished cleanly (root attribute ``completed`` = 1)."""
        try:
            return bool(int(self.attrs.get("completed", 0)))
        except (TypeError, ValueError):
            return False

    def units(self, name: str) -> str:
        return str(self.variables[name].attrs.get("units", ""))

    def long_name(self, name: str) -> str:
        """The variable's ``long_name`` (else its ``description``, else its name)."""
        a = self.variables[name].attrs
        return str(a.get("long_name") or a.get("description") or name)

    def label(self, name: str) -> str:
        """'long name [units]' for axis labels (dimensionless "1" shown as "-")."""
        u = self.units(name)
        u = "-" if u == "1" else u
        return f"{self.long_name(name)} [{u}]" if u else self.long_name(name)

    def vars_on(self, *dims: str) -> List[str]:
        """Names of the variables whose dimensions are exactly ``dims``."""
        return [n for n, v in self.variables.items() if v.dims == tuple(dims)]

    @property
    def fields(self) -> List[str]:
        """3-D fields stored per frame, e.g. ['collagen_intact', 'mmp1', ...]."""
        return self.vars_on("frame", "z", "y", "x")

    @property
    def profiles(self) -> List[str]:
        """Fields with a stored depth profile (names without the ``_profile`` suffix)."""
        return [n[: -len("_profile")] for n in self.vars_on("frame", "z") if n.endswith("_profile")]

    @property
    def x(self) -> np.ndarray:
        return self._coords.get("x", np.array([]))

    @property
    def y(self) -> np.ndarray:
        return self._coords.get("y", np.array([]))

    @property
    def z(self) -> np.ndarray:
        """Cell-centre depth below the dermal-epidermal junction (um)."""
        return self._coords.get("z", np.array([]))

    @property
    def frames(self) -> List[float]:
        """Ages (years) of the stored frames, in frame order."""
        return [float(a) for a in self._frame_age]

    @property
    def frame_times(self) -> np.ndarray:
        """Simulated time (days) of the stored frames."""
        return self._frame_time.copy()

    @property
    def frame_steps(self) -> np.ndarray:
        """Simulation step of the stored frames."""
        return self._frame_step.copy()

    @property
    def n_frames(self) -> int:
        return len(self._frame_age)

    @property
    def agent_count(self) -> np.ndarray:
        """Number of agent rows per frame (empty if the run stored no agents)."""
        return (self._agent_count.copy() if self._agent_count is not None
                else np.zeros(0, dtype=np.int64))

    def _last_age(self) -> float:
        try:
            s = self.series
            return float(s.index[-1]) if len(s) else float("nan")
        except Exception:
            return float("nan")

    def __repr__(self) -> str:
        s = self.series
        ages = f"{s.index[0]:.4g}-{s.index[-1]:.4g} y" if len(s) else "empty"
        return (f"<dermsim Run {self.name!r}: {len(s)} rows ({ages}), {self.n_frames} frames, "
                f"grid {len(self.z)}x{len(self.y)}x{len(self.x)} (z,y,x), "
                f"{'completed' if self.completed else 'INCOMPLETE'}, path={str(self.path)!r}>")

    # ---- series
    @property
    def series(self) -> pd.DataFrame:
        """Totals on the ``time`` dimension as a DataFrame indexed by ``age_years``.

        Columns include ``time`` (day) and ``step``. Units and long names are in
        ``df.attrs['units']`` / ``df.attrs['long_name']``. Both ``run.series`` and
        ``run.series()`` work.
        """
        if self._series is None:
            self._series = self._read_series()
        return self._series

    def _read_series(self) -> pd.DataFrame:
        names = self.vars_on("time")
        with self._open() as f:
            cols = {n: np.asarray(f[n][...]) for n in names}
        n = min((len(c) for c in cols.values()), default=0)
        cols = {k: c[:n] for k, c in cols.items()}
        if "age_years" in cols:
            index = pd.Index(cols.pop("age_years").astype(float), name="age_years")
        else:
            index = pd.Index(cols["time"].astype(float) / 365.25, name="age_years")
        order = ["time", "step"] + sorted(k for k in cols if k not in ("time", "step"))
        df = _SeriesFrame({k: cols[k] for k in order if k in cols}, index=index)
        df.attrs["units"] = {k: self.units(k) for k in names}
        df.attrs["long_name"] = {k: self.long_name(k) for k in names}
        df.attrs["run"] = self.name
        return df

    def relative(self, name: str, ref_age: float = 25.0) -> pd.Series:
        """``series[name]`` divided by its value at the row whose age is closest to ``ref_age``."""
        return relative(self.series[name], ref_age=ref_age)

    def dataset(self, **kwargs):
        """The whole file as a lazily loaded ``xarray.Dataset`` (engine h5netcdf).

        Use as ``with run.dataset() as ds: ...`` to close the file afterwards. Note that the
        ``frame`` dimension's times are the data variable ``frame_time`` (day).
        """
        import xarray as xr
        kwargs.setdefault("engine", "h5netcdf")
        kwargs.setdefault("phony_dims", "access")
        if self._h5kw.get("locking") is False:
            # through a Python file object HDF5 takes no file lock
            return xr.open_dataset(open(self.path, "rb"), **kwargs)
        return xr.open_dataset(self.path, **kwargs)

    # ---- frames
    def frame_index(self, frame: Optional[int] = -1, age: Optional[float] = None) -> int:
        """Normalise a frame number (negative counts from the end) or an age to an index."""
        n = self.n_frames
        if n == 0:
            raise IndexError(f"run {self.name} has no frames")
        if age is not None:
            return _nearest_index(self._frame_age, age)
        k = int(frame)
        if not -n <= k < n:
            raise IndexError(f"frame {frame} out of range (run has {n} frames)")
        return k % n

    def field(self, name: str, frame: int = -1, age: Optional[float] = None) -> Field:
        """A 3-D field (z, y, x) at frame ``frame`` (default: last) or nearest to ``age``."""
        if name not in self.variables:
            raise KeyError(f"field {name!r} not in run (available: {', '.join(self.fields)})")
        k = self.frame_index(frame, age)
        with self._open() as f:
            ds = f[name]
            if k >= ds.shape[0]:
                raise IndexError(f"frame {k} of {name!r} not written yet")
            data = np.asarray(ds[k])
        return Field(name, data, self.z, self.y, self.x, k, float(self._frame_age[k]),
                     float(self._frame_time[k]), self.units(name), self.long_name(name))

    def profile(self, name: str) -> Profile:
        """Depth profile (frame, z) of a field; ``name`` with or without ``_profile``.

        Uses the stored ``<name>_profile``; if absent but the 3-D field exists, it is
        computed as the lateral (x, y) mean of the field.
        """
        base = name[: -len("_profile")] if name.endswith("_profile") else name
        pname = base + "_profile"
        with self._open() as f:
            if pname in self.variables:
                vals = np.asarray(f[pname][: self.n_frames], dtype=float)
                units, lname = self.units(pname), self.long_name(pname)
            elif base in self.variables and self.variables[base].dims == ("frame", "z", "y", "x"):
                ds = f[base]
                m = min(self.n_frames, ds.shape[0])
                vals = np.stack([np.asarray(ds[k], dtype=float).mean(axis=(1, 2))
                                 for k in range(m)]) if m else np.zeros((0, len(self.z)))
                units, lname = self.units(base), self.long_name(base) + " (lateral mean)"
            else:
                raise KeyError(f"no profile or field {base!r} in run "
                               f"(profiles: {', '.join(self.profiles)})")
        m = vals.shape[0]
        return Profile(base, vals, self._frame_age[:m].copy(), self._frame_time[:m].copy(),
                       self.z, units, lname)

    # ---- agents
    def _agent_columns(self) -> List[str]:
        return [n for n in self.vars_on("agent")]

    def _flag_names(self, col: str, default: Dict[int, str]) -> Dict[int, str]:
        attrs = self.variables[col].attrs if col in self.variables else {}
        vals, meanings = attrs.get("flag_values"), attrs.get("flag_meanings")
        if vals is None or not isinstance(meanings, str):
            return dict(default)
        vals = np.atleast_1d(np.asarray(vals)).tolist()
        words = meanings.split()
        if len(words) != len(vals):
            return dict(default)
        return {int(v): w for v, w in zip(vals, words)}

    def agents(self, frame: int = -1, age: Optional[float] = None) -> pd.DataFrame:
        """Agents of one frame (default: last) as a DataFrame.

        Columns are the ``agent_*`` variables without the prefix (``id``, ``type``,
        ``state``, ``x``, ``y``, ``z``, ``divisions``, ``damage``, ...) plus categorical
        ``type_name`` and ``state_name``. ``df.attrs`` holds frame, age_years, time, units.
        """
        k = self.frame_index(frame, age)
        counts = self.agent_count
        if counts.size == 0:
            raise KeyError(f"run {self.name} has no agents (no agent_count variable)")
        start, stop = int(counts[:k].sum()), int(counts[: k + 1].sum())
        cols = self._agent_columns()
        with self._open() as f:
            avail = min((f[c].shape[0] for c in cols), default=0)
            if stop > avail:
                raise IndexError(f"agents of frame {k} not fully written yet "
                                 f"(need rows up to {stop}, file has {avail})")
            data = {c[len("agent_"):] if c.startswith("agent_") else c: np.asarray(f[c][start:stop])
                    for c in cols}
        first = [c for c in ("id", "type", "state", "x", "y", "z") if c in data]
        df = pd.DataFrame({c: data[c] for c in first + [c for c in data if c not in first]})
        for col, default in (("type", AGENT_TYPES), ("state", AGENT_STATES)):
            if col in df:
                names = self._flag_names("agent_" + col, default)
                cats = [names[c] for c in sorted(names)]
                df[col + "_name"] = pd.Categorical(df[col].map(names), categories=cats)
        df.attrs.update(frame=k, age_years=float(self._frame_age[k]),
                        time=float(self._frame_time[k]),
                        units={c[len("agent_"):]: self.units(c) for c in cols})
        return df

    def all_agents(self) -> pd.DataFrame:
        """Agents of every frame in one DataFrame, with ``frame`` and ``age_years`` columns."""
        parts = []
        for k in range(self.n_frames):
            df = self.agents(k)
            df.insert(0, "age_years", df.attrs["age_years"])
            df.insert(0, "frame", k)
            parts.append(df)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


# --------------------------------------------------------------------------- functions
def open_run(path: PathLike, *, locking: Optional[bool] = None,
             warn_incomplete: bool = True) -> Run:
    """Open a run: ``path`` is a run directory (with ``run.h5``) or an ``.h5`` file.

    ``locking=False`` disables HDF5 file locking for this file (same effect as
    ``HDF5_USE_FILE_LOCKING=FALSE``). Raises FileNotFoundError or InvalidRunError.
    """
    return Run(path, locking=locking, warn_incomplete=warn_incomplete)


def load_runs(paths: Union[PathLike, Iterable[PathLike]], **kwargs) -> Dict[str, Run]:
    """Open several runs: a list of dirs/files, or a glob pattern like ``"out/sweep_*"``.

    Returns ``{run name: Run}`` in the given (or sorted glob) order; duplicate names get
    a ``#2``, ``#3`` suffix.
    """
    if isinstance(paths, (str, os.PathLike)):
        p = os.path.expanduser(str(paths))
        paths = sorted(glob.glob(p)) if glob.has_magic(p) else [p]
        if not paths:
            raise FileNotFoundError(f"no runs match {p}")
    runs: Dict[str, Run] = {}
    for p in paths:
        run = open_run(p, **kwargs)
        key, i = run.name, 2
        while key in runs:
            key, i = f"{run.name}#{i}", i + 1
        runs[key] = run
    return runs


def relative(data, name: Optional[str] = None, ref_age: float = 25.0):
    """Divide by the value at the row whose age (index) is closest to ``ref_age``.

    ``data`` is a pandas Series indexed by age, a DataFrame (``name`` selects a column;
    without it all columns are scaled), or a :class:`Run` (``name`` required).
    A zero or NaN reference gives NaN (with a warning).
    """
    if isinstance(data, Run):
        if name is None:
            raise TypeError("relative(run, name): name required")
        data = data.series
    if isinstance(data, pd.DataFrame):
        if name is not None:
            data = data[name]
        else:
            return pd.DataFrame({c: relative(data[c], ref_age=ref_age) for c in data.columns},
                                index=data.index)
    s = pd.Series(data)
    if len(s) == 0:
        return s.astype(float)
    i = _nearest_index(np.asarray(s.index, dtype=float), ref_age)
    ref = float(s.iloc[i])
    if ref == 0.0 or not np.isfinite(ref):
        warnings.warn(f"relative({s.name}): reference value at age {s.index[i]} is {ref}",
                      RuntimeWarning, stacklevel=2)
        return s.astype(float) * np.nan
    out = s.astype(float) / ref
    out.name = s.name
    return out


def series_table(runs: Union[Dict[str, Run], Sequence[Run]], name: str,
                 ref_age: Optional[float] = None) -> pd.DataFrame:
    """One series from several runs side by side (columns = run names, index = age).

    With ``ref_age`` each run is divided by its own value nearest that age.
    """
    items = runs.items() if isinstance(runs, dict) else ((r.name, r) for r in runs)
    cols = {}
    for key, run in items:
        s = run.series[name]
        cols[key] = relative(s, ref_age=ref_age) if ref_age is not None else s
    return pd.concat(cols, axis=1)
