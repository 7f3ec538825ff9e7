"""Time to bug: seeded faults in copies of the project's contracts, hunted by strikeforge and by forge.

Each fault (bench/faults/__init__.py) is one exact textual patch, asserted to apply once, of a project contract
(OptionsEngine, SettlementLedger, BatchTrees, ChainlinkOracle, BatchAuction in Solidity; PercentOtmStrikeSelector and
SignedPriceOracle in Vyper), compiled in memory with the project's solc or vyper into a cache
(.cache/bench/fuzz-bugs/build). Its world deploys the patched bytecode with unpatched scaffolding (mock tokens, a
router stub, feeds) and runs the same handlers and invariants on both engines:
- strikeforge: a ChainMachine over pyrevm (bench/faults/<world>.py), handlers with forge-std's `bound`, every
  invariant after every handler call, 8 steps of 16 calls an example (128 calls);
- forge: an invariant test (bench/forge/bugs/<World>Bugs.t.sol; npm forge, offline) deploying the same bytecode, read
  from code/<Name>.hex, `fail_on_revert = false`, depth 128, one invariant function checking every property (forge
  runs one campaign per invariant function).
Both worlds' invariants hold on the unpatched contracts: the run starts by hunting every world it needs on its clean
bytecode (`--clean-budget` seconds an engine) and warns of any failure there.

Per fault, each engine gets `--seeds` runs of `--budget` wall-clock seconds, one at a time, each process pinned to one
core. Time to bug runs up to the first failing invariant, before shrinking: strikeforge records it in process (handler
calls, EVM calls, seconds since the campaign started, the world's deployment included; the engine's once-per-process
set-up, ~70 ms, is done before the clock starts, as forge's process start and compilation are not in its figure);
forge runs without shrinking, and its test duration (setUp included) and calls (completed runs' and the failing run's)
are the time and calls to failure. Shrunk length: strikeforge's shortest failing example when shrinking ends
(`--shrink-budget` seconds); forge's shrunk sequence from a second run with the same seed and shrinking on
(`--budget` plus `--shrink-budget` seconds; forge's campaigns are not exactly reproducible, so it may shrink another
failure, or miss).

Budget arithmetic (defaults: 21 faults in 7 worlds, 3 seeds, 20 s budget, 10 s shrink, 3 s clean): the clean pass
costs 7 worlds x 2 engines x 3 s = 42 s; the hunt at most 21 x 3 x 2 x 20 s = 42 min if nothing were ever found
(plus forge's shrink runs and strikeforge's shrinking). Most faults fall in well under a second to both engines, so
a run costs mostly process starts (forge ~0.5 s, twice when found; a strikeforge worker ~2 s) and the budgets of the
seeds that miss: measured 10 minutes for the default run on this 2-core machine (Nov 2026). `--quick` hunts 5
faults, one seed, 5 s each (~40 s).

    python bench/fuzz_bugs.py [--budget S] [--seeds N] [--shrink-budget S] [--faults a,b] [--quick]

Writes bench/results/fuzz_bugs.json: per fault and engine every run, seeds found, median time and calls to the first
failure and median shrunk length; totals (faults found by each engine, median time to bug over the faults both found)
and strikeforge's time ratio to forge (the anchor), as the other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _report import write
from faults import BY_NAME, FAULTS, QUICK, world
from faults.build import clean_variant, compile_variants, fault_variant, scaffold_variant, write_code

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".cache" / "bench" / "fuzz-bugs"
FORGE = ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
SOLC = ROOT / ".venv" / "solcx" / "solc-v0.8.28"
DEPTH = 128  # forge's calls a run
STEPS = 8  # strikeforge's steps an example: 8 x 16 handler calls = DEPTH
ENGINES = ("forge", "strikeforge")
FORGE_SRC = (
    "BugsBase.sol",
    "LedgerHandlers.sol",
    "OptionsBugs.t.sol",
    "LedgerBugs.t.sol",
    "ReentrancyBugs.t.sol",
    "OracleBugs.t.sol",
    "AuctionBugs.t.sol",
    "SelectorBugs.t.sol",
    "SignedBugs.t.sol",
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=float, default=None, help="wall-clock seconds per fault, seed and engine (20)")
    p.add_argument("--seeds", type=int, default=None, help="runs per fault and engine (3)")
    p.add_argument("--shrink-budget", type=float, default=10.0, help="seconds of shrinking after a find (10)")
    p.add_argument("--clean-budget", type=float, default=None, help="seconds per world and engine on clean code (3)")
    p.add_argument("--faults", default="", help="comma-separated fault names (default: all)")
    p.add_argument("--quick", action="store_true", help="4 faults, one seed, 5 s each: a smoke test")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--fault", default="", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--built", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    quick = args.quick
    args.budget = args.budget if args.budget is not None else (5.0 if quick else 20.0)
    args.seeds = args.seeds if args.seeds is not None else (1 if quick else 3)
    args.clean_budget = args.clean_budget if args.clean_budget is not None else (2.0 if quick else 3.0)
    if args.faults:
        names = [n.strip() for n in args.faults.split(",") if n.strip()]
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            p.error(f"unknown faults: {', '.join(unknown)} (known: {', '.join(BY_NAME)})")
        args.selected = names
    else:
        args.selected = list(QUICK) if quick else [f.name for f in FAULTS]
    return args


# -- building ----------------------------------------------------------------------------------------------------------


def build(names: list[str]) -> dict[str, dict]:
    """Every variant the run needs (scaffold, each world's clean target, each fault), compiled or from the cache."""
    worlds = sorted({BY_NAME[n].world for n in names})
    variants = [scaffold_variant(worlds), *(clean_variant(w) for w in worlds)]
    return compile_variants(variants + [fault_variant(BY_NAME[n]) for n in names])


def world_of(label: str) -> str:
    """The world of a fault name or of `clean-<world>`."""
    return label.removeprefix("clean-") if label.startswith("clean-") else BY_NAME[label].world


# -- strikeforge -------------------------------------------------------------------------------------------------------


def worker(args: argparse.Namespace) -> None:
    """One strikeforge run in this process (on the bytecode the parent wrote); prints its result as JSON."""
    from faults.build import contract_types
    from faults.harness import hunt

    built = json.loads(Path(args.built).read_text())
    machine = world(world_of(args.fault)).machine(contract_types(built["scaffold"], built[args.fault]))
    machine.__name__ = f"{machine.__name__}_{args.fault.replace('-', '_')}"
    print(json.dumps(hunt(machine, args.seed, args.budget, args.shrink_budget, STEPS)))


def pinned() -> None:
    """preexec_fn: run the child on one core (the last one this process may use)."""
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def strikeforge_run(label: str, built: dict, seed: int, budget: float, shrink_budget: float) -> dict:
    path = WORK / "runs" / f"{label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"scaffold": built["scaffold"], label: built[label]}))
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--fault",
        label,
        "--seed",
        str(seed),
        "--budget",
        str(budget),
        "--shrink-budget",
        str(shrink_budget),
        "--built",
        str(path),
    ]
    out = subprocess.run(
        cmd, capture_output=True, text=True, preexec_fn=pinned, timeout=budget + shrink_budget + 300, cwd=ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(f"strikeforge worker failed for {label} (seed {seed}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- forge -------------------------------------------------------------------------------------------------------------


def forge_project() -> Path:
    """The forge project: the world tests and StrikeforgeTest.sol in src/, built once."""
    project = WORK / "forge"
    src = project / "src"
    src.mkdir(parents=True, exist_ok=True)
    wanted = {"StrikeforgeTest.sol": ROOT / "bench" / "forge" / "StrikeforgeTest.sol"}
    wanted |= {name: ROOT / "bench" / "forge" / "bugs" / name for name in FORGE_SRC}
    for name, path in wanted.items():
        target = src / name
        if not target.exists() or target.read_text() != path.read_text():
            target.write_text(path.read_text())
    for stale in src.glob("*.sol"):
        if stale.name not in wanted:
            stale.unlink()
    forge_config(project, runs=1, budget=None, shrink=0)
    out = subprocess.run(
        [str(FORGE), "build", "--root", str(project)], capture_output=True, text=True, env=forge_env(), cwd=project
    )
    if out.returncode != 0:
        raise RuntimeError(f"forge build failed:\n{(out.stdout + out.stderr)[-3000:]}")
    return project


def forge_env() -> dict[str, str]:
    return {"HOME": str(WORK / "forge-home"), "PATH": os.environ["PATH"]}


def forge_config(project: Path, runs: int, budget: float | None, shrink: int) -> None:
    timeout = f"timeout = {max(1, round(budget))}\n" if budget is not None else ""
    (project / "foundry.toml").write_text(
        "[profile.default]\n"
        'src = "src"\ntest = "src"\nout = "out"\ncache_path = "cache"\nlibs = []\n'
        f'offline = true\nauto_detect_solc = false\nsolc = "{SOLC}"\n'
        'evm_version = "cancun"\noptimizer = true\noptimizer_runs = 200\n'
        'fs_permissions = [{ access = "read", path = "./code" }]\n'
        f"[invariant]\nruns = {runs}\ndepth = {DEPTH}\nfail_on_revert = false\nshrink_run_limit = {shrink}\n"
        f'{timeout}failure_persist_dir = "{project / "failures"}"\n'
    )


def forge_run(project: Path, label: str, built: dict, seed: int, budget: float, shrink: int, timeout: float) -> dict:
    """One forge campaign on `label`'s bytecode; its outcome from --json."""
    name = world_of(label)
    write_code(project / "code", built["scaffold"], built[label])
    shutil.rmtree(project / "failures", ignore_errors=True)
    forge_config(project, runs=100_000_000, budget=budget, shrink=shrink)
    cmd = [
        str(FORGE),
        "test",
        "--root",
        str(project),
        "--match-contract",
        f"^{world(name).FORGE_CONTRACT}$",
        "--fuzz-seed",
        str(seed),
        "--json",
    ]
    started = time.perf_counter()
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, env=forge_env(), preexec_fn=pinned, timeout=timeout, cwd=project
        )
    except subprocess.TimeoutExpired:
        return {"found": False, "killed": True, "wall": time.perf_counter() - started}
    wall = time.perf_counter() - started
    try:
        report = json.loads(out.stdout[out.stdout.index("{") :])
    except ValueError as exc:
        raise RuntimeError(f"forge gave no JSON for {label}:\n{(out.stdout + out.stderr)[-3000:]}") from exc
    (suite,) = report.values()
    results = suite["test_results"]
    if "setUp()" in results:
        raise RuntimeError(f"forge setUp failed for {label}: {results['setUp()'].get('reason')}")
    (test,) = results.values()
    kind = test.get("kind", {}).get("Invariant", {})
    sequence = (test.get("counterexample") or {}).get("Sequence")  # [calls, [call, ...]]: the failing run's calls
    failing = len(sequence[1]) if sequence else 0
    metrics = sum(m.get("calls", 0) for m in (kind.get("metrics") or {}).values())
    return {
        "found": test["status"] == "Failure",
        "seconds": duration(test.get("duration")),
        # every call made: the completed runs' and the failing run's (forge's per-handler metrics count both)
        "calls": max(metrics, (kind.get("calls") or 0) + failing),
        "runs": kind.get("runs"),
        "reverts": kind.get("reverts"),
        "shrunk": failing if sequence else None,
        "reason": (test.get("reason") or "")[:300],
        "wall": wall,
    }


_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}


def duration(value: object) -> float | None:
    """forge's --json durations: "1s 437ms 829µs 429ns" (or {"secs", "nanos"})."""
    if isinstance(value, dict):
        return value.get("secs", 0) + value.get("nanos", 0) / 1e9
    if not isinstance(value, str):
        return None
    return sum(float(n) * _UNITS[u] for n, u in re.findall(r"([\d.]+)\s*(ms|µs|us|ns|d|h|m|s)\b", value))


def forge_hunt(project: Path, label: str, built: dict, seed: int, budget: float, shrink_budget: float) -> dict:
    """Time and calls to failure without shrinking; then, if found, the shrunk length from a second run with the same
    seed and shrinking on (forge's campaigns are not exactly reproducible run to run, so it may shrink another failing
    sequence, or miss: then no length), given `budget + shrink_budget` seconds."""
    first = forge_run(project, label, built, seed, budget, shrink=0, timeout=budget + 120)
    if not first["found"]:
        return first
    again = forge_run(
        project,
        label,
        built,
        seed,
        budget + shrink_budget,
        shrink=5000,
        timeout=budget + shrink_budget + 60,
    )
    first["shrunk"] = again.get("shrunk") if again.get("found") else None
    first["shrink_finished"] = first["shrunk"] is not None
    first["shrink_run"] = {"found": again.get("found"), "wall": again.get("wall"), "killed": again.get("killed", False)}
    return first


# -- the benchmark -----------------------------------------------------------------------------------------------------


def summary(runs: list[dict]) -> dict:
    found = [r for r in runs if r.get("found")]

    def median(key: str) -> float | None:
        values = [r[key] for r in found if r.get(key) is not None]
        return statistics.median(values) if values else None

    return {
        "found": len(found),
        "seeds": len(runs),
        "median_seconds": median("seconds"),
        "median_calls": median("calls"),
        "median_shrunk": median("shrunk"),
        "runs": runs,
    }


def cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    started = time.perf_counter()
    print(f"building {len(args.selected)} faults ...", flush=True)
    built = build(args.selected)
    project = forge_project()
    worlds = sorted({BY_NAME[n].world for n in args.selected})

    clean: dict[str, dict] = {}
    for name in worlds:
        label = f"clean-{name}"
        fg = forge_run(project, label, built, 1, args.clean_budget, shrink=0, timeout=args.clean_budget + 120)
        sf = strikeforge_run(label, built, 1, args.clean_budget, 0.0)
        clean[name] = {"forge": fg, "strikeforge": sf}
        status = ", ".join(f"{e} {'FAILED' if r['found'] else 'ok'}" for e, r in clean[name].items())
        print(f"clean {name}: {status}", flush=True)

    faults: dict[str, dict] = {}
    for n in args.selected:
        fault = BY_NAME[n]
        forge_runs, sf_runs = [], []
        for seed in range(1, args.seeds + 1):
            forge_runs.append(forge_hunt(project, n, built, seed, args.budget, args.shrink_budget))
            sf_runs.append(strikeforge_run(n, built, seed, args.budget, args.shrink_budget))
        faults[n] = {
            "world": fault.world,
            "unit": fault.unit,
            "description": fault.description,
            "forge": summary(forge_runs),
            "strikeforge": summary(sf_runs),
        }
        f, s = faults[n]["forge"], faults[n]["strikeforge"]
        print(f"{n}: forge {f['found']}/{f['seeds']}, strikeforge {s['found']}/{s['seeds']}", flush=True)

    rows = []
    for n, r in faults.items():
        row = [n]
        for engine in ("forge", "strikeforge"):
            e = r[engine]
            row += [
                f"{e['found']}/{e['seeds']}",
                cell(e["median_seconds"], ".2f"),
                cell(e["median_calls"], ",.0f"),
                cell(e["median_shrunk"], ".0f"),
            ]
        rows.append(row)
    both = [n for n, r in faults.items() if r["forge"]["found"] and r["strikeforge"]["found"]]
    medians = {
        engine: statistics.median(faults[n][engine]["median_seconds"] for n in both) if both else None
        for engine in ("forge", "strikeforge")
    }
    totals = {
        "faults": len(faults),
        "found": {e: sum(1 for r in faults.values() if r[e]["found"]) for e in ENGINES},
        "seeds_found": {e: sum(r[e]["found"] for r in faults.values()) for e in ENGINES},
        "found_by_both": both,
        "median_seconds_found_by_both": medians,
        "time_ratio_to_forge": (
            round(medians["strikeforge"] / medians["forge"], 3) if both and medians["forge"] else None
        ),
    }
    rows.append(
        [
            f"TOTAL (median s: the {len(both)} found by both)",
            f"{totals['found']['forge']}/{len(faults)}",
            cell(medians["forge"], ".2f"),
            "",
            "",
            f"{totals['found']['strikeforge']}/{len(faults)}",
            cell(medians["strikeforge"], ".2f"),
            "",
            "",
        ]
    )
    data = {
        "faults": faults,
        "totals": totals,
        "clean": clean,
        "settings": {
            "budget_s": args.budget,
            "seeds": args.seeds,
            "shrink_budget_s": args.shrink_budget,
            "clean_budget_s": args.clean_budget,
            "forge_depth": DEPTH,
            "strikeforge_steps": STEPS,
            "calls_per_step": 16,
            "wall_s": round(time.perf_counter() - started, 1),
        },
    }
    title = (
        f"Time to bug: {len(faults)} seeded faults, {args.seeds} seed(s) x {args.budget:g} s per engine, one core each "
        "(found = seeds; s, calls = median to the first failure; shrunk = median calls after shrinking)"
    )
    columns = ["fault", "forge found", "s", "calls", "shrunk", "sf found", "s", "calls", "shrunk"]
    os.environ.setdefault("COLUMNS", "150")  # rich's width when not on a terminal (80 would fold the fault names)
    write("fuzz_bugs", title, columns, rows, data)
    failed_clean = [f"{w}/{e}" for w, r in clean.items() for e, x in r.items() if x["found"]]
    if failed_clean:
        print(f"WARNING: invariants failed on clean code: {', '.join(failed_clean)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(sys.argv[1:])
