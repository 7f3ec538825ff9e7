"""`settle run`'s service (one API worker in front of the engine) on the fake ledger, for the HTTP kill -9 test (not a
test module).

    python -m tests.settlement.relay_child DB

Prints the API's address on its first line (run_sequencer's own line) and serves until it is killed.
"""

from __future__ import annotations

import sys
import time

from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.service import run_sequencer
from strikeforge.settlement.store import Store
from tests.settlement.fakes import FakeLedger


def main(db: str) -> None:
    sequencer = Sequencer(Store(db), FakeLedger(), Settings(batch_interval=1, cosign_timeout=10**9))
    run_sequencer(sequencer, lambda: int(time.time()), "127.0.0.1", 0, 0.2, None, "127.0.0.1", None, 1)


if __name__ == "__main__":
    main(sys.argv[1])
