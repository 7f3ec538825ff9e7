"""What ``strikeforge audit`` prints: findings by severity, what fails the run, stale triage entries, timings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from strikeforge.audit.findings import IMPACTS, SEVERITY_NAMES, at_or_above, location
from strikeforge.audit.run import AuditResult
from strikeforge.audit.triage import accepted


def summarize(result: AuditResult, fail_on: str) -> bool:
    """Print the summary; return True when an untriaged finding at or above ``fail_on`` exists."""
    console = Console(stderr=True, highlight=False)
    table = Table(
        title=f"{len(result.scope.solidity)} Solidity + {len(result.scope.vyper)} Vyper files under {result.scope.base}"
    )
    for column in ("Severity", "Findings", "Triaged", "Untriaged"):
        table.add_column(column, justify="right" if column != "Severity" else "left")
    for impact in IMPACTS:
        group = [f for f in result.findings if f["impact"] == impact]
        triaged = sum(1 for f in group if accepted(f))
        table.add_row(SEVERITY_NAMES[impact], str(len(group)), str(triaged), str(len(group) - triaged))
    console.print(table)
    failing = result.untriaged(fail_on)
    for finding in failing:
        file, line = location(finding)
        note = " (triage says fixed, but it is still reported)" if finding["strikeforge"]["triage"] else ""
        console.print(
            f"[red]untriaged {finding['impact']}[/red] {finding['strikeforge']['stable_id']} at {file}:{line}{note}\n"
            f"  {finding['description'].strip().splitlines()[0]}"
        )
    for stale in result.stale:
        console.print(
            f"[yellow]stale triage entry[/yellow] {stale}: no such finding any more; remove it or mark it fixed"
        )
    for warning in result.warnings:
        console.print(f"[yellow]slither:[/yellow] {warning}")
    # Triaged means matched by an accepted entry of the triage file; nothing else (a finding below the threshold is
    # untriaged, merely not failing).
    triaged = sum(1 for f in result.findings if accepted(f))
    below = [f for f in result.findings if not at_or_above(f, fail_on) and not accepted(f)]
    gate = (
        f"{len(failing)} untriaged at or above {fail_on}, {len(below)} untriaged below it"
        if fail_on != "none"
        else f"{len(below)} untriaged (--fail-on none)"
    )
    console.print(
        f"{len(result.findings)} findings: {triaged} triaged, {gate}; {result.timings['total']:.1f} s (Solidity "
        f"{result.timings['solidity']:.1f} s, Vyper {result.timings['vyper']:.1f} s)"
    )
    return bool(failing)
