"""`strikeforge settle run`'s service on a ledger stand-in, for bench/sequencer_load.py (not a benchmark itself).

    python bench/_sequencer_server.py DB [WORKERS]

DB is a SQLite path or a postgresql:// URL; WORKERS the API worker processes (settle run's default if not given, 0:
the API in the engine's process). The service is the command's own (strikeforge.settlement.service): the
aiohttp API with the group commit, the 1 s tick loop with its metrics, INFO logging through rich on a background
thread, default batch settings but for the co-signing timeout: the benchmark's accounts never co-sign, and a round
closing would drop them all (voiding their fills and cancelling their orders), which is not what is measured; batches
are still cut every 10 s. It prints the API's address on its first line and runs until SIGINT.
"""

from __future__ import annotations

import contextlib
import sys
import time

from _order_flow import PermissiveLedger

from strikeforge.ops.logs import console_logging
from strikeforge.settlement import API_WORKERS
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.service import run_sequencer
from strikeforge.settlement.store import Store


def main(db: str, workers: int) -> None:
    console_logging(queued=True)
    sequencer = Sequencer(Store(db), PermissiveLedger(), Settings(cosign_timeout=86_400))
    with contextlib.suppress(KeyboardInterrupt):  # SIGINT: the bench is done with this run
        run_sequencer(sequencer, lambda: int(time.time()), "127.0.0.1", 0, 1.0, None, "127.0.0.1", None, workers)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else API_WORKERS)
