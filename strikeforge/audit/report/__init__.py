"""The per-release audit report: ``strikeforge audit report --release X.Y.Z`` writes ``audits/vX.Y.Z/``."""
