"""Read a dermsim run (``run.h5``) as xarray objects (and pandas tables for convenience).

Quick start (with ``analysis/`` on ``sys.path``)::

    import dermsim_analysis as da
    run = da.open_run("out/quickstart")        # a run directory or the run.h5 itself
    t = run.totals                             # xarray.Dataset of the series on ``time``
    t["collagen_total"].sel(age_years=60, method="nearest")
    da.by_age(t["collagen_total"])             # the same with age_years as the dimension
    s = run.series                             # pandas DataFrame of the same, index = age_years
    run.relative("collagen_total", ref_age=25) # value / value at the row nearest age 25
    f = run.field("collagen_intact", age=60)   # DataArray (z, y, x), coords x, y, z in um
    f.sel(z=100, method="nearest").plot()      # an x-y slice 100 um below the DEJ
    p = run.profile("mmp1")                    # DataArray (frame, z)
    a = run.agents()                           # DataFrame of the agents of the last frame
    with run.dataset() as ds: ...              # the whole run as a lazy xarray.Dataset

Coordinates: ``x``, ``y``, ``z`` (um, cell centres; ``z`` is the depth below the
dermal-epidermal junction); on ``time``: ``time`` (day), ``step`` and ``age_years`` (with
an index, so ``.sel(age_years=...)`` works); on ``frame``: ``frame`` (0, 1, ...),
``frame_time`` (day), ``frame_step`` and ``frame_age_years`` (indexed too). Units and long
names stay in each variable's ``.attrs`` (``run.units(name)``, ``run.long_name(name)``,
``run.label(name)`` = "long name [units]" for axis labels). Root attributes (seed,
config_text, software_version, ...) are in ``run.attrs``.

Agents are a ragged array (a different number of rows per frame), so ``run.agents(frame)``
returns one frame as a pandas DataFrame and ``run.all_agents()`` all frames in one table
with ``frame`` and ``age_years`` columns; the raw ragged table is ``run.dataset()`` on the
``agent`` dimension with ``agent_count`` on ``frame``.

The file layout is described in the repository README, section "Output: run.h5"
(netCDF-4-compatible HDF5, everything at the root group: dimensions x, y, z, time, frame,
agent; series on ``time``; fields ``(frame, z, y, x)`` and ``*_profile`` ``(frame, z)``;
agents as a CF contiguous ragged array indexed by ``agent_count(frame)``). Files without
netCDF dimension scales are rejected (:class:`InvalidRunError`).

Changed (from the NamedTuple / DataFrame-subclass version of this module)
-------------------------------------------------------------------------
- ``run.field(name, ...)`` returns an ``xarray.DataArray`` (z, y, x) instead of the
  NamedTuple ``Field``: ``f.values`` is unchanged; ``f.x/f.y/f.z`` are coordinate
  DataArrays (``f.x.values`` for numpy); ``f.frame``, ``f.frame_age_years``,
  ``f.frame_time`` are scalar coordinates (``int(f.frame)``, ``float(f.frame_age_years)``)
  where ``Field`` had ``frame``, ``age_years``, ``time``; ``f.units``/``f.long_name`` are
  ``f.attrs["units"]``/``f.attrs["long_name"]``; ``f.xz(y)``/``f.xy(depth)`` are
  ``f.sel(y=y, method="nearest")``/``f.sel(z=depth, method="nearest")``.
  ``run.field(name, frame=None)`` returns all frames (frame, z, y, x).
- ``run.profile(name)`` returns a DataArray (frame, z) named ``<name>_profile`` instead of
  ``Profile``: ``p.age_years`` is ``p.frame_age_years``; ``p.to_frame()`` is
  ``da.by_age(p).to_pandas()``; units in ``p.attrs``.
- ``run.series()`` (calling the DataFrame) no longer works: use ``run.series``.
- ``run.variables`` maps names to ``xarray.Variable`` (``.dims``, ``.shape``, ``.dtype``,
  ``.attrs``; metadata only, the file is closed) and includes the coordinates.
- ``run.dataset()`` has the coordinates above set and is cut to the common length.
- ``series_table`` aligns runs on a sorted common age axis (union of their ages, each run
  interpolated linearly, NaN outside its own age range) instead of concatenating indexes.
- ``Field``, ``Profile`` are gone; new: ``run.totals``, ``by_age``.

Reading a run that is still being written
-----------------------------------------
HDF5 1.10 locks files: while the simulator has the file open, other readers (h5py, xarray,
ncdump) fail with "unable to lock file", and a reader holding the file can make a new
simulator run on the same path fail. Set the environment variable *before* Python starts
(HDF5 reads it once, when h5py is first imported)::

    export HDF5_USE_FILE_LOCKING=FALSE         # shell, before starting python / jupyter
    %env HDF5_USE_FILE_LOCKING=FALSE           # or first cell of a notebook, before imports

``open_run`` itself retries without locking when it meets a lock (same as
``open_run(path, locking=False)``; the run then opens the file with h5py's
``locking=False``, for ``run.dataset()`` too). A :class:`Run` keeps no file open between
calls. Variables that are a row or frame behind others (caught mid-write) are cut to the
common length; ``run.refresh()`` re-reads the file. Runs that did not finish cleanly (root
attribute ``completed`` = 0) open with an :class:`IncompleteRunWarning`.

Integrity
---------
The simulator stores a CRC-32 of every series row (``row_checksum``) and of every frame
(``frame_checksum``; README, "Output: run.h5"). Opening a run checks every series row
against its checksum and raises :class:`DamagedRunError` naming the first row that fails
(``verify=False`` skips the check); ``run.verify()`` checks the frames too (fields,
profiles and agent rows: it reads the whole file, as ``dermsim info --verify`` does). In a
run that did not complete (``completed`` = 0), a last row or frame that fails was caught
mid-write: it is left out, not an error, as ``dermsim info`` does.
Fields and profiles also carry HDF5's Fletcher32 chunk checksum, which h5py checks on every
read. Files of dermsim versions before the checksums are read without them.
"""
from __future__ import annotations

import contextlib
import glob
import os
import warnings
import zlib
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

import h5netcdf
import h5py
import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "open_run", "load_runs", "relative", "series_table", "resolve_run_path", "by_age",
    "Run", "IncompleteRunWarning", "InvalidRunError", "DamagedRunError",
    "AGENT_STATES", "AGENT_TYPES", "RUN_FILENAME",
]

RUN_FILENAME = "run.h5"
#: default meaning of ``agent_state`` / ``agent_type`` codes (overridden by the file's
#: ``flag_values`` / ``flag_meanings`` attributes when present)
AGENT_STATES = {0: "quiescent", 1: "activated", 2: "senescent", 3: "apoptotic"}
AGENT_TYPES = {0: "fibroblast", 1: "stem"}

#: variables stored as data that are coordinates of the ``time`` / ``frame`` dimensions
_COORDS = ("step", "age_years", "frame_time", "frame_step", "frame_age_years")
#: integrity checks the writer adds (CRC-32 of each row / frame; `dermsim info` verifies them)
_CHECKS = ("row_checksum", "frame_checksum")
_GROWING = ("time", "frame", "agent")  # unlimited dimensions, appended while running
_FIELD_DIMS = ("frame", "z", "y", "x")

PathLike = Union[str, os.PathLike]


class IncompleteRunWarning(UserWarning):
    """The run did not finish cleanly (``completed`` = 0): data stop at the last flush."""


class InvalidRunError(ValueError):
    """The path exists but is not a dermsim run file."""


class DamagedRunError(InvalidRunError):
    """A series row or a frame does not match the checksum the simulator stored with it."""


#: the ``coordinates`` attribute of a series (a variable on ``time``), as the writer sets it
_SERIES_COORDS = "step age_years"
#: that of a variable on ``frame`` (fields, profiles, agent_count)
_FRAME_COORDS = "frame_time frame_step frame_age_years"


def _attr_str(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _attr_str(value[()])
    return "" if value is None else str(value)


def _datasets(f: h5py.File) -> Dict[str, h5py.Dataset]:
    """The root's datasets (hard links) in creation order, the order the simulator wrote
    them (by name in a file without that index)."""
    names: List[str] = []
    try:
        f.id.links.iterate(lambda n: names.append(n.decode()), idx_type=h5py.h5.INDEX_CRT_ORDER)
    except (KeyError, ValueError, RuntimeError):
        names = sorted(f.keys())
    return {m: f[m] for m in names
            if isinstance(f.get(m, getlink=True), h5py.HardLink) and isinstance(f[m], h5py.Dataset)}


def _crc_rows(columns: Sequence[np.ndarray]) -> np.ndarray:
    """CRC-32 of each row of the columns' little-endian bytes, concatenated in order."""
    n = len(columns[0]) if columns else 0
    parts = [np.ascontiguousarray(c.astype(c.dtype.newbyteorder("<"), copy=False))
             .view(np.uint8).reshape(n, -1) for c in columns]
    mat = np.ascontiguousarray(np.concatenate(parts, axis=1)) if parts else np.zeros((n, 0), np.uint8)
    return np.fromiter((zlib.crc32(row) for row in mat), dtype=np.uint32, count=n)


def _completed(attrs) -> bool:
    """The root attribute ``completed`` is 1 (the run finished cleanly)."""
    try:
        return bool(int(np.asarray(attrs.get("completed", 0)).reshape(-1)[0]))
    except (TypeError, ValueError, IndexError):
        return False


def _verify_rows(f: h5py.File, path: Path, n: int, forgive_last: bool = False) -> int:
    """Check the first ``n`` series rows against ``row_checksum`` (as ``dermsim info``):
    time, step, age_years, then every series (variables with the series' ``coordinates``,
    in creation order) as float64. Returns the rows that passed (0 without checksums):
    ``n``, or ``n - 1`` when ``forgive_last`` (a run that did not complete) and only the
    last row fails, a row caught mid-write, not counted (as ``dermsim info``)."""
    if "row_checksum" not in f or n <= 0:
        return 0
    names = [m for m, d in _datasets(f).items() if _attr_str(d.attrs.get("coordinates")) == _SERIES_COORDS]
    cols = [f["time"][:n].astype("<f8"), f["step"][:n].astype("<i8"),
            f["age_years"][:n].astype("<f8")] + [f[m][:n].astype("<f8") for m in names]
    stored = f["row_checksum"][:n].astype(np.uint32)
    bad = np.flatnonzero(_crc_rows(cols) != stored)
    if forgive_last and bad.size == 1 and int(bad[0]) == n - 1:
        return n - 1
    if bad.size:
        i = int(bad[0])
        raise DamagedRunError(
            f"{path}: series row {i} (step {int(cols[1][i])}, age {float(cols[2][i]):.6g} years) "
            f"fails its checksum ({bad.size} of {n} rows do): the file is damaged; "
            f"`dermsim info --verify {path}` checks the whole file")
    return n


def _verify_frames(f: h5py.File, path: Path, nframes: int, forgive_last: bool = False) -> int:
    """Check the first ``nframes`` frames against ``frame_checksum`` in the writer's order:
    frame_time, frame_step, frame_age_years; each variable on (frame, z) in creation order,
    a field's values (float32) before its ``<field>_profile``; then agent_count and the
    frame's rows of every agent column in creation order, in their stored types. A chunk
    HDF5 cannot read (its Fletcher32 fails) is damage too. Returns the frames that passed:
    ``nframes``, or ``nframes - 1`` when ``forgive_last`` and only the last one fails."""
    if "frame_checksum" not in f or nframes <= 0:
        return 0
    dsets = _datasets(f)
    on_frame = [m for m, d in dsets.items()
                if _attr_str(d.attrs.get("coordinates")) == _FRAME_COORDS and d.ndim == 2]
    fields = {m for m, d in dsets.items() if d.ndim == 4}
    has_agents = "agent_count" in dsets
    agent_cols = [m for m, d in dsets.items()
                  if m.startswith("agent_") and m != "agent_count" and d.ndim == 1] if has_agents else []
    ft, fs, fa = (f["frame_time"][:nframes].astype("<f8"), f["frame_step"][:nframes].astype("<i8"),
                  f["frame_age_years"][:nframes].astype("<f8"))
    stored = f["frame_checksum"][:nframes].astype(np.uint32)
    counts = f["agent_count"][:nframes].astype("<i8") if has_agents else None
    off = 0
    for k in range(nframes):
        try:
            ok = _frame_crc(dsets, on_frame, fields, agent_cols, counts, ft, fs, fa, k, off) == int(stored[k])
        except OSError as exc:  # a chunk that fails HDF5's Fletcher32 (or cannot be read)
            if forgive_last and k == nframes - 1:
                return k
            raise DamagedRunError(f"{path}: frame {k} (step {int(fs[k])}, age {float(fa[k]):.6g} years) "
                                  f"is unreadable: {exc}; `dermsim info --verify {path}` checks the "
                                  f"whole file") from exc
        if not ok:
            if forgive_last and k == nframes - 1:
                return k
            raise DamagedRunError(f"{path}: frame {k} (step {int(fs[k])}, age {float(fa[k]):.6g} years) "
                                  f"fails its checksum: the file is damaged; `dermsim info --verify "
                                  f"{path}` checks the whole file")
        if counts is not None:
            off += int(counts[k])
    return nframes


def _frame_crc(dsets, on_frame, fields, agent_cols, counts, ft, fs, fa, k: int, off: int) -> int:
    """The CRC-32 of frame k as the writer computes it (see _verify_frames); its agent rows
    start at row ``off``."""
    c = zlib.crc32(ft[k:k + 1].tobytes())
    c = zlib.crc32(fs[k:k + 1].tobytes(), c)
    c = zlib.crc32(fa[k:k + 1].tobytes(), c)
    for m in on_frame:
        field = m[:-len("_profile")] if m.endswith("_profile") else None
        if field in fields:
            c = zlib.crc32(np.ascontiguousarray(dsets[field][k], dtype="<f4").tobytes(), c)
        c = zlib.crc32(np.ascontiguousarray(dsets[m][k], dtype="<f8").tobytes(), c)
    if counts is not None:
        na = int(counts[k])
        c = zlib.crc32(counts[k:k + 1].tobytes(), c)
        for m in agent_cols:
            rows = dsets[m][off:off + na]
            c = zlib.crc32(np.ascontiguousarray(rows, dtype=rows.dtype.newbyteorder("<")).tobytes(), c)
    return c


def resolve_run_path(path: PathLike) -> Path:
    """A run directory (containing ``run.h5``) or a file path -> the ``.h5`` file path."""
    p = Path(path).expanduser()
    if p.is_dir():
        cand = p / RUN_FILENAME
        if cand.is_file():
            return cand
        partial = p / "run.partial.h5"  # a run still going, interrupted or killed
        if partial.is_file():
            return partial
        h5s = sorted(p.glob("*.h5"))
        if len(h5s) == 1:
            return h5s[0]
        raise FileNotFoundError(f"no {RUN_FILENAME} in directory {p}")
    if not p.exists():
        raise FileNotFoundError(f"run file not found: {p}")
    return p


def _plain(value):
    """numpy scalar attribute -> python scalar (attributes are otherwise as xarray reads them)."""
    return value.item() if isinstance(value, np.generic) else value


class _SnapshotVariable(h5netcdf.Variable):
    """h5netcdf 1.1 recomputes the length of an unlimited dimension from every variable
    attached to it at each ``Variable.shape`` (h5netcdf issue #195): quadratic in the
    number of variables, seconds per open of a run file. A read-only file is one snapshot,
    so the lengths are computed once per opened file (same values, falls back to
    h5netcdf's own ``shape`` if its internals differ)."""

    @property
    def shape(self):
        try:
            sizes = self._root.__dict__.setdefault("_dermsim_dim_sizes", {})
            dims = self.dimensions
            for d in dims:
                if d not in sizes:
                    sizes[d] = self._parent._all_dimensions[d].size
            return tuple(sizes[d] for d in dims)
        except Exception:  # pragma: no cover - other h5netcdf versions
            return super().shape


class _SnapshotFile(h5netcdf.File):
    _variable_cls = _SnapshotVariable


def _open_raw(path: Path, h5kw: dict, **kwargs) -> xr.Dataset:
    """The file as xarray reads it (lazy, nothing renamed or cut). ``h5kw`` goes to h5py."""
    f = _SnapshotFile(str(path), "r", phony_dims="access", **h5kw)
    kwargs.setdefault("decode_timedelta", False)
    try:
        return xr.open_dataset(xr.backends.H5NetCDFStore(f), **kwargs)
    except BaseException:
        f.close()
        raise


def by_age(obj):
    """``obj`` (Dataset or DataArray) with age as its dimension: ``time`` -> ``age_years``
    and ``frame`` -> ``frame_age_years``.

    Use this instead of a bare ``swap_dims``: the index that makes ``.sel(age_years=...)``
    work on ``time`` must be dropped first (xarray 2023.01 keeps it, stale, otherwise).
    """
    swaps = {d: a for d, a in (("time", "age_years"), ("frame", "frame_age_years"))
             if d in obj.dims and a in obj.coords}
    stale = [a for a in swaps.values() if a in obj.xindexes]
    return obj.drop_indexes(stale).swap_dims(swaps)


# --------------------------------------------------------------------------- Run
class Run:
    """A dermsim run file. Create with :func:`open_run`.

    The catalogue (variables, coordinates, series) is read by :meth:`refresh`; fields,
    profiles and agents are read on demand, each time opening and closing the file, so a
    run that is still being written can be re-read with :meth:`refresh`.
    """

    def __init__(self, path: PathLike, *, locking: Optional[bool] = None,
                 warn_incomplete: bool = True, verify: bool = True):
        self.path = resolve_run_path(path)
        self._h5kw = {} if locking is None else {"locking": locking}
        self._verify = verify
        #: series rows checked against their checksums at the last (re)read (0: none stored,
        #: or ``verify=False``)
        self.rows_verified = 0
        self.name = (self.path.parent.name if self.path.name == RUN_FILENAME
                     and self.path.parent.name else self.path.stem)
        self.refresh()
        if warn_incomplete and not self.completed:
            warnings.warn(f"run {self.path} is incomplete (completed=0): it was killed or is "
                          f"still running; data end at age {self._last_age():.3g} years",
                          IncompleteRunWarning, stacklevel=3)

    # ---- opening / catalogue
    @contextlib.contextmanager
    def _h5(self) -> Iterator[h5py.File]:
        """The file open with h5py for one read (retrying without locking on a lock)."""
        if not h5py.is_hdf5(self.path):
            raise InvalidRunError(f"not an HDF5 file: {self.path}")
        try:
            f = h5py.File(self.path, "r", **self._h5kw)
        except OSError as exc:
            # a lock held by the simulator (or another program): HDF5 says "unable to lock
            # file" ("sblock", of a truncated file's superblock, is not one)
            if "unable to lock" not in str(exc).lower() or self._h5kw.get("locking") is False:
                raise InvalidRunError(f"cannot open {self.path}: {exc}") from exc
            self._h5kw = {"locking": False}
            try:
                f = h5py.File(self.path, "r", **self._h5kw)
            except OSError as exc2:
                raise InvalidRunError(f"cannot open {self.path}: {exc2}") from exc2
        with f:
            yield f

    def refresh(self) -> "Run":
        """Re-read the catalogue and the series (for a file still being written)."""
        with self._h5() as f:
            raw = _open_raw(self.path, self._h5kw)
            try:
                phony = sorted(str(d) for d in raw.dims if str(d).startswith("phony_dim"))
                if phony:
                    raise InvalidRunError(f"{self.path} has no netCDF dimension scales "
                                          f"(dimensions {', '.join(phony)}): "
                                          "not a dermsim run file")
                if "time" not in raw.variables:
                    raise InvalidRunError(f"not a dermsim run file (no 'time' variable): "
                                          f"{self.path}")
                # common length of each growing dimension over the variables stored on it
                # (xarray would show shorter ones padded with fill values)
                stored = {n: f[n].shape[0] for n in raw.variables if n in f and f[n].ndim}
                self._sizes = {d: min([stored.get(n, v.shape[0]) for n, v in raw.variables.items()
                                       if v.dims[:1] == (d,)], default=raw.sizes[d])
                               for d in _GROWING if d in raw.dims}
                if self._verify:
                    # a run that did not complete may end in a row caught mid-write: not
                    # counted (as `dermsim info`); anywhere else a failing row is damage
                    unfinished = not _completed(raw.attrs)
                    n = self._sizes.get("time", 0)
                    self.rows_verified = _verify_rows(f, self.path, n, forgive_last=unfinished)
                    if "row_checksum" in f and self.rows_verified < n:
                        self._sizes["time"] = self.rows_verified
                self.attrs: Dict[str, object] = {k: _plain(v) for k, v in raw.attrs.items()}
                series = [n for n, v in raw.data_vars.items()
                          if v.dims == ("time",) and n not in _COORDS and n not in _CHECKS]
                ds = self._prepare(raw, f, load=series + ["agent_count"])
                #: the prepared dataset for metadata: dims, attrs and coordinates; of
                #: its data variables only the series and agent_count are in memory
                self._schema = ds
                self.totals: xr.Dataset = ds[series]
                self._agent_count = (ds["agent_count"].values.astype(np.int64)
                                     if "agent_count" in ds else None)
            finally:
                raw.close()
        self._series = None
        return self

    def _prepare(self, raw: xr.Dataset, f: Optional[h5py.File] = None,
                 load: Sequence[str] = ()) -> xr.Dataset:
        """Cut ``raw`` to the common lengths and set the coordinates (see module doc).
        Coordinates, and the data variables ``load``, are loaded through ``f`` (h5py)
        when given, else (coordinates only) through xarray."""
        ds = raw.isel({d: slice(0, n) for d, n in self._sizes.items()})
        if "frame" in ds.variables and "frame_time" not in ds.variables:
            # older layout: the frame coordinate itself holds the frame times
            ds = ds.assign_coords(frame_time=("frame", ds["frame"].values, ds["frame"].attrs))
        ds = ds.set_coords([c for c in _COORDS if c in ds.data_vars])
        ds = ds.assign_coords({c: (self._read(f, c, ds=ds).variable if f is not None and c in f
                                   else ds[c].variable.load())
                               for c in ds.coords if c not in ds.xindexes})
        if f is not None:  # before set_xindex: Dataset.assign fails after it in 2023.01
            ds = ds.assign({n: self._read(f, n, ds=ds).variable for n in load if n in ds})
        if "age_years" not in ds.variables:
            ds = ds.assign_coords(age_years=("time", ds["time"].values / 365.25,
                                             {"units": "year", "long_name": "age"}))
        if "frame" in ds.dims:
            ds = ds.assign_coords(frame=("frame", np.arange(ds.sizes["frame"]),
                                         {"long_name": "frame number"}))
            if "frame_age_years" not in ds.coords and "frame_time" in ds.coords:
                age = np.interp(ds["frame_time"].values, ds["time"].values,
                                ds["age_years"].values) if ds.sizes["time"] else np.nan
                ds = ds.assign_coords(frame_age_years=("frame", np.broadcast_to(
                    age, (ds.sizes["frame"],)), {"units": "year", "long_name": "age at frame"}))
        # indexes last: with two indexes on one dimension (time and age_years),
        # assign / assign_coords fail in xarray 2023.01
        ds = ds.set_xindex("age_years")
        if "frame_age_years" in ds.coords:
            ds = ds.set_xindex("frame_age_years")
        return ds

    def _read(self, f: h5py.File, name: str, index: Optional[dict] = None,
              ds: Optional[xr.Dataset] = None) -> xr.DataArray:
        """``name`` from the catalogue (dims, coordinates, attrs) at positional ``index``
        ({dim: int or slice}), with its values read through h5py.

        A Run keeps no file open, and opening the file with xarray again for each read
        costs a catalogue read (tenths of a second); h5py reads the hyperslab in
        milliseconds while the coordinates and attrs come from the catalogue. CF
        fill/scale attributes, if any, are decoded by xarray."""
        lazy = (self._schema if ds is None else ds)[name]
        index = index or {}
        key = tuple(index.get(d, slice(0, n)) for d, n in zip(lazy.dims, lazy.shape))
        out = lazy.isel(index) if index else lazy
        data = np.asarray(f[name][key]).reshape(out.shape)
        cf = {k: lazy.encoding[k] for k in ("_FillValue", "missing_value", "scale_factor",
                                             "add_offset") if k in lazy.encoding}
        if cf:
            data = xr.decode_cf(xr.Dataset({name: (out.dims, data, cf)}))[name].values
        return out.copy(deep=False, data=data)

    def verify(self) -> Dict[str, int]:
        """Check every series row and every frame (fields, profiles, agent rows) against the
        checksums the simulator stored; reads the whole file. Returns the numbers that
        passed (``{"rows": R, "frames": F}``; 0 where the file has no checksums); raises
        :class:`DamagedRunError` at the first row or frame that fails, or whose chunks HDF5
        cannot read. In a run that did not complete, a last row or frame that fails was
        caught mid-write: it is not counted, not an error (as ``dermsim info --verify``)."""
        unfinished = not self.completed
        with self._h5() as f:
            rows = _verify_rows(f, self.path, self._sizes.get("time", 0), forgive_last=unfinished)
            frames = _verify_frames(f, self.path, self._sizes.get("frame", 0), forgive_last=unfinished)
        return {"rows": rows, "frames": frames}

    def dataset(self, **kwargs) -> xr.Dataset:
        """The whole run as a lazily loaded ``xarray.Dataset`` with the coordinates set
        and cut to the common length (see the module doc). ``kwargs`` go to
        ``xarray.open_dataset``. Use as ``with run.dataset() as ds: ...`` to close the file."""
        raw = _open_raw(self.path, self._h5kw, **kwargs)
        try:
            ds = self._prepare(raw)
        except BaseException:
            raw.close()
            raise
        ds.set_close(raw.close)
        return ds

    # ---- metadata
    @property
    def variables(self):
        """Name -> ``xarray.Variable`` (dims, shape, dtype, attrs; metadata only)."""
        return self._schema.variables

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
        """Names of the data variables whose dimensions are exactly ``dims``."""
        return [n for n, v in self._schema.data_vars.items() if v.dims == tuple(dims)]

    @property
    def fields(self) -> List[str]:
        """3-D fields stored per frame, e.g. ['collagen_intact', 'mmp1', ...]."""
        return self.vars_on(*_FIELD_DIMS)

    @property
    def profiles(self) -> List[str]:
        """Fields with a stored depth profile (names without the ``_profile`` suffix)."""
        return [n[: -len("_profile")] for n in self.vars_on("frame", "z") if n.endswith("_profile")]

    def _coord(self, name: str) -> np.ndarray:
        return self._schema[name].values.copy() if name in self._schema.coords else np.array([])

    @property
    def x(self) -> np.ndarray:
        return self._coord("x")

    @property
    def y(self) -> np.ndarray:
        return self._coord("y")

    @property
    def z(self) -> np.ndarray:
        """Cell-centre depth below the dermal-epidermal junction (um)."""
        return self._coord("z")

    @property
    def frames(self) -> List[float]:
        """Ages (years) of the stored frames, in frame order."""
        return [float(a) for a in self._coord("frame_age_years")]

    @property
    def frame_times(self) -> np.ndarray:
        """Simulated time (days) of the stored frames."""
        return self._coord("frame_time")

    @property
    def frame_steps(self) -> np.ndarray:
        """Simulation step of the stored frames."""
        return self._coord("frame_step")

    @property
    def n_frames(self) -> int:
        return int(self._schema.sizes.get("frame", 0))

    @property
    def agent_count(self) -> np.ndarray:
        """Number of agent rows per frame (empty if the run stored no agents)."""
        return (self._agent_count.copy() if self._agent_count is not None
                else np.zeros(0, dtype=np.int64))

    def _last_age(self) -> float:
        a = self.totals["age_years"].values
        return float(a[-1]) if a.size else float("nan")

    def __repr__(self) -> str:
        a = self.totals["age_years"].values
        ages = f"{a[0]:.4g}-{a[-1]:.4g} y" if a.size else "empty"
        return (f"<dermsim Run {self.name!r}: {a.size} rows ({ages}), {self.n_frames} frames, "
                f"grid {len(self.z)}x{len(self.y)}x{len(self.x)} (z,y,x), "
                f"{'completed' if self.completed else 'INCOMPLETE'}, path={str(self.path)!r}>")

    # ---- series
    @property
    def series(self) -> pd.DataFrame:
        """``run.totals`` as a pandas DataFrame indexed by ``age_years``.

        Columns: ``time`` (day), ``step``, then the series in name order. Units and long
        names are in ``df.attrs['units']`` / ``df.attrs['long_name']``.
        """
        if self._series is None:
            t = self.totals
            df = t.to_dataframe().reset_index().set_index("age_years")
            names = sorted(n for n in df.columns if n not in ("time", "step"))
            df = df[[c for c in ("time", "step") if c in df.columns] + names]
            df.attrs["units"] = {k: str(t[k].attrs.get("units", "")) for k in t.variables}
            df.attrs["long_name"] = {k: self.long_name(k) for k in t.variables}
            df.attrs["run"] = self.name
            self._series = df
        return self._series

    def relative(self, name: str, ref_age: float = 25.0) -> pd.Series:
        """``series[name]`` divided by its value at the row whose age is closest to ``ref_age``."""
        return relative(self.series[name], ref_age=ref_age)

    # ---- frames
    def frame_index(self, frame: Optional[int] = -1, age: Optional[float] = None) -> int:
        """Normalise a frame number (negative counts from the end) or an age to an index."""
        n = self.n_frames
        if n == 0:
            raise IndexError(f"run {self.name} has no frames")
        if age is not None:
            return int(np.nanargmin(np.abs(np.asarray(self.frames) - float(age))))
        k = int(frame)
        if not -n <= k < n:
            raise IndexError(f"frame {frame} out of range (run has {n} frames)")
        return k % n

    def field(self, name: str, frame: Optional[int] = -1,
              age: Optional[float] = None) -> xr.DataArray:
        """A 3-D field as a DataArray (z, y, x) at frame ``frame`` (default: last) or at the
        frame nearest ``age`` (years); ``frame=None`` gives every frame (frame, z, y, x).
        Coordinates x, y, z (um) and the frame's ``frame``, ``frame_time``,
        ``frame_step``, ``frame_age_years``; units and long_name in ``.attrs``."""
        if name not in self.fields:
            raise KeyError(f"field {name!r} not in run (available: {', '.join(self.fields)})")
        sel = {} if frame is None and age is None else {"frame": self.frame_index(frame, age)}
        with self._h5() as f:
            return self._read(f, name, sel)

    def profile(self, name: str) -> xr.DataArray:
        """Depth profile of a field as a DataArray (frame, z) named ``<name>_profile``;
        ``name`` with or without ``_profile``.

        Uses the stored ``<name>_profile``; if absent but the 3-D field exists, it is
        computed as the lateral (x, y) mean of the field.
        """
        base = name[: -len("_profile")] if name.endswith("_profile") else name
        pname = base + "_profile"
        if pname in self._schema.data_vars:
            with self._h5() as f:
                return self._read(f, pname)
        if base not in self.fields:
            raise KeyError(f"no profile or field {base!r} in run "
                           f"(profiles: {', '.join(self.profiles)})")
        with self._h5() as f:  # one frame at a time, to keep memory small
            means = [self._read(f, base, {"frame": k}).mean(("y", "x")).values
                     for k in range(self.n_frames)]
        p = self._schema[base].isel(y=0, x=0, drop=True)
        p = p.copy(deep=False, data=np.array(means).reshape(p.shape))
        p.attrs = {"units": self.units(base),
                   "long_name": self.long_name(base) + " (lateral mean)"}
        return p.rename(pname)

    # ---- agents
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
        avail = self._sizes.get("agent", 0)
        if stop > avail:
            raise IndexError(f"agents of frame {k} not fully written yet "
                             f"(need rows up to {stop}, file has {avail})")
        cols = self.vars_on("agent")
        with self._h5() as f:
            data = {c: self._read(f, c, {"agent": slice(start, stop)}).values for c in cols}
        short = {c: c[len("agent_"):] if c.startswith("agent_") else c for c in cols}
        first = [c for c in ("id", "type", "state", "x", "y", "z") if "agent_" + c in cols]
        order = ["agent_" + c for c in first] + [c for c in cols if short[c] not in first]
        df = pd.DataFrame({short[c]: data[c] for c in order})
        for col, default in (("type", AGENT_TYPES), ("state", AGENT_STATES)):
            if col in df:
                names = self._flag_names("agent_" + col, default)
                cats = [names[c] for c in sorted(names)]
                df[col + "_name"] = pd.Categorical(df[col].map(names), categories=cats)
        df.attrs.update(frame=k, age_years=self.frames[k], time=float(self.frame_times[k]),
                        units={short[c]: self.units(c) for c in cols})
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
             warn_incomplete: bool = True, verify: bool = True) -> Run:
    """Open a run: ``path`` is a run directory (with ``run.h5``) or an ``.h5`` file.

    ``locking=False`` disables HDF5 file locking for this file (same effect as
    ``HDF5_USE_FILE_LOCKING=FALSE``). Every series row is checked against its stored
    checksum unless ``verify=False`` (``run.verify()`` checks the frames too). Raises
    FileNotFoundError, InvalidRunError, or DamagedRunError (a subclass of it) when a row
    fails its checksum.
    """
    return Run(path, locking=locking, warn_incomplete=warn_incomplete, verify=verify)


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


def _warn_bad_ref(what, age, ref):
    warnings.warn(f"relative({what}): reference value at age {age} is {ref}",
                  RuntimeWarning, stacklevel=3)


def relative(data, name: Optional[str] = None, ref_age: float = 25.0):
    """Divide by the value at the row whose age is closest to ``ref_age``.

    ``data`` is a pandas Series indexed by age, a DataFrame (``name`` selects a column;
    without it all columns are scaled), an xarray DataArray with an ``age_years``
    coordinate (on ``time`` or as its dimension), or a :class:`Run` (``name`` required).
    A zero or NaN reference gives NaN (with a warning).
    """
    if isinstance(data, Run):
        if name is None:
            raise TypeError("relative(run, name): name required")
        data = data.series
    if isinstance(data, xr.DataArray):
        age = data["age_years"]
        if age.ndim != 1 or age.size == 0:
            raise ValueError("relative(DataArray): needs a 1-D age_years coordinate")
        i = int(np.nanargmin(np.abs(age.values - float(ref_age))))
        ref = float(data.isel({age.dims[0]: i}))
        if ref == 0.0 or not np.isfinite(ref):
            _warn_bad_ref(data.name, float(age[i]), ref)
            return data.astype(float) * np.nan
        out = data.astype(float) / ref
        out.attrs = {**data.attrs, "units": "1", "reference_age_years": float(age[i])}
        return out
    if isinstance(data, pd.DataFrame):
        if name is not None:
            data = data[name]
        else:
            return pd.DataFrame({c: relative(data[c], ref_age=ref_age) for c in data.columns},
                                index=data.index)
    s = pd.Series(data)
    if len(s) == 0:
        return s.astype(float)
    i = int(np.nanargmin(np.abs(np.asarray(s.index, dtype=float) - float(ref_age))))
    ref = float(s.iloc[i])
    if ref == 0.0 or not np.isfinite(ref):
        _warn_bad_ref(s.name, s.index[i], ref)
        return s.astype(float) * np.nan
    out = s.astype(float) / ref
    out.name = s.name
    return out


def series_table(runs: Union[Dict[str, Run], Sequence[Run]], name: str,
                 ref_age: Optional[float] = None,
                 ages: Optional[Sequence[float]] = None) -> pd.DataFrame:
    """One series from several runs side by side, aligned on age.

    Columns are the run names; the index (``age_years``, sorted) is ``ages`` or else the
    union of the runs' ages. Each run is interpolated linearly onto it (exact at its own
    rows) and is NaN outside its own age range. With ``ref_age`` each run is first divided
    by its own value at the row nearest that age.
    """
    items = list(runs.items() if isinstance(runs, dict) else ((r.name, r) for r in runs))
    taken = set()
    for i, (key, run) in enumerate(items):  # runs of one name (a list): name, name#2, ... as load_runs does
        label, k = key, 1
        while label in taken:
            k += 1
            label = f"{key}#{k}"
        taken.add(label)
        items[i] = (label, run)
    curves = {}
    for key, run in items:
        s = run.series[name]
        s = relative(s, ref_age=ref_age) if ref_age is not None else s.astype(float)
        s = s[~s.index.duplicated(keep="last")].sort_index()
        curves[key] = s
    if ages is None:
        ages = np.unique(np.concatenate([c.index.to_numpy(float) for c in curves.values()]
                                        or [np.zeros(0)]))
    axis = pd.Index(np.sort(np.asarray(ages, dtype=float)), name="age_years")
    out = {}
    for key, s in curves.items():
        x, v = s.index.to_numpy(float), s.to_numpy(float)
        out[key] = (np.interp(axis.to_numpy(), x, v, left=np.nan, right=np.nan) if len(x)
                    else np.full(len(axis), np.nan))
    table = pd.DataFrame(out, index=axis, columns=list(curves))
    table.attrs.update(name=name, ref_age=ref_age)
    return table
