"""Fixtures for deployment tests: the local config, a deployment on the test chain, and Safe execution."""

from __future__ import annotations

from pathlib import Path

import pytest

from strikeforge.deploy.config import load
from strikeforge.deploy.deployment import deploy, open_run

ROOT = Path(__file__).resolve().parents[2]
ZERO = "0x" + "00" * 20


@pytest.fixture(scope="module")
def config():
    return load(ROOT / "deployments" / "config" / "ethereum-local.yaml")


@pytest.fixture(scope="module")
def manifest_file(tmp_path_factory):
    return tmp_path_factory.mktemp("deploy") / "ethereum-local-test.json"


@pytest.fixture(scope="module")
def deployed(config, manifest_file):
    """One full deployment for the module (Ape's isolation reverts each test's own transactions)."""
    run = open_run(config, ROOT, manifest_file, fresh=True)
    outcome = deploy(run)
    assert outcome.ok, [c for c in outcome.checks if not c.ok]
    return outcome


def reopen(config, path: Path):
    return open_run(config, ROOT, path)


def safe_execute(safe, owners, to, data) -> None:
    """A Safe transaction approved by two owners: the first by approveHash, the second as the sender (Safe's
    pre-validated signatures, v = 1, sorted by owner address)."""
    nonce = safe.call_view_method("nonce")  # `safe.nonce` is Ape's account nonce of the address
    tx_hash = safe.getTransactionHash(to, 0, data, 0, 0, 0, 0, ZERO, ZERO, nonce)
    first, second = sorted(owners[:2], key=lambda a: int(a.address, 16))
    safe.approveHash(tx_hash, sender=first)
    signatures = b"".join(
        bytes(12) + bytes.fromhex(owner.address[2:]) + bytes(32) + b"\x01" for owner in (first, second)
    )
    safe.execTransaction(to, 0, data, 0, 0, 0, 0, ZERO, ZERO, signatures, sender=second)
