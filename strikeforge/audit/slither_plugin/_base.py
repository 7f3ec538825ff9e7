"""The base class of the Strikeforge Slither detectors: shared wiki links and the declared-functions walk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slither.core.declarations import Contract, Function
from slither.detectors.abstract_detector import AbstractDetector

from strikeforge.audit.docs import Documented


class StrikeforgeDetector(Documented, AbstractDetector):
    """A Slither detector of ours; subclasses set the class attributes Slither reads and implement ``_detect``."""

    def declared_functions(self) -> Iterator[tuple[Contract, Function]]:
        """Every function and modifier with a body, once, in the contract that declares it (dependencies skipped)."""
        for contract in self.compilation_unit.contracts:
            if contract.is_interface or self._is_dependency(contract):
                continue
            for function in contract.functions_and_modifiers_declared:
                if function.is_implemented:
                    yield contract, function

    def derived_contracts(self) -> Iterator[Contract]:
        """Every deployable contract that is not a dependency's."""
        for contract in self.compilation_unit.contracts_derived:
            if not contract.is_interface and not contract.is_library and not self._is_dependency(contract):
                yield contract

    def state_changing_entry_points(self) -> Iterator[tuple[Contract, Function]]:
        """Every public or external function of a deployable contract that can change state (no constructors)."""
        for contract in self.derived_contracts():
            for entry in contract.functions_entry_points:
                if not (entry.view or entry.pure or entry.is_constructor):
                    yield contract, entry

    def _is_dependency(self, item: Any) -> bool:
        """True for code under node_modules (crytic-compile's dependency test, then the path)."""
        if not item.source_mapping:
            return False
        filename = item.source_mapping.filename
        return self.compilation_unit.crytic_compile.is_dependency(filename.absolute) or "node_modules" in str(
            filename.absolute
        )
