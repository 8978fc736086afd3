#!/usr/bin/env python3
"""Reference benchmark: run configs/reference.yaml and print the figures the project tracks.

    /usr/bin/python3 tests/bench/bench_reference.py [--bin build/dermsim] [--years N]
        [--threads T] [--compare-threads] [--compare-lean [--lean-bin B]] [--sun]
        [--yearly-frames] [--set KEY=VALUE ...] [--out DIR] [--keep]

One run of the reference lifetime (ages 25 to 75, 2609 weekly steps; --years N shortens it
to ages 25 to 25+N), then:
- wall time of the whole process, split at the moment run.partial.h5 appears into the setup
  (parameters, the 20-year cell spin-up and 4-year settle that build the young adult) and
  the time loop with the finish (report.md); the same split of the CPU time (user+sys, from
  /proc while it runs and wait4 at the end);
- peak memory (the run's own resident peak through its last frame, run.h5's root attribute
  peak_memory_bytes: its VmHWM; wait4's ru_maxrss is the fallback, and it is never below this
  script's own resident size, which Linux carries into a child started by vfork and exec),
  simulated years per wall minute, ms per step; whether this kernel
  maps reads of never-written memory to its shared zero page (then an array a run reads but
  never writes costs nothing) or gives each such page its own memory (then it counts in
  every peak: some VMs' kernels do);
- the signals as the run treats them, read from the file (its resolved configuration and
  the *_mean series): transformed, per voxel (D = 0 or 12 D/h^2 < 1e-3 k) and idle (zero
  throughout: no source, so the solver skips it); signal voxel-updates per second counting
  the transformed signals;
- agent-steps (fibroblasts + progenitors, mean of the series x steps) per second per core;
- the size of the output;
- ms per step by phase with its share, when run.h5 has the root attributes phase_names,
  phase_seconds (and phase_steps); otherwise it says so.
--compare-threads adds runs at --threads 1 and --threads 2 (the first run is reused when it
had one of those counts) and prints the speed-up of 2 threads over 1 (wall ratio) and
whether both gave the same results (row and frame checksums).
--compare-lean adds the same run with dermsim-lean (--lean-bin; default: dermsim-lean beside
--bin), the build that stores every voxel-grid array as float32, and prints both side by
side with their ratios (wall, time loop per step, CPU, peak memory); then, for the memory
per voxel, four short runs (0.1 simulated years: the setup and a few steps), each build on
the config's grid and on one with nx and ny doubled: the bytes per voxel are the slope of
the peak between the two (what the libraries and per-layer arrays add cancels; the cells
scale with the volume, so their bytes, the same in both builds, stay in the slope). It also
splits the two slopes D (default) and L (lean) into the voxel-grid arrays, 8 bytes per
element in one and 4 in the other, and the rest that both builds hold in the same bytes
(cells, their rates and bins, transform buffers, HDF5's indexes): D = 8 A + C and
L = 4 A + C give A = (D - L) / 4 arrays and C = 2 L - D bytes per voxel, so D / L reaches 2
only when C is 0, or when the lean build keeps fewer arrays (C < 0: it makes the matrix
deposits layer by layer, without their three arrays).
--sun adds a run of the same config with a realistic outdoor sun calendar (the schedule of
configs/validation/Csun_outdoor.yaml over the run's ages: work days, weekends, a two-week
holiday a year; exposures integrated exactly over each weekly step) and prints its cost
against the run without sun: what a lifetime with hourly sun episodes costs when nothing
forces small steps.
--yearly-frames adds a run with a 3D frame every year and prints the bytes and the output
time of one frame (measured) and the run.h5 of the whole configured lifetime with yearly
frames (projected: measured bytes per frame and per series row times their counts).
Numbers, not pass/fail: the machines are shared and noisy. The output directories are
temporary and removed unless --out or --keep is given.
"""
import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

try:
    import yaml
except ImportError:  # the signal breakdown needs it; the rest does not
    yaml = None

# runs made here need no report.html (seconds of Python each; see `dermsim run --help`)
os.environ.setdefault("DERMSIM_REPORT_HTML", "0")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOURS_PER_YEAR = 365.25 * 24.0
# phases that run the agents' rules (for agent-steps per second per core)
AGENT_PHASES = ("cell_rules", "secretion", "motility", "lifecycle")


def reads_allocate(mib=64):
    """True if reading never-written anonymous memory raises this process's RSS (the kernel
    gives each page read its own memory), False if it stays (the shared zero page), None if
    unknown."""
    import mmap
    def rss_kib():
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            return None
    n = mib << 20
    m = mmap.mmap(-1, n)
    try:
        before = rss_kib()
        page = mmap.PAGESIZE
        total = 0
        for i in range(0, n, page):
            total += m[i]
        after = rss_kib()
    finally:
        m.close()
    if before is None or after is None or total != 0:
        return None
    return after - before > (mib * 1024) // 2


def cpu_seconds_proc(pid):
    """user+sys CPU seconds of a running process (and its waited-for children), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # after the comm field: state is fields[0], utime fields[11], stime fields[12],
        # cutime fields[13], cstime fields[14] (proc(5) numbers 14-17)
        ticks = sum(int(x) for x in fields[11:15])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_dermsim(args, threads, out, config=None):
    """Run dermsim once; return the measurements of the process (or exit on failure)."""
    cmd = [args.bin, "run", config or args.config, "-o", out, "--quiet"]
    if args.years:
        cmd += ["--set", f"run.age_end_years={args.age_start + args.years}"]
    for kv in args.set or []:
        cmd += ["--set", kv]
    if threads:
        cmd += ["--threads", str(threads)]
    log = os.path.join(os.path.dirname(out), os.path.basename(out) + ".log")
    t0 = time.monotonic()
    with open(log, "w") as lf:
        p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT)
    setup_wall = setup_cpu = None
    partial = os.path.join(out, "run.partial.h5")
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if setup_wall is None and os.path.exists(partial):
            setup_wall, setup_cpu = time.monotonic() - t0, cpu_seconds_proc(p.pid)
        time.sleep(0.1)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        with open(log) as lf:
            tail = lf.read().strip()[-2000:]
        sys.exit(f"bench_reference: dermsim failed ({p.returncode}): {' '.join(cmd)}\n{tail}")
    os.remove(log)
    return {
        "cmd": cmd,
        "out": out,
        "wall": wall,
        "cpu": ru.ru_utime + ru.ru_stime,
        "maxrss_kib": ru.ru_maxrss,
        "setup_wall": setup_wall,
        "setup_cpu": setup_cpu,
    }


def attr_str(f, name):
    v = f.attrs.get(name)
    return v.decode() if isinstance(v, bytes) else v


def signal_paths(f, voxel_um):
    """{name: 'transform'|'local'|'idle'} from the resolved configuration, or None."""
    if yaml is None or "config_resolved" not in f.attrs:
        return None
    sig = (yaml.safe_load(attr_str(f, "config_resolved")) or {}).get("signals") or {}
    paths = {}
    for name, s in sig.items():
        if not isinstance(s, dict) or "diffusion_um2_per_s" not in s:
            continue
        D = float(s["diffusion_um2_per_s"]) * 3600.0
        k = math.log(2.0) / float(s["half_life_h"])
        if D == 0.0 or 12.0 * D / voxel_um**2 < 1e-3 * k:
            paths[name] = "local"
        elif f"{name}_mean" in f and not np.any(f[f"{name}_mean"][:]):
            paths[name] = "idle"
        else:
            paths[name] = "transform"
    return paths


def read_run(m):
    """Add what run.h5 says to the measurements m."""
    path = os.path.join(m["out"], "run.h5")
    with h5py.File(path, "r") as f:
        resolved = yaml.safe_load(attr_str(f, "config_resolved")) if yaml and "config_resolved" in f.attrs else {}
        m["dt_h"] = float((resolved.get("run") or {}).get("dt_hours", 168.0))
        m["steps"] = int(f.attrs["phase_steps"]) if "phase_steps" in f.attrs else int(f["step"][-1])
        m["years"] = m["steps"] * m["dt_h"] / HOURS_PER_YEAR
        m["age0"], m["age1"] = float(f["age_years"][0]), float(f["age_years"][-1])
        m["shape"] = (f["x"].shape[0], f["y"].shape[0], f["z"].shape[0])
        m["nvox"] = int(np.prod(m["shape"]))
        m["voxel_um"] = float(f.attrs["voxel_um"])
        m["threads"] = int(f.attrs["omp_threads"])
        m["storage"] = attr_str(f, "storage_precision") or "float64"
        m["wait_policy"] = attr_str(f, "omp_wait_policy") or os.environ.get("OMP_WAIT_POLICY", "runtime default")
        fib = f["fibroblast_count"][:].astype(float)
        prog = f["stem_cell_count"][:].astype(float) if "stem_cell_count" in f else np.zeros_like(fib)
        m["agents0"] = (int(fib[0]), int(prog[0]))
        m["agents_mean"] = float(np.mean(fib + prog))
        m["paths"] = signal_paths(f, m["voxel_um"])
        m["checksums"] = [f[n][:].tobytes() for n in ("row_checksum", "frame_checksum") if n in f]
        if "phase_names" in f.attrs and "phase_seconds" in f.attrs:
            names = attr_str(f, "phase_names").split(",")
            secs = [float(x) for x in np.atleast_1d(f.attrs["phase_seconds"])]
            m["phases"] = list(zip(names, secs)) if len(names) == len(secs) else None
        else:
            m["phases"] = None
        if "peak_memory_bytes" in f.attrs:  # the run's own peak, not this script's (run_dermsim)
            m["maxrss_kib"] = float(np.atleast_1d(f.attrs["peak_memory_bytes"])[0]) / 1024.0
            m["peak_source"] = "the run's VmHWM"
        else:
            m["peak_source"] = "wait4's ru_maxrss: at least this script's own size"
    m["h5_bytes"] = os.path.getsize(path)
    m["dir_bytes"] = sum(os.path.getsize(os.path.join(m["out"], x)) for x in os.listdir(m["out"]))
    # the time loop: the phases if timed, else the wall time report.md gives for the loop
    m["loop_wall"] = sum(s for _, s in m["phases"]) if m["phases"] else None
    if m["loop_wall"] is None:
        try:
            with open(os.path.join(m["out"], "report.md")) as rf:
                hit = re.search(r"([0-9.]+) s wall time", rf.read())
            m["loop_wall"] = float(hit.group(1)) if hit else None
        except OSError:
            pass
    return m


def fmt_mib(nbytes):
    return f"{nbytes / 1048576:.1f} MiB"


def report(m, config_rel):
    steps, wall, cpu = m["steps"], m["wall"], m["cpu"]
    nx, ny, nz = m["shape"]
    fib0, prog0 = m["agents0"]
    print(f"config                    {config_rel}, ages {m['age0']:.2f} -> {m['age1']:.2f}; "
          f"{m['threads']} threads, OMP_WAIT_POLICY {m['wait_policy']}")
    print(f"tissue                    {m['nvox']} voxels ({nx}x{ny}x{nz} at {m['voxel_um']:g} um), "
          f"{fib0 + prog0} agents at the start ({fib0} fibroblasts + {prog0} progenitors)")
    print(f"simulated                 {m['years']:.2f} years in {steps} steps of {m['dt_h']:g} h")
    loop = m["loop_wall"]
    if m["setup_wall"] is not None:
        print(f"wall time                 {wall:.1f} s = setup {m['setup_wall']:.1f} s (until run.partial.h5: "
              f"spin-up, settle) + time loop and finish {wall - m['setup_wall']:.1f} s")
    else:
        print(f"wall time                 {wall:.1f} s (setup not separated: run.partial.h5 not seen)")
    if loop is not None:
        src = "sum of phase_seconds" if m["phases"] else "report.md"
        print(f"  of which the time loop  {loop:.1f} s ({src})")
    busy = f" ({cpu / wall:.2f} cores busy)"
    if m["setup_cpu"] is not None:
        print(f"CPU time (user+sys)       {cpu:.1f} s{busy} = setup {m['setup_cpu']:.1f} s + time loop and finish "
              f"{cpu - m['setup_cpu']:.1f} s")
    else:
        print(f"CPU time (user+sys)       {cpu:.1f} s{busy}")
    print(f"peak memory (max RSS)     {m['maxrss_kib'] / 1024:.0f} MiB ({m['peak_source']})")
    zp = reads_allocate()
    if zp is not None:
        print("  this kernel " + ("gives every page read but never written its own memory (no shared zero "
                                  "page): an array a run only reads counts in the peak" if zp else
                                  "maps pages read but never written to its shared zero page: an array a run "
                                  "only reads costs nothing"))
    line = f"simulated years / minute  {m['years'] / (wall / 60):.2f} (whole process)"
    if loop:
        line += f", {m['years'] / (loop / 60):.2f} (time loop)"
    print(line)
    if loop:
        print(f"ms / step                 {1e3 * loop / steps:.1f} (time loop wall); "
              f"{1e3 * wall / steps:.1f} (whole process wall / steps)")
    else:
        print(f"ms / step                 {1e3 * wall / steps:.1f} (whole process wall, setup included)")
    loop_cpu = cpu - m["setup_cpu"] if m["setup_cpu"] is not None else None
    if loop_cpu is not None:
        print(f"CPU ms / step             {1e3 * loop_cpu / steps:.1f} (time loop and finish)")

    paths = m["paths"]
    ntrans = None
    if paths:
        groups = {p: [n for n, q in paths.items() if q == p] for p in ("transform", "local", "idle")}
        ntrans = len(groups["transform"])
        print(f"signals                   {len(paths)}: {ntrans} transformed ({' '.join(groups['transform'])}), "
              f"{len(groups['local'])} per voxel ({' '.join(groups['local']) or '-'}), "
              f"{len(groups['idle'])} idle, zero throughout ({' '.join(groups['idle']) or '-'})")
        if loop:
            print(f"signal voxel-updates / s  {ntrans * m['nvox'] * steps / loop:.3g} "
                  f"({ntrans} transformed x {m['nvox']} voxels x {steps} steps / time-loop wall)")
    else:
        print("signals                   unknown (no resolved configuration in the file, or no PyYAML)")

    agent_steps = m["agents_mean"] * steps
    denom, what = (loop_cpu, "time-loop CPU s") if loop_cpu else (cpu, "CPU s, setup included")
    print(f"agent-steps / s / core    {agent_steps / denom:.3g} (mean {m['agents_mean']:.0f} agents x {steps} steps "
          f"/ {what}: every phase of the step)")
    print(f"output                    run.h5 {fmt_mib(m['h5_bytes'])}, directory {fmt_mib(m['dir_bytes'])}")

    if not m["phases"]:
        print("phases                    phase timing not in this file")
        return
    total = sum(s for _, s in m["phases"])
    print(f"\nms per step by phase      (run.h5 phase_seconds over {steps} steps, wall at {m['threads']} threads)")
    for name, s in m["phases"]:
        share = 100.0 * s / total if total > 0 else 0.0
        print(f"  {name:<22}  {1e3 * s / steps:8.2f} ms  {share:5.1f} %")
    print(f"  {'total':<22}  {1e3 * total / steps:8.2f} ms  100.0 %")
    ph = dict(m["phases"])
    if ntrans and ph.get("signals", 0) > 0:
        print(f"  signal solve: {ntrans * m['nvox'] * steps / ph['signals']:.3g} transformed signal-voxel updates "
              f"per second of the signals phase")
    agent_s = sum(ph.get(n, 0.0) for n in AGENT_PHASES)
    if agent_s > 0:
        print(f"  agent rules: {agent_steps / (agent_s * m['threads']):.3g} agent-steps / s / core "
              f"({' + '.join(n for n in AGENT_PHASES if n in ph)}: agent-steps / (their wall s x "
              f"{m['threads']} threads))")


# Csun_outdoor.yaml's calendar (Godar 2005 outdoor workers ~300-600 SED/yr), from the run's
# start to its end; {a0}, {a1}, {hol} are filled in
SUN_SCHEDULE = """
  work:     {{input: uv, dose: 1.4, from_age: {a0}, to_age: {a1}, days_per_week: 5, first_weekday: 0,
             hour_from: 9, hour_to: 16, season_amplitude: 0.9}}
  weekends: {{input: uv, dose: 0.5, from_age: {a0}, to_age: {a1}, days_per_week: 2, first_weekday: 5,
             hour_from: 11, hour_to: 15, season_amplitude: 1}}
  holiday:  {{input: uv, dose: 3, at_age: {hol}, count: {n}, every_days: 365.25, duration_days: 14,
             hour_from: 10, hour_to: 17}}
"""


def variant_config(args, base, name, sun=False, frame_days=None):
    """A copy of the config with the sun calendar added or the frame interval changed."""
    with open(args.config) as cf:
        text = cf.read()
    a0 = args.age_start
    a1 = a0 + args.years if args.years else args.age_end
    if sun:
        if re.search(r"^schedule:", text, re.M):
            sys.exit("bench_reference: --sun needs a config without a schedule")
        n = max(1, int(math.floor(a1 - a0 - 0.53)) + 1)
        text += "\nschedule:" + SUN_SCHEDULE.format(a0=a0, a1=a1, hol=round(a0 + 0.53, 4), n=n)
    if frame_days is not None:
        text, k = re.subn(r"^([ \t]*frame_interval_days:[ \t]*)[0-9.eE+-]+", rf"\g<1>{frame_days}", text, flags=re.M)
        if k != 1:
            sys.exit("bench_reference: --yearly-frames needs output.frame_interval_days in the config")
    path = os.path.join(base, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def frame_bytes(m):
    """(bytes of the frames, frames, bytes of everything else) of a run.h5."""
    with h5py.File(os.path.join(m["out"], "run.h5"), "r") as f:
        nframes = int(f["frame"].shape[0]) if "frame" in f else 0
        fr = 0
        for k in f.keys():
            d = f[k]
            if isinstance(d, h5py.Dataset) and (d.ndim == 4 or k.startswith("agent_")):
                fr += d.id.get_storage_size()
    return fr, nframes, m["h5_bytes"] - fr


def phase_ms(m, name):
    ph = dict(m["phases"] or [])
    return 1e3 * ph[name] / m["steps"] if name in ph else float("nan")


def compare_sun(plain, sun):
    print("\nsun calendar        wall s  setup s  time loop s  ms/step  exposures ms/step  cell_rules ms/step")
    for label, m in (("without", plain), ("with", sun)):
        loop = m["loop_wall"] or float("nan")
        setup = m["setup_wall"] if m["setup_wall"] is not None else float("nan")
        print(f"  {label:<16}  {m['wall']:7.1f}  {setup:7.1f}  {loop:11.1f}  {1e3 * loop / m['steps']:7.1f}  "
              f"{phase_ms(m, 'exposures'):17.2f}  {phase_ms(m, 'cell_rules'):18.2f}")
    if plain["loop_wall"] and sun["loop_wall"]:
        print(f"cost of the sun calendar: time loop x{sun['loop_wall'] / plain['loop_wall']:.3f}, "
              f"process x{sun['wall'] / plain['wall']:.3f} (same step, {sun['steps']} steps)")


def report_frames(args, m, plain):
    fr, n, rest = frame_bytes(m)
    if n == 0:
        print("\nyearly frames: the run wrote no frame")
        return
    per = fr / n
    extra_ms = phase_ms(m, "output") - phase_ms(plain, "output")
    print(f"\nyearly frames       {n} frames in {m['years']:.2f} years: {per / 1048576:.1f} MiB per frame "
          f"(fields and agents, compressed), output phase +{extra_ms * m['steps'] / n / 1e3:.2f} s per frame "
          f"over the run without yearly frames")
    life = args.age_end - args.age_start
    nlife = int(math.floor(life + 1e-9)) + 1
    rows_per_year = rest / max(m["years"], 1e-9)
    total = per * nlife + rows_per_year * life
    print(f"  projected run.h5 for ages {args.age_start:g}-{args.age_end:g} with yearly frames: "
          f"{total / 1073741824:.2f} GiB ({nlife} frames x {per / 1048576:.1f} MiB + the rest at "
          f"{rows_per_year / 1048576:.2f} MiB per simulated year)")


def compare_threads(runs):
    r1, r2 = runs[1], runs[2]
    print("\nthreads   wall s  time loop s  ms/step  CPU s  peak MiB")
    for t in (1, 2):
        m = runs[t]
        loop = m["loop_wall"]
        ms = f"{1e3 * loop / m['steps']:7.1f}" if loop else "      -"
        print(f"{t:7d}  {m['wall']:7.1f}  {loop if loop else float('nan'):11.1f}  {ms}  {m['cpu']:5.1f}  "
              f"{m['maxrss_kib'] / 1024:8.0f}")
    print(f"speed-up 2 threads / 1 thread: {r1['wall'] / r2['wall']:.2f} (process wall)", end="")
    if r1["loop_wall"] and r2["loop_wall"]:
        print(f", {r1['loop_wall'] / r2['loop_wall']:.2f} (time loop)", end="")
    print()
    if r1["phases"] and r2["phases"]:
        p1, p2 = dict(r1["phases"]), dict(r2["phases"])
        print("  by phase: " + ", ".join(f"{n} {p1[n] / p2[n]:.2f}" for n in p1 if p2.get(n, 0) > 0 and p1[n] > 0))
    same = r1["checksums"] == r2["checksums"] and bool(r1["checksums"])
    print(f"same results at 1 and 2 threads (row and frame checksums): {'yes' if same else 'NO'}")


def lean_args(args, binary, years=None, sets=()):
    """A copy of args running `binary` (shortened to `years`, with extra --set values)."""
    a = argparse.Namespace(**vars(args))
    a.bin = binary
    if years is not None:
        a.years = years
    a.set = list(args.set or []) + list(sets)
    return a


def compare_lean(args, base, first):
    lean_bin = args.lean_bin or os.path.join(os.path.dirname(os.path.abspath(args.bin)), "dermsim-lean")
    if not os.access(lean_bin, os.X_OK):
        sys.exit(f"bench_reference: --compare-lean: no executable {lean_bin} (build it: DERM_LEAN=ON, the default)")
    print(f"\n(running again with {lean_bin})", flush=True)
    lean = read_run(run_dermsim(lean_args(args, lean_bin), args.threads, os.path.join(base, "lean")))
    print("\nbuild      wall s  time loop ms/step  CPU s  peak MiB  storage")
    for name, m in (("default", first), ("lean", lean)):
        loop = m["loop_wall"]
        ms = f"{1e3 * loop / m['steps']:17.1f}" if loop else "                -"
        print(f"{name:8s} {m['wall']:8.1f}  {ms}  {m['cpu']:5.1f}  {m['maxrss_kib'] / 1024:8.0f}  {m['storage']}")
    print(f"default / lean: wall {first['wall'] / lean['wall']:.2f}, CPU {first['cpu'] / lean['cpu']:.2f}, "
          f"peak memory {first['maxrss_kib'] / lean['maxrss_kib']:.2f}", end="")
    if first["loop_wall"] and lean["loop_wall"]:
        print(f", time loop {first['loop_wall'] / first['steps'] / (lean['loop_wall'] / lean['steps']):.2f}", end="")
    print()
    if first["phases"] and lean["phases"]:
        p1, p2 = dict(first["phases"]), dict(lean["phases"])
        print("  ms per step, default / lean: " + ", ".join(
            f"{n} {1e3 * p1[n] / first['steps']:.1f}/{1e3 * p2[n] / lean['steps']:.1f}"
            for n in p1 if p2.get(n, 0) > 0 and p1[n] > 0))
    nx, ny, _ = first["shape"]
    peaks = {}
    for name, binary in (("default", args.bin), ("lean", lean_bin)):
        for scale in (1, 2):
            print(f"(memory: {name} at {scale * nx} x {scale * ny} lateral voxels, 0.1 years)", flush=True)
            a = lean_args(args, binary, 0.1, [f"domain.nx={scale * nx}", f"domain.ny={scale * ny}"])
            m = read_run(run_dermsim(a, args.threads, os.path.join(base, f"mem_{name}_{scale}")))
            peaks[(name, scale)] = (m["maxrss_kib"] * 1024.0, m["nvox"])
    per = {}
    for name in ("default", "lean"):
        (b1, n1), (b2, n2) = peaks[(name, 1)], peaks[(name, 2)]
        per[name] = (b2 - b1) / (n2 - n1)
        print(f"peak memory per voxel, {name:7s}: {per[name]:6.1f} B ({b1 / 1048576:.0f} MiB at {n1} voxels, "
              f"{b2 / 1048576:.0f} MiB at {n2})")
    print(f"bytes per voxel, default / lean: {per['default'] / per['lean']:.2f}")
    arrays, rest = (per["default"] - per["lean"]) / 4.0, 2.0 * per["lean"] - per["default"]
    print(f"  = {arrays:.1f} voxel-grid arrays (8 vs 4 bytes each) + {rest:.1f} bytes per voxel held alike "
          f"(cells, rates, bins, transforms, libraries; negative: arrays the lean build does not keep)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "dermsim"))
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "reference.yaml"))
    ap.add_argument("--years", type=float, default=None, help="shorten the run to N simulated years")
    ap.add_argument("--threads", type=int, default=None, help="threads of the first run (default: dermsim's)")
    ap.add_argument("--compare-threads", action="store_true",
                    help="also run at 1 and 2 threads and print the speed-up")
    ap.add_argument("--compare-lean", action="store_true",
                    help="also run dermsim-lean (float32 storage) and print time and memory against the default")
    ap.add_argument("--lean-bin", default=None, help="the lean binary (default: dermsim-lean beside --bin)")
    ap.add_argument("--sun", action="store_true", help="also run with a realistic outdoor sun calendar and compare")
    ap.add_argument("--yearly-frames", action="store_true",
                    help="also run with a frame every year: bytes and output time per frame, lifetime projection")
    ap.add_argument("--set", action="append", metavar="section.key=value",
                    help="override a parameter in every run (repeatable), e.g. domain.signal_voxel_ratio=0.125")
    ap.add_argument("--out", default=None, help="keep the runs in this directory (must not hold runs)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary output directory")
    args = ap.parse_args()
    args.age_start, args.age_end = 25.0, 75.0
    if yaml is not None:
        with open(args.config) as cf:
            run = (yaml.safe_load(cf) or {}).get("run") or {}
        args.age_start = float(run.get("age_start_years", 25.0))
        args.age_end = float(run.get("age_end_years", 75.0))
    base = args.out or tempfile.mkdtemp(prefix="dermsim-bench-")
    os.makedirs(base, exist_ok=True)
    try:
        config_rel = os.path.relpath(args.config, ROOT)
        first = read_run(run_dermsim(args, args.threads, os.path.join(base, "run")))
        report(first, config_rel)
        if args.compare_threads:
            runs = {first["threads"]: first} if first["threads"] in (1, 2) else {}
            for t in (1, 2):
                if t not in runs:
                    print(f"\n(running again at --threads {t})", flush=True)
                    runs[t] = read_run(run_dermsim(args, t, os.path.join(base, f"threads{t}")))
            compare_threads(runs)
        if args.compare_lean:
            compare_lean(args, base, first)
        if args.sun:
            print("\n(running again with the sun calendar)", flush=True)
            cfg = variant_config(args, base, "sun", sun=True)
            compare_sun(first, read_run(run_dermsim(args, args.threads, os.path.join(base, "sun"), cfg)))
        if args.yearly_frames:
            print("\n(running again with yearly frames)", flush=True)
            cfg = variant_config(args, base, "frames", frame_days=365.25)
            report_frames(args, read_run(run_dermsim(args, args.threads, os.path.join(base, "frames"), cfg)), first)
    finally:
        if args.out or args.keep:
            print(f"\noutput kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
