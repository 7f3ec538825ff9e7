"""Stateful fuzzing throughput: the same ERC-4626 vault campaign on four engines, as handler calls per second.

Same contract (MockVault over MockERC20, the bytecode from Ape's build for every engine), same call mix (four
handlers with forge-std's `bound`), same invariant (two properties) checked after every call, one process each:
- strikeforge: Hypothesis over the in-process engine (pyrevm), the mix written as ChainMachine handlers (one
  integer draw per call, 16 calls a step, see strikeforge.fuzz.machine), the invariant's six views read in one EVM
  call (chain.view_many); again with 4 calls per draw (faster, less minimal shrinking), and again with the six views
  read one by one (what the invariant cost before view_many);
- forge: an invariant test with a handler (npm forge, offline, the project's solc), `fail_on_revert = false`;
- ape: Hypothesis over Ape's EthereumTester provider (coincurve installed);
- titanoboa: Hypothesis over titanoboa (py-evm), in a separate venv (its pytest plugin would meet ape test's).
Writes bench/results/fuzz_throughput.json as {"calls_per_s": {...}, "ratio_to_forge": {...}, ...}; a profile of
the strikeforge run (where its time goes) is printed below the table.

    python bench/fuzz_throughput.py [--quick]
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _fuzz_mix import bound, campaign_settings, make_machine, run
from _report import write
from hypothesis.stateful import run_state_machine_as_test

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".cache" / "bench"
START = 1_000_000 * 10**18
QUICK = "--quick" in sys.argv
SIZES = {  # (examples, depth) per engine; strikeforge's depth is steps of 16 handler calls (~ forge's runs x depth)
    "strikeforge": (29, 7) if QUICK else (230, 7),
    "forge": (64, 50) if QUICK else (256, 100),
    "ape": (2, 10) if QUICK else (4, 25),
    "titanoboa": (4, 25) if QUICK else (10, 50),
}


def artifacts() -> dict:
    from strikeforge.fuzz.artifacts import from_manifest

    subprocess.run([str(Path(sys.executable).with_name("ape")), "compile"], cwd=ROOT, check=True, capture_output=True)
    types = from_manifest(ROOT, "MockERC20", "MockVault")
    return {
        name: {"bytecode": t.deployment_bytecode.bytecode, "abi": [a.model_dump(mode="json") for a in t.abi]}
        for name, t in types.items()
    } | {"_types": types}


def strikeforge_machine(arts: dict, calls_per_draw: int = 1, batched_views: bool = True) -> type:
    """The call mix as Foundry-style handlers on ChainMachine (16 calls a step, `calls_per_draw` per drawn integer);
    the invariant reads its views in one EVM call (`batched_views`) or one by one."""
    from hypothesis.stateful import invariant

    from strikeforge.fuzz.errors import TransactionError
    from strikeforge.fuzz.machine import ChainMachine, handler

    types = arts["_types"]

    class VaultHandlers(ChainMachine):
        ACTORS = ("alice", "bob", "carol")
        CALLS_PER_DRAW = calls_per_draw

        @classmethod
        def deploy(cls, chain, actors):
            token = chain.deploy(types["MockERC20"], "Mock USD", "mUSD", 18, sender=actors["deployer"])
            vault = chain.deploy(types["MockVault"], token, 0, sender=actors["deployer"])
            for label in cls.ACTORS:
                token.mint(actors[label], START, sender=actors["deployer"])
                token.approve(vault, 2**256 - 1, sender=actors[label])
            return {"token": token, "vault": vault}

        def __init__(self) -> None:
            super().__init__()
            vault, token = self.c.vault, self.c.token
            # The invariant's reads, as forge's invariant_vault_accounting makes them.
            self.reads = (
                (vault, "totalAssets"),
                (token, "balanceOf", (vault,)),
                (vault, "totalSupply"),
                *((vault, "balanceOf", (self.who(a),)) for a in self.ACTORS),
            )

        def pick(self, seed: int):
            return self.who(self.ACTORS[seed % 3])

        def send(self, fn, *args, sender) -> None:
            try:
                fn(*args, sender=sender)
            except TransactionError:  # forge's fail_on_revert = false (try/except: cheaper than suppress())
                return

        @handler(256, 256)
        def deposit(self, seed: int, raw: int) -> None:
            a = self.pick(seed)
            self.send(self.c.vault.deposit, bound(raw, 0, self.c.token.balanceOf(a)), a, sender=a)

        @handler(256, 256)
        def withdraw(self, seed: int, raw: int) -> None:
            a = self.pick(seed)
            self.send(self.c.vault.withdraw, bound(raw, 0, self.c.vault.maxWithdraw(a)), a, a, sender=a)

        @handler(256, 256)
        def redeem(self, seed: int, raw: int) -> None:
            a = self.pick(seed)
            self.send(self.c.vault.redeem, self.c.vault.balanceOf(a) * bound(raw, 0, 100) // 100, a, a, sender=a)

        @handler(256, 256)
        def donate(self, seed: int, raw: int) -> None:
            a = self.pick(seed)
            self.send(self.c.token.transfer, self.c.vault, bound(raw, 0, self.c.token.balanceOf(a)), sender=a)

        if batched_views:

            @invariant()
            def vault_accounting(self) -> None:
                assets, held, supply, *shares = self.chain.view_many(self.reads)  # one EVM call
                assert assets == held
                assert supply == sum(shares)

        else:

            @invariant()
            def vault_accounting(self) -> None:
                vault, token = self.c.vault, self.c.token
                assert vault.totalAssets() == token.balanceOf(vault)
                assert vault.totalSupply() == sum(vault.balanceOf(self.who(a)) for a in self.ACTORS)

    return VaultHandlers


def strikeforge_engine(arts: dict, calls_per_draw: int = 1, batched_views: bool = True) -> dict:
    """One measured campaign (no profiler attached)."""
    from strikeforge.fuzz import stats

    machine = strikeforge_machine(arts, calls_per_draw, batched_views)
    machine.__name__ = f"VaultHandlers{calls_per_draw}{'' if batched_views else 'Unbatched'}"
    examples, steps = SIZES["strikeforge"]
    record = stats.for_machine(machine.__name__)
    before = record.steps
    start = time.perf_counter()
    run_state_machine_as_test(machine, settings=campaign_settings(examples, steps))
    seconds = time.perf_counter() - start
    calls = record.steps - before
    return {"calls": calls, "seconds": seconds, "calls_per_s": calls / seconds}


def strikeforge_profile(arts: dict) -> str:
    """Where a shorter, separate strikeforge run spends its time."""
    machine = strikeforge_machine(arts)
    examples, steps = SIZES["strikeforge"]
    profiler = cProfile.Profile()
    profiler.enable()
    run_state_machine_as_test(machine, settings=campaign_settings(max(8, examples // 8), steps))
    profiler.disable()
    return _profile_summary(profiler)


def _median_run(runs: list[dict]) -> dict:
    """The run with the median calls/s, with every run's figure (this VM's timings vary by tens of percent)."""
    ordered = sorted(runs, key=lambda r: r["calls_per_s"])
    return ordered[len(ordered) // 2] | {"runs_calls_per_s": [round(r["calls_per_s"], 1) for r in ordered]}


def _profile_summary(profiler: cProfile.Profile) -> str:
    """Share of time by layer: Hypothesis' engine, ABI encoding, the EVM, our wrapper."""
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    layers = {"hypothesis": 0.0, "eth_abi/eth_utils": 0.0, "pyrevm (EVM)": 0.0, "strikeforge.fuzz": 0.0}
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "hypothesis" in filename:
            layers["hypothesis"] += tottime
        elif "eth_abi" in filename or "eth_utils" in filename or "eth_typing" in filename:
            layers["eth_abi/eth_utils"] += tottime
        elif "message_call" in name or "pyrevm" in filename:
            layers["pyrevm (EVM)"] += tottime
        elif "strikeforge" in filename or "_fuzz_mix" in filename:
            layers["strikeforge.fuzz"] += tottime
    other = total - sum(layers.values())
    parts = [f"{k} {v / total:.0%}" for k, v in layers.items()] + [f"other {other / total:.0%}"]
    return "strikeforge profile (self time): " + ", ".join(parts)


def ape_engine() -> dict:
    from ape import accounts, chain, networks, project
    from ape.exceptions import ContractLogicError

    with networks.ethereum.local.use_provider("test"):
        deployer, *actors = accounts.test_accounts[:4]
        token = project.MockERC20.deploy("Mock USD", "mUSD", 18, sender=deployer)
        vault = project.MockVault.deploy(token, 0, sender=deployer)
        for a in actors:
            token.mint(a, START, sender=deployer)
            token.approve(vault, 2**256 - 1, sender=a)
        counter = [0]
        machine = make_machine(token, vault, actors, chain.snapshot, chain.restore, (ContractLogicError,), counter)
        return run(machine, *SIZES["ape"], counter)


def titanoboa_engine(arts: dict) -> dict:
    venv = WORK / "boa-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pins = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line]
        constraints = WORK / "boa-constraints.txt"
        constraints.write_text("\n".join(pins) + "\n")
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-c", str(constraints), "titanoboa==0.2.8", "hypothesis"],
            check=True,
        )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({k: v for k, v in arts.items() if not k.startswith("_")}, f)
    examples, depth = SIZES["titanoboa"]
    env = {**os.environ, "XDG_CACHE_HOME": str(WORK / "boa-cache")}
    out = subprocess.run(
        [str(python), str(ROOT / "bench" / "_fuzz_boa.py"), f.name, str(examples), str(depth)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "bench",
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def forge_engine(arts: dict) -> dict:
    project = WORK / "forge-fuzz"
    shutil.rmtree(project, ignore_errors=True)
    (project / "src").mkdir(parents=True)
    for name in ("StrikeforgeTest.sol", "VaultInvariants.t.sol"):
        shutil.copy(ROOT / "bench" / "forge" / name, project / "src" / name)
    (project / "src" / "Bytecode.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n\n"
        "/// @notice Generated by bench/fuzz_throughput.py from Ape's build: the benchmark's exact bytecode.\n"
        "library Bytecode {\n"
        f'    bytes internal constant TOKEN = hex"{arts["MockERC20"]["bytecode"][2:]}";\n'
        f'    bytes internal constant VAULT = hex"{arts["MockVault"]["bytecode"][2:]}";\n'
        "}\n"
    )
    runs, depth = SIZES["forge"]
    (project / "foundry.toml").write_text(
        "[profile.default]\n"
        'src = "src"\ntest = "src"\nout = "out"\nlibs = []\n'
        f'offline = true\nauto_detect_solc = false\nsolc = "{ROOT / ".venv" / "solcx" / "solc-v0.8.28"}"\n'
        'evm_version = "cancun"\noptimizer = true\n'
        f"[invariant]\nruns = {runs}\ndepth = {depth}\nfail_on_revert = false\nshrink_run_limit = 0\n"
    )
    forge = ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
    env = {"HOME": str(WORK / "forge-home"), "PATH": os.environ["PATH"]}
    subprocess.run([str(forge), "build", "--root", str(project)], check=True, capture_output=True, env=env)
    out = subprocess.run(
        [str(forge), "test", "--root", str(project), "--match-contract", "VaultInvariants", "-j", "1"],
        capture_output=True,
        text=True,
        env=env,
    )
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise RuntimeError(f"forge test failed:\n{text[-3000:]}")
    calls = int(re.search(r"calls: (\d+)", text).group(1))
    seconds = float(re.search(r"finished in ([\d.]+)(m?s)", text).group(1))
    if re.search(r"finished in [\d.]+ms", text):
        seconds /= 1000
    return {"calls": calls, "seconds": seconds, "calls_per_s": calls / seconds}


def main() -> None:
    arts = artifacts()
    repeats = 1 if QUICK else 3
    results: dict[str, dict] = {}
    # strikeforge and forge are each run `repeats` times, interleaved, and the median run is reported.
    sf, sf4, sf1, fg = [], [], [], []
    for _ in range(repeats):
        sf.append(strikeforge_engine(arts, 1))
        sf4.append(strikeforge_engine(arts, 4))
        sf1.append(strikeforge_engine(arts, 1, batched_views=False))
        fg.append(forge_engine(arts))
    results["strikeforge"] = _median_run(sf)
    results["strikeforge (4 calls/draw)"] = _median_run(sf4)
    results["strikeforge (views one by one)"] = _median_run(sf1)
    results["forge"] = _median_run(fg)
    results["ape"] = ape_engine()
    results["titanoboa"] = titanoboa_engine(arts)
    profile = strikeforge_profile(arts)
    anchor = results["forge"]["calls_per_s"]
    rows = [
        [name, f"{r['calls']:,}", f"{r['seconds']:.2f}", f"{r['calls_per_s']:,.0f}", f"{r['calls_per_s'] / anchor:.3f}"]
        for name, r in results.items()
    ]
    data = {
        "calls_per_s": {name: round(r["calls_per_s"], 1) for name, r in results.items()},
        "ratio_to_forge": {name: round(r["calls_per_s"] / anchor, 4) for name, r in results.items()},
        "runs_calls_per_s": {name: r.get("runs_calls_per_s") for name, r in results.items()},
        "calls": {name: r["calls"] for name, r in results.items()},
        "sizes": {name: {"examples": e, "depth": d} for name, (e, d) in SIZES.items()},
        "profile": profile,
    }
    title = f"Stateful fuzzing: handler calls/s, invariant after every call (one process each; median of {repeats})"
    write("fuzz_throughput", title, ["engine", "calls", "s", "calls/s", "vs forge"], rows, data)
    print(profile)


if __name__ == "__main__":
    main()
