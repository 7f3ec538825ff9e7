"""Operations: reconciliation, statements, the event index, metrics, the sentinel and address screening."""
