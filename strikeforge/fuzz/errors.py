"""Exceptions the engine raises for failed transactions."""

from __future__ import annotations

from strikeforge.fuzz.abi import DecodedError


class TransactionError(Exception):
    """Base: a transaction or call did not succeed."""

    gas_used: int


class RevertError(TransactionError):
    """The call reverted; ``error`` is the decoded revert data (custom error, Error(string), Panic, or raw)."""

    def __init__(self, error: DecodedError, gas_used: int, call: str) -> None:
        super().__init__(f"{call} reverted: {error}")
        self.error = error
        self.gas_used = gas_used
        self.call = call


class HaltError(TransactionError):
    """The EVM halted exceptionally (out of gas, invalid opcode, stack errors...)."""

    def __init__(self, reason: str, gas_used: int, call: str) -> None:
        super().__init__(f"{call} halted: {reason}")
        self.reason = reason
        self.gas_used = gas_used
        self.call = call


class InvalidTransactionError(TransactionError):
    """The transaction was refused before execution (e.g. its intrinsic gas exceeds the gas limit); nothing ran."""

    def __init__(self, reason: str, call: str) -> None:
        super().__init__(f"{call} is invalid: {reason}")
        self.reason = reason
        self.gas_used = 0
        self.call = call
