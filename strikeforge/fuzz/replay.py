"""Re-execute a failing example on Ape's own provider, to confirm the failure on the real stack.

Hypothesis prints a failing example's blob (``@reproduce_failure('6.170.15', b'AXic...')``; the Hypothesis profiles
all set ``print_blob``). :func:`replay_on_ape` runs the same machine with the same choices, so the same rules, draws,
ghost variables and invariants, against :class:`~strikeforge.fuzz.ape_backend.ApeChain` on EthereumTester (default)
or anvil, and tells whether the failure reproduced there::

    from strikeforge.fuzz.replay import replay_on_ape
    result = replay_on_ape(VaultMachine, "@reproduce_failure('6.170.15', b'AXic...')", network="ethereum:local:foundry")
    assert result.reproduced, result

:func:`replay` runs it again on the in-process engine, e.g. from a campaign's saved ``failure-1.reproduce.txt``::

    replay("tests.fuzz.campaign_machines:CappedSupplyMachine", ".hypothesis/campaign-reports/…/failure-1.reproduce.txt")

Either way ``result.trace`` is the failing run's Foundry-style call trace.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis
from hypothesis import HealthCheck, settings
from hypothesis.errors import DidNotReproduce
from hypothesis.stateful import run_state_machine_as_test

from strikeforge.fuzz.machine import ChainMachine

_DECORATOR = re.compile(r"reproduce_failure\(\s*'([^']+)'\s*,\s*(b'[^']*'|b\"[^\"]*\")\s*\)")


@dataclass
class ReplayResult:
    """What happened on Ape's provider."""

    reproduced: bool
    network: str
    error: BaseException | None = None
    notes: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)  # sender -> Contract.fn(args) [gas] -> result, per transaction

    def __str__(self) -> str:
        verdict = "reproduced" if self.reproduced else "did NOT reproduce"
        detail = f": {type(self.error).__name__}: {self.error}" if self.error else ""
        return f"failure {verdict} on {self.network}{detail}"


def parse_blob(text: str | bytes) -> tuple[str, bytes]:
    """(Hypothesis version, blob) from a printed ``@reproduce_failure(...)`` line or a bare blob."""
    if isinstance(text, bytes):
        return hypothesis.__version__, text
    match = _DECORATOR.search(text)
    if match:
        return match.group(1), ast.literal_eval(match.group(2))
    if text.startswith(("b'", 'b"')):
        return hypothesis.__version__, ast.literal_eval(text)
    raise ValueError(
        "blob: pass the @reproduce_failure('<version>', b'...') line Hypothesis printed, or the b'...' blob itself"
    )


def _blob_text(blob: str | bytes | Path) -> str | bytes:
    """A blob, a @reproduce_failure line, or a file holding one (a campaign's failure-<n>.reproduce.txt)."""
    if isinstance(blob, Path) or (isinstance(blob, str) and "reproduce_failure" not in blob and Path(blob).is_file()):
        return Path(blob).read_text()
    return blob


def replay(machine: type[ChainMachine] | str, blob: str | bytes | Path) -> ReplayResult:
    """Run ``machine``'s failing example (``blob``: the line, the blob, or a file with the line) on the in-process
    engine again; ``machine`` may be a ``package.module:Class`` target."""
    if isinstance(machine, str):
        from strikeforge.fuzz.campaign import load_machine

        machine = load_machine(machine)
    version, raw = parse_blob(_blob_text(blob))
    again = type(f"{machine.__name__}Replay", (machine,), {})
    again._hypothesis_internal_use_reproduce_failure = (version, raw)  # type: ignore[attr-defined]
    replay_settings = settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
    try:
        run_state_machine_as_test(again, settings=replay_settings)
    except DidNotReproduce as exc:
        return ReplayResult(False, "in-process engine", exc)
    except Exception as exc:
        notes = list(getattr(exc, "__notes__", []))
        return ReplayResult(True, "in-process engine", exc, notes, list(getattr(exc, "strikeforge_trace", [])))
    return ReplayResult(False, "in-process engine")


def replay_on_ape(
    machine: type[ChainMachine], blob: str | bytes | Path, network: str = "ethereum:local:test"
) -> ReplayResult:
    """Run ``machine``'s failing example (``blob``) on Ape's provider for ``network``."""
    from ape import networks

    from strikeforge.fuzz.ape_backend import ApeChain

    version, raw = parse_blob(_blob_text(blob))
    lines: list[str] = []
    attributes = {"CHAIN_FACTORY": ApeChain, "_world": None, "TRANSACTION_SINK": staticmethod(lines.append)}
    if machine._handlers and machine.DICTIONARY:  # the engine's dictionary: the same choices, the same arguments
        attributes["STATIC_DICTIONARY"] = list(machine.world().dictionary.static)
    on_ape = type(f"{machine.__name__}OnApe", (machine,), attributes)
    on_ape._hypothesis_internal_use_reproduce_failure = (version, raw)  # type: ignore[attr-defined]
    replay_settings = settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
    with networks.parse_network_choice(network):
        try:
            run_state_machine_as_test(on_ape, settings=replay_settings)
        except DidNotReproduce as exc:
            return ReplayResult(False, network, exc)
        except Exception as exc:
            notes = lines + list(getattr(exc, "__notes__", []))
            return ReplayResult(True, network, exc, notes, list(getattr(exc, "strikeforge_trace", [])))
    return ReplayResult(False, network, notes=lines)
