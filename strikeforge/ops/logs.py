"""Console logging of the services: INFO and above through rich, optionally written by a background thread."""

from __future__ import annotations

import atexit
import logging
import queue
from logging.handlers import QueueHandler, QueueListener


def console_logging(queued: bool = False) -> None:
    """INFO and above on the console through rich. `queued`: a thread that logs only puts the record on a queue and
    a background thread formats and writes it (the sequencer's threads never wait on the console); what is queued at
    exit is still written."""
    from rich.logging import RichHandler

    console = RichHandler(show_path=False)
    if not queued:
        logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[console])
        return
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = QueueListener(records, console, respect_handler_level=True)
    listener.start()
    atexit.register(listener.stop)
    queued_handler = QueueHandler(records)
    queued_handler.setFormatter(logging.Formatter("%(message)s"))  # rich adds the time and the level
    logging.basicConfig(level=logging.INFO, handlers=[queued_handler])
