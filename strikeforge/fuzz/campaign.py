"""Fuzz campaigns sharded across worker processes, sharing examples through Hypothesis' example database.

Each worker runs the same ChainMachine with its own seed and a share of the examples. All of them read and write
one example database: a directory by default, or Hypothesis' Redis database when ``database`` is a ``redis://`` URL,
so failures (and the examples Hypothesis keeps) found by one worker are replayed first by the others, by later
campaigns and by other machines pointed at the same Redis. The parent shows a progress display and collects each
worker's statistics (examples, handler calls, EVM calls, seconds, failure).

What is not a finding is told apart from one: the parent connects to a Redis database before any worker starts
(:func:`check_database`), and each worker deploys its machine's world before Hypothesis runs, so a world that cannot be
deployed (a contract missing from the build, a broken ``deploy``) is a setup error of the campaign, not a failure found.
Machines read their contract types from the build manifest (``.build/__local__.json``): the command compiles first
when it is missing or older than the sources (:func:`ensure_compiled`).

    strikeforge fuzz campaign tests.fuzz.test_vault_invariants:VaultMachine --workers 2 --examples 20000 \\
        --database redis://127.0.0.1:6379/0

The report (:meth:`CampaignResult.report`, what the command prints and writes to ``report.txt`` in its report
folder): EVM and handler calls per second, overall and over time; per invariant (rule, handler), when it first broke
(worker, seconds into the campaign, handler and EVM calls so far) or that it held; each failure with its notes. Every
failure is saved next to the report as ``failure-<n>.reproduce.txt`` (the ``@reproduce_failure`` line; replay it with
:func:`strikeforge.fuzz.replay.replay` or :func:`~strikeforge.fuzz.replay.replay_on_ape`) and
``failure-<n>.trace.txt``, a Foundry-style call trace of the shrunk example (``[Sequence]``: each handler call and the
transactions it sent, ``sender -> Contract.fn(args) [gas] -> result`` or ``-> revert: error``).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from strikeforge.paths import ProjectNotFoundError, find_project_root

DEFAULT_DATABASE = ".hypothesis/campaigns"
DEFAULT_REPORTS = ".hypothesis/campaign-reports"  # a folder per campaign: report.txt, failures' reproduce and trace
_POLL_SECONDS = 1.0  # how often the parent checks that the workers it waits for are alive


@dataclass
class Failure:
    """One failure a worker found (after shrinking): what broke, the error, Hypothesis' notes, the replayable blob line
    and the Foundry-style trace of the shrunk example."""

    origin: str  # "invariant <name>", "rule <name>", "handler <name>" or "unknown"
    error: str
    notes: list[str] = field(default_factory=list)
    reproduce: str | None = None  # the @reproduce_failure(...) line
    trace: list[str] = field(default_factory=list)


@dataclass
class WorkerResult:
    """One worker's share of the campaign."""

    worker: int
    pid: int
    seed: int
    examples: int
    handler_calls: int
    evm_calls: int
    seconds: float
    failure: str | None = None
    notes: list[str] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)  # handler name -> calls
    setup_error: str | None = None  # the machine's world could not be deployed: nothing was fuzzed
    failures: list[Failure] = field(default_factory=list)  # every failure reported (the first is `failure`)
    # origin -> {"seconds", "handler_calls", "evm_calls", "examples"} when it first failed in this worker (searching
    # or shrinking: the first is during the search)
    first_breaks: dict[str, dict[str, float]] = field(default_factory=dict)
    timeline: list[tuple[float, int, int]] = field(default_factory=list)  # (seconds, handler calls, EVM calls)


@dataclass
class CampaignResult:
    """All workers together."""

    target: str
    database: str
    workers: list[WorkerResult]

    @property
    def failed(self) -> bool:
        return any(w.failure for w in self.workers)

    @property
    def setup_errors(self) -> list[WorkerResult]:
        return [w for w in self.workers if w.setup_error]

    @property
    def evm_calls(self) -> int:
        return sum(w.evm_calls for w in self.workers)

    @property
    def seconds(self) -> float:
        return max((w.seconds for w in self.workers), default=0.0)

    @property
    def handler_calls(self) -> int:
        return sum(w.handler_calls for w in self.workers)

    @property
    def failures(self) -> list[tuple[WorkerResult, Failure]]:
        return [(w, f) for w in self.workers for f in w.failures]

    def first_breaks(self) -> dict[str, tuple[WorkerResult, dict[str, float]]]:
        """Per origin, the earliest first break over the workers (by seconds into the campaign)."""
        earliest: dict[str, tuple[WorkerResult, dict[str, float]]] = {}
        for worker in self.workers:
            for origin, when in worker.first_breaks.items():
                if origin not in earliest or when["seconds"] < earliest[origin][1]["seconds"]:
                    earliest[origin] = (worker, when)
        return earliest

    def rates(self, buckets: int = 8) -> list[tuple[float, float, float]]:
        """(from second, to second, calls/s of all workers together) over the campaign: EVM calls per second from
        the workers' timelines, in up to ``buckets`` equal spans of time."""
        end = self.seconds
        if end <= 0:
            return []
        width = end / buckets
        edges = [width * i for i in range(buckets + 1)]
        totals = [0.0] * buckets
        for worker in self.workers:
            points = [(0.0, 0, 0), *worker.timeline]
            for i in range(buckets):
                totals[i] += _calls_at(points, edges[i + 1]) - _calls_at(points, edges[i])
        return [(edges[i], edges[i + 1], totals[i] / width) for i in range(buckets)]

    def report(self, invariants: list[str] | None = None, saved: list[tuple[str, str]] | None = None) -> list[str]:
        """The campaign's report as lines: rates, each invariant's first break, each failure, the files saved."""
        calls = self.evm_calls
        rate = calls / self.seconds if self.seconds else 0
        handler_rate = self.handler_calls / self.seconds if self.seconds else 0
        handlers = f"; {self.handler_calls:,} handler calls ({handler_rate:,.0f}/s)" if self.handler_calls else ""
        lines = [
            f"{self.target}: {len(self.workers)} workers, {calls:,} EVM calls in {self.seconds:.1f} s ({rate:,.0f}/s)"
            + handlers
        ]
        rates = self.rates()
        if rates and self.handler_calls + calls:
            digits = 1 if self.seconds < 20 else 0
            spans = ", ".join(f"{a:.{digits}f}-{b:.{digits}f} s {r:,.0f}" for a, b, r in rates)
            lines.append(f"EVM calls/s over time: {spans}")
        breaks = self.first_breaks()
        names = list(dict.fromkeys([*(f"invariant {n}" for n in invariants or []), *sorted(breaks)]))
        if names:
            lines.append("first broken:")
            for name in names:
                if name not in breaks:
                    lines.append(f"  {name}: held")
                    continue
                worker, when = breaks[name]
                lines.append(
                    f"  {name}: {when['seconds']:.2f} s into the campaign (worker {worker.worker}), after"
                    f" {int(when['handler_calls']):,} handler calls, {int(when['evm_calls']):,} EVM calls,"
                    f" {int(when['examples']):,} examples"
                )
        for worker in self.workers:
            if worker.failure:
                lines.append(f"worker {worker.worker} (seed {worker.seed}) found: {worker.failure}")
                lines.extend(f"  {note}" for note in worker.notes)
                for extra in worker.failures[1:]:
                    lines.append(f"worker {worker.worker} (seed {worker.seed}) also found: {extra.error}")
                    lines.extend(f"  {note}" for note in extra.notes)
        for reproduce, trace in saved or []:
            lines.append(f"saved: {reproduce} and {trace}")
        return lines

    def save(self, folder: Path, invariants: list[str] | None = None) -> list[tuple[str, str]]:
        """Write report.txt and, per failure, failure-<n>.reproduce.txt and failure-<n>.trace.txt into ``folder``;
        the (reproduce, trace) paths."""
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for n, (worker, failure) in enumerate(self.failures, start=1):
            head = f"{self.target}, worker {worker.worker} (seed {worker.seed}): {failure.origin} broke"
            reproduce = folder / f"failure-{n}.reproduce.txt"
            reproduce.write_text(
                f"# {head}\n# {failure.error.splitlines()[0] if failure.error else ''}\n"
                f"{failure.reproduce or '# Hypothesis printed no @reproduce_failure line for this failure'}\n"
                f"# Replay on the in-process engine:\n"
                f"#   from strikeforge.fuzz.replay import replay; print(replay({self.target!r}, {str(reproduce)!r}))\n"
                f"# or on Ape's provider: replay_on_ape(machine, <the line above>, network='ethereum:local:test')\n"
            )
            trace = folder / f"failure-{n}.trace.txt"
            trace.write_text("\n".join(trace_lines(head, failure)) + "\n")
            saved.append((str(reproduce), str(trace)))
        (folder / "report.txt").write_text("\n".join(self.report(invariants, saved)) + "\n")
        return saved


def write_report(result: CampaignResult, report_dir: str | Path | None) -> list[str]:
    """The report's lines; with ``report_dir``, also saved (report.txt and every failure's files) in a new folder
    ``<report_dir>/<Machine>-<UTC time>``, which the last line names."""
    invariants = machine_invariants(result.target)
    if report_dir is None:
        return result.report(invariants)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    base = Path(report_dir) / f"{result.target.rpartition(':')[2]}-{stamp}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    saved = result.save(folder, invariants)
    return [*result.report(invariants, saved), f"report: {folder / 'report.txt'}"]


def trace_lines(head: str, failure: Failure) -> list[str]:
    """A failure's Foundry-style trace: [Sequence] with the handler calls and, indented, their transactions."""
    lines = [f"[Sequence] {head}"]
    in_handler = False
    for entry in failure.trace:
        if entry.startswith("handler "):
            in_handler = True
            lines.append(f"    {entry.removeprefix('handler ')}")
        else:
            lines.append(f"{'        ' if in_handler else '    '}{entry}")
    if not failure.trace:
        lines.append("    (no transactions: the failure needs none)")
    lines.append(f"[Failure] {failure.origin}: {failure.error.splitlines()[0] if failure.error else ''}")
    if failure.reproduce:
        lines.append(f"[Reproduce] {failure.reproduce}")
    return lines


def _calls_at(points: list[tuple[float, int, int]], when: float) -> float:
    """EVM calls done by ``when`` seconds, interpolated between a worker's timeline samples."""
    previous = points[0]
    for point in points[1:]:
        if point[0] >= when:
            span = point[0] - previous[0]
            share = (when - previous[0]) / span if span > 0 else 1.0
            return previous[2] + share * (point[2] - previous[2])
        previous = point
    return float(previous[2])


def machine_invariants(target: str) -> list[str]:
    """The names of the target machine's invariants (for the report's "held" lines)."""
    try:
        machine = load_machine(target)
        return sorted(inv.function.__name__ for inv in machine.setup_state().invariants)
    except Exception:  # the report is still useful without them
        return []


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, without the notes Python 3.11 would print under it."""
    name = type(exc).__qualname__
    message = str(exc)
    return f"{name}: {message}" if message else name


_BLOB = re.compile(r"@reproduce_failure\([^)]*\)")


def _failures_of(exc: BaseException) -> list[Failure]:
    """The failures an exception from run_state_machine_as_test carries (several in an ExceptionGroup)."""
    group = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    found = []
    for one in group:
        notes = list(getattr(one, "__notes__", []))
        blob = next((m.group(0) for n in notes if (m := _BLOB.search(n))), None)
        origin = getattr(one, "strikeforge_origin", None) or "unknown"
        found.append(
            Failure(
                origin=origin,
                error=describe(one),
                notes=notes,
                reproduce=blob,
                trace=list(getattr(one, "strikeforge_trace", [])),
            )
        )
    return found


class CampaignSetupError(ValueError):
    """The campaign cannot start (its database is unreachable, the contracts do not compile); names the fix."""


def is_redis(spec: str) -> bool:
    return spec.startswith(("redis://", "rediss://"))


def check_database(spec: str) -> None:
    """Before any worker starts: a Redis database must answer PING, a directory must be creatable."""
    if not is_redis(spec):
        try:
            Path(spec).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CampaignSetupError(
                f"{spec}: cannot create the directory ({exc.strerror or exc}); pass a writable directory"
            ) from None
        return
    import redis

    try:
        redis.Redis.from_url(spec, socket_connect_timeout=5, socket_timeout=5).ping()
    except redis.RedisError as exc:
        cause = exc.__cause__ or exc.__context__
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(exc)
        raise CampaignSetupError(f"{spec}: cannot connect ({reason}); start redis-server or use a directory") from None
    except ValueError as exc:  # a malformed URL
        raise CampaignSetupError(f"{spec}: {exc}; use redis://host:port/db or a directory") from None


def stale_build(root: Path) -> bool:
    """True when the build manifest is missing or older than a source in contracts/ or ape-config.yaml."""
    from strikeforge.fuzz.artifacts import MANIFEST

    manifest = root / MANIFEST
    if not manifest.is_file():
        return True
    built = manifest.stat().st_mtime
    if (root / "ape-config.yaml").stat().st_mtime > built:
        return True
    for folder, subfolders, files in os.walk(root / "contracts"):
        subfolders[:] = [d for d in subfolders if d not in {".cache", ".build"}]
        if any((Path(folder) / name).stat().st_mtime > built for name in files):
            return True
    return False


def ensure_compiled(root: Path, report: Any = None) -> bool:
    """``ape compile`` in ``root`` when the build manifest the machines read is missing or stale; True if it ran."""
    if not stale_build(root):
        return False
    if report is not None:
        report("compiling the contracts first (ape compile): the build manifest is missing or older than the sources")
    ape = shutil.which("ape", path=str(Path(sys.prefix) / "bin")) or shutil.which("ape") or "ape"
    try:
        done = subprocess.run([ape, "compile"], cwd=root, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CampaignSetupError(f"ape compile could not run ({exc.strerror or exc}); run make install") from None
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        last = next((line for line in reversed(lines) if "ERROR" in line), lines[-1] if lines else "no output")
        raise CampaignSetupError(
            f"ape compile failed (exit {done.returncode}: {last}); fix the contracts (ape compile shows every error)"
        )
    return True


def open_database(spec: str) -> ExampleDatabase:
    """An example database from a directory path or a ``redis://host:port/db`` URL."""
    if is_redis(spec):
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase

        return RedisExampleDatabase(redis.Redis.from_url(spec))
    return DirectoryBasedExampleDatabase(spec)


def _project_root_on_path() -> None:
    """Machines live in the project's ``tests`` package; the ``strikeforge`` console script does not start in the
    project root, so put it on ``sys.path`` (spawned workers inherit the parent's path)."""
    try:
        root = str(find_project_root())
    except ProjectNotFoundError:
        return
    if root not in sys.path:
        sys.path.insert(0, root)


def load_machine(target: str) -> type:
    """``package.module:ClassName`` -> the machine class."""
    module_name, _, class_name = target.partition(":")
    if not module_name or not class_name:
        raise ValueError(f"target {target!r}: use package.module:ClassName, e.g. tests.fuzz.test_vault:VaultMachine")
    return getattr(importlib.import_module(module_name), class_name)


def _worker(
    target: str, index: int, seed: int, examples: int, steps: int, database: str, reuse_only: bool, queue: Any
) -> None:
    from hypothesis import Phase
    from hypothesis.stateful import run_state_machine_as_test

    from strikeforge.fuzz import stats

    machine = load_machine(target)
    machine._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]  # how @seed reaches a state machine
    phases = (Phase.reuse,) if reuse_only else (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
    worker_settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=open_database(database),
        derandomize=False,
        phases=phases,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    record = stats.for_machine(machine.__name__)
    last = [0.0]
    timeline: list[tuple[float, int, int]] = []
    first_breaks: dict[str, dict[str, float]] = {}
    start = time.perf_counter()

    def report(current: stats.MachineStats) -> None:  # at most twice a second
        now = time.perf_counter()
        if now - last[0] >= 0.5:
            last[0] = now
            timeline.append((now - start, current.steps, current.calls))
            queue.put(("progress", index, current.examples, current.calls))

    def failed(origin: str, current: stats.MachineStats) -> None:
        if origin not in first_breaks:
            first_breaks[origin] = {
                "seconds": time.perf_counter() - start,
                "handler_calls": current.steps,
                "evm_calls": current.calls,
                "examples": current.examples,
            }

    stats.PROGRESS = report
    stats.FAILURE = failed
    failure, notes, setup_error, failures = None, [], None, []
    try:
        machine.world()  # deployed once per process: a world that cannot be built is not a finding
    except Exception as exc:
        setup_error = "".join(traceback.format_exception_only(exc)).strip()
    if setup_error is None:
        try:
            run_state_machine_as_test(machine, settings=worker_settings)
        except Exception as exc:
            failure = describe(exc)
            notes = list(getattr(exc, "__notes__", []))
            failures = _failures_of(exc)
            if len(failures) == 1:  # the group's own text is a summary: keep the single failure's
                failure, notes = failures[0].error, failures[0].notes
    timeline.append((time.perf_counter() - start, record.steps, record.calls))
    queue.put(
        WorkerResult(
            worker=index,
            pid=os.getpid(),
            seed=seed,
            examples=record.examples,
            handler_calls=record.steps,
            evm_calls=record.calls,
            seconds=time.perf_counter() - start,
            failure=failure,
            notes=notes,
            rules=dict(record.rules),
            setup_error=setup_error,
            failures=failures,
            first_breaks=first_breaks,
            timeline=timeline,
        )
    )


def run_campaign(
    target: str,
    workers: int = 2,
    examples: int = 1_000,
    steps: int = 25,
    database: str = DEFAULT_DATABASE,
    seed: int = 0,
    reuse_only: bool = False,
    progress: bool | None = None,
) -> CampaignResult:
    """Run ``target`` on ``workers`` processes sharing ``database``; ``examples`` is the total across workers."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1 (got {workers})")
    _project_root_on_path()
    load_machine(target)  # fail here, in the parent, on a bad target
    check_database(database)  # and on a database the workers could not use
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    share = max(1, examples // workers)
    processes = [
        context.Process(
            target=_worker, args=(target, i, seed + i, share, steps, database, reuse_only, queue), daemon=True
        )
        for i in range(workers)
    ]
    for p in processes:
        p.start()
    results = _collect(queue, processes, target, share, progress if progress is not None else _is_tty())
    for p in processes:
        p.join(timeout=30)
    return CampaignResult(target=target, database=database, workers=sorted(results, key=lambda r: r.worker))


def _lost_workers(processes: list, results: list[WorkerResult]) -> list[WorkerResult]:
    """A failure result for every worker that exited without reporting (killed, crashed, ``os._exit``)."""
    reported = {r.worker for r in results}
    lost = []
    for index, process in enumerate(processes):
        if index not in reported and process.exitcode is not None:
            failure = f"worker {index} (pid {process.pid}) exited with code {process.exitcode} before reporting"
            lost.append(WorkerResult(index, process.pid or 0, -1, 0, 0, 0, 0.0, failure=failure))
    return lost


def _messages(queue: Any, processes: list, results: list[WorkerResult]) -> Any:
    """Messages from the workers until each has reported or died; a dead worker yields a failure result."""
    while len(results) < len(processes):
        try:
            yield queue.get(timeout=_POLL_SECONDS)
        except Empty:
            if lost := _lost_workers(processes, results):
                # A worker's last message can still be in the pipe after it exits: drain once more, then give up.
                try:
                    yield queue.get(timeout=_POLL_SECONDS)
                except Empty:
                    yield from lost


def _collect(queue: Any, processes: list, target: str, share: int, show: bool) -> list[WorkerResult]:
    """Gather every worker's result; with ``show``, one progress bar per worker (examples done of its share)."""
    results: list[WorkerResult] = []
    if not show:
        for message in _messages(queue, processes, results):
            if isinstance(message, WorkerResult):
                results.append(message)
        return results
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        tasks = [bar.add_task(f"{target} worker {i}", total=share) for i in range(len(processes))]
        for message in _messages(queue, processes, results):
            if isinstance(message, WorkerResult):
                results.append(message)
                bar.update(tasks[message.worker], completed=share)
                if message.setup_error:
                    continue  # nothing ran; the command reports it
                verdict = "FAILED" if message.failure else "ok"
                bar.console.print(
                    f"worker {message.worker} (pid {message.pid}): {verdict}, {message.examples:,} examples, "
                    f"{message.handler_calls:,} handler calls, {message.evm_calls:,} EVM calls in "
                    f"{message.seconds:.1f} s; handlers hit: {message.rules}"
                )
            else:
                _, worker, examples, _calls = message
                bar.update(tasks[worker], completed=min(examples, share))
    return results


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()
