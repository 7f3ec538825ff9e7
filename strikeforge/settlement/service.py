"""`strikeforge settle run` once connected: the sequencer's API served, its batches ticked, its metrics kept.

The benchmark (bench/sequencer_load.py) runs this same function with a ledger stand-in, so what it measures is the
command's own setup: the API server with the group commit, the tick loop, the metrics and the logging.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import click

from strikeforge.settlement import API_WORKERS
from strikeforge.settlement.sequencer import Sequencer


def run_sequencer(
    sequencer: Sequencer,
    clock: Callable[[], int],
    host: str,
    port: int,
    interval: float,
    iterations: int | None,
    metrics_host: str,
    metrics_port: int | None,
    workers: int = API_WORKERS,
) -> None:
    """Serves the API on host:port (its address printed first), ticks every `interval` seconds until `iterations`
    ticks (forever if None) or an interrupt, then stops the server (orders already taken are answered) and closes the
    store. `workers` API worker processes check signatures beside this one (0: all in this process)."""
    from strikeforge.ops.cli import monitored, run_service
    from strikeforge.ops.observe import SequencerObserver, sequencer_tick
    from strikeforge.settlement.api import Api, serve

    try:
        with monitored("sequencer", interval, metrics_host, metrics_port) as metrics:
            observer = SequencerObserver(metrics)
            server = serve(Api(sequencer, clock, observer.request), host, port, workers)
            click.echo(f"sequencer API on http://{server.server_address[0]}:{server.server_address[1]}", err=False)
            report = lambda action: None if action in ("idle", "cosigning") else click.echo(action)  # noqa: E731
            try:
                run_service(
                    metrics, sequencer_tick(sequencer, clock, observer), iterations, interval, time.sleep, report
                )
            finally:
                server.shutdown()
    finally:
        sequencer.store.close()
