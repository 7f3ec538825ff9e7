"""``strikeforge audit --fuzz``: after the static run, compile the audited files, fuzz what deploys, merge findings."""

from __future__ import annotations

import time
from pathlib import Path

from strikeforge.audit import triage
from strikeforge.audit.abifuzz.campaign import CampaignReport, campaign
from strikeforge.audit.abifuzz.compile import compile_paths
from strikeforge.audit.abifuzz.recipe import RecipeError, load
from strikeforge.audit.abifuzz.report import rules
from strikeforge.audit.findings import rename_paths, sort_key
from strikeforge.audit.run import AuditResult
from strikeforge.audit.sources import AuditInputError, unit_name

TIME_LIMIT = 50.0  # seconds per campaign: `audit --fuzz` stays under a minute per contract


def campaigns(
    files: list[Path], root: Path, seed: int, calls: int, recipe_path: Path | None, time_limit: float = TIME_LIMIT
) -> tuple[list[CampaignReport], dict[str, str]]:
    """One campaign on the recipe's world, or (no recipe) one per compiled contract with the fallback deployment.
    Returns the reports and the contracts that were not fuzzed, with why."""
    compiled = compile_paths(files, root)
    skipped = {str(path): f"does not compile: {reason}" for path, reason in compiled.failed.items()}
    try:
        recipe = load(recipe_path) if recipe_path else None
    except RecipeError as exc:
        raise AuditInputError(str(exc)) from exc
    reports = []
    if recipe is not None:
        missing = [d.contract for d in recipe.deploy if d.contract and d.contract not in compiled.types]
        if missing:
            known = ", ".join(sorted(compiled.types))
            raise AuditInputError(f"{recipe_path}: {', '.join(missing)} not among the audited contracts ({known})")
        try:
            reports.append(
                campaign(
                    compiled.types, recipe, seed, calls, sources=compiled.sources, root=root, time_limit=time_limit
                )
            )
        except RecipeError as exc:
            raise AuditInputError(str(exc)) from exc
    else:
        for name in sorted(compiled.types):
            report = campaign(
                {name: compiled.types[name]},
                None,
                seed,
                calls,
                sources=compiled.sources,
                root=root,
                time_limit=time_limit,
            )
            if report.targets:
                reports.append(report)
            skipped |= {k: v for k, v in report.skipped.items() if k != "token"}
    return reports, skipped


def fuzz_audit(
    result: AuditResult,
    root: Path,
    triage_path: Path | None,
    seed: int,
    calls: int,
    recipe_path: Path | None,
) -> list[str]:
    """Run the campaigns over the audited files and merge their findings into ``result`` (triaged like the static
    ones); the lines to print: one per campaign and one per contract not fuzzed."""
    start = time.perf_counter()
    reports, skipped = campaigns(result.scope.files, root, seed, calls, recipe_path)
    accepted = triage.load(triage_path) if triage_path else triage.Triage()
    here = Path.cwd()

    def from_root(path: str) -> str:
        """A campaign names a source from the working folder; the audit names it from the audited root."""
        return unit_name(here / path, result.scope.base) if (here / path).is_file() else path

    for report in reports:
        for finding in report.findings:
            rename_paths(finding, from_root)
            entry = accepted.entries.get(finding["strikeforge"]["stable_id"])
            finding["strikeforge"] |= {
                "triage": accepted.status_of(finding),
                "justification": entry.justification if entry else None,
            }
            result.findings.append(finding)
    result.findings.sort(key=sort_key)
    result.stale = accepted.stale(result.findings) if triage_path else result.stale
    result.rules |= rules()
    seconds = time.perf_counter() - start
    result.timings["fuzz"] = seconds
    result.timings["total"] = result.timings.get("total", 0.0) + seconds
    lines = [f"fuzz (seed {seed}): {r.summary()}" for r in reports]
    lines += [f"fuzz: not fuzzed {name}: {reason}" for name, reason in sorted(skipped.items())]
    return lines
