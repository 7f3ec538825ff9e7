"""Regression suite of the SettlementLedger review (issue 16): one behaviour per test, named after its finding."""
