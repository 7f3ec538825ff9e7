"""EIP-170: every contract the project compiles must deploy on mainnet, so its runtime code is at most 24,576 bytes.
Local test chains do not always enforce the limit; this test does, and prints the margin of the largest."""

from __future__ import annotations

EIP170 = 24_576


def test_every_contract_fits_eip170(project):
    sizes = {}
    for name in project.contracts.keys():  # noqa: SIM118 (a ContractManager: iterating it yields types, not names)
        contract_type = project.contracts[name]
        code = contract_type.runtime_bytecode.bytecode if contract_type.runtime_bytecode else None
        if code:
            sizes[name] = (len(code) - 2) // 2
    assert "SettlementLedger" in sizes and "ThetaVault" in sizes  # the manifest really lists the project
    over = {name: size for name, size in sizes.items() if size > EIP170}
    assert not over, f"over EIP-170's {EIP170} bytes: {over}"
    largest = max(sizes, key=sizes.get)
    print(f"largest: {largest} {sizes[largest]} bytes ({EIP170 - sizes[largest]} to spare)")
