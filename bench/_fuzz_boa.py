"""The fuzz benchmark on titanoboa (py-evm underneath); run in the benchmark's own venv by fuzz_throughput.py.

python _fuzz_boa.py <artifacts.json> <examples> <depth>    ->  prints one JSON line
"""

from __future__ import annotations

import json
import sys

import boa
from _fuzz_mix import make_machine, run
from eth_abi import encode

START = 1_000_000 * 10**18


def main() -> None:
    artifacts = json.loads(open(sys.argv[1]).read())  # noqa: PTH123, SIM115 - a short helper
    examples, depth = int(sys.argv[2]), int(sys.argv[3])
    deployer = boa.env.generate_address("deployer")
    actors = [boa.env.generate_address(label) for label in ("alice", "bob", "carol")]

    def deploy(name: str, types: list[str], args: list) -> object:
        code = bytes.fromhex(artifacts[name]["bytecode"][2:]) + encode(types, args)
        address, _ = boa.env.deploy_code(bytecode=code, sender=deployer)
        return boa.loads_abi(json.dumps(artifacts[name]["abi"]), name=name).at(address)

    token = deploy("MockERC20", ["string", "string", "uint8"], ["Mock USD", "mUSD", 18])
    vault = deploy("MockVault", ["address", "uint8"], [token.address, 0])
    for a in actors:
        token.mint(a, START, sender=deployer)
        token.approve(vault.address, 2**256 - 1, sender=a)
    counter = [0]
    machine = make_machine(
        token, vault, actors, boa.env.evm.snapshot, boa.env.evm.revert, (boa.BoaError,), counter, vault.address
    )
    print(json.dumps(run(machine, examples, depth, counter)))


if __name__ == "__main__":
    main()
