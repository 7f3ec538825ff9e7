"""A whole demo epoch on the test chain (deployment, oracle node, keeper, sequencer, watcher), its off-chain records,
and the event index over it: what reconciliation, statements and the sentinel are tested against."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from strikeforge.deploy.config import load
from strikeforge.ops.index import EventIndex, follow_manifest

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ("sequencer.db", "oracle.sqlite", "rolls.sqlite", "watcher.json")


@pytest.fixture(scope="module")
def epoch(tmp_path_factory):
    """The demo's epoch, played once per module; its records and manifest are copied out of the way of other runs."""
    from ape import chain

    from strikeforge.demo.flow import EpochDemo

    # Earlier modules' deployments were reverted, but Ape still remembers what lived at their addresses (contract
    # types, proxies): a contract deployed at one of them again would be read with the old ABI merged in.
    chain.contracts.clear_local_caches()
    config = load(ROOT / "deployments" / "config" / "ethereum-local.yaml")
    demo = EpochDemo(config, ROOT, "test", report=lambda step: None, work=tmp_path_factory.mktemp("demo"))
    demo.run()
    folder = tmp_path_factory.mktemp("epoch")
    manifest = folder / "manifest.json"
    # This run's own manifest, from memory: the file at manifest_path(...) is shared by every run on the test provider
    # (another session deploying at the same time rewrites it).
    replace(demo.epoch.deployment.run.manifest, path=manifest).save()
    for name in RECORDS:
        shutil.copy(demo.work / name, folder / name)
        assert not (demo.work / f"{name}-wal").exists() or not (demo.work / f"{name}-wal").stat().st_size, name
    index = EventIndex(folder / "index.sqlite")
    follow_manifest(index, json.loads(manifest.read_text()))
    index.sync()
    index.close()
    yield SimpleNamespace(demo=demo, config=config, folder=folder, manifest=manifest)
    chain.contracts.clear_local_caches()  # the module's deployment is reverted next: forget it for later modules


@pytest.fixture
def records(epoch, tmp_path):
    """A private copy of the epoch's records and index, free to corrupt."""
    for name in (*RECORDS, "index.sqlite", "manifest.json"):
        shutil.copy(epoch.folder / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def index(records):
    opened = EventIndex(records / "index.sqlite")
    yield opened
    opened.close()
