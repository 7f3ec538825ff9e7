"""The operations commands read the manifest through one loader that checks it belongs to the connected chain (its
chain id and genesis block, as deploy does); and `strikeforge index --rebuild` drops everything the index holds, so a
statement after a redeployment reads only the new deployment's contracts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from strikeforge.ops.cli import index_command, reconcile_command, sentinel, statement_command
from strikeforge.ops.index import INDEXED, EventIndex

FAR = 4_000_000_000
NETWORK = ["--network", "ethereum:local:test"]
NOWHERE = "0x" + "de" * 20  # no code on the test chain


def restarted_chain_manifest(path, chain_id):
    """A manifest of a chain that has since restarted: same chain id, another genesis, contracts that are gone."""
    steps = {
        name: {"status": "done", "contract": name, "address": "0x" + f"{i + 1:040x}", "block": 1}
        for i, name in enumerate(INDEXED)
    }
    document = {"version": 1, "network": "ethereum:local", "chain_id": chain_id, "genesis": "0x" + "ab" * 32}
    path.write_text(json.dumps({**document, "compilers": {}, "steps": steps}))
    return path


COMMANDS = {
    "reconcile": (reconcile_command, []),
    "statement": (statement_command, ["--all", "--from", "0", "--to", str(FAR)]),
    "index": (index_command, []),
    "sentinel run": (sentinel, ["run", "--iterations", "1"]),
}


@pytest.mark.parametrize("name", COMMANDS)
def test_a_manifest_from_a_restarted_chain_is_refused_in_one_line(name, chain, tmp_path):
    from eth_utils import to_hex

    manifest = restarted_chain_manifest(tmp_path / "manifest.json", chain.chain_id)
    command, args = COMMANDS[name]
    extra = ["--state", str(tmp_path / "sentinel.json")] if name == "sentinel run" else ["--db", str(tmp_path / "i.db")]
    done = CliRunner().invoke(command, [*args, *NETWORK, "--manifest", str(manifest), *extra])
    assert done.exit_code == 1, done.output
    assert isinstance(done.exception, SystemExit), done.exception  # a message, not a traceback
    (line,) = done.output.strip().splitlines()
    genesis = to_hex(chain.blocks[0].hash)
    assert line.startswith(f"Error: --manifest: {manifest} is from another chain: its genesis is 0x{'ab' * 32}")
    assert f"not this chain's {genesis} (a chain restarted since, or another chain with the same id)" in line
    assert line.endswith("redeploy on this chain (make deploy) or point --manifest at this chain's manifest")


def test_a_manifest_of_another_chain_id_and_unreadable_manifests_are_one_line(chain, tmp_path):
    manifest = restarted_chain_manifest(tmp_path / "manifest.json", chain.chain_id + 1)
    common = [*NETWORK, "--db", str(tmp_path / "i.db"), "--manifest", str(manifest)]
    done = CliRunner().invoke(index_command, common)
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.output
    assert f"is for chain_id {chain.chain_id + 1}, but the connected chain is {chain.chain_id}" in done.output
    manifest.write_text("{not json")
    done = CliRunner().invoke(index_command, common)
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.output
    (line,) = done.output.strip().splitlines()
    assert line.startswith(f"Error: --manifest: {manifest}: not valid JSON (") and "redeploy" in line


def test_a_rebuild_drops_an_old_deployments_contracts_and_the_statement_after_it_works(records, epoch):
    db = records / "index.sqlite"
    index = EventIndex(db)
    before = index.contracts()
    # The index was first built for an earlier deployment (a chain since restarted, or a deployment replaced): its
    # contracts are still followed, and one of its events is still held.
    index.follow({NOWHERE: "ThetaVault"}, 1)
    index.db.execute(
        "INSERT INTO chain_events (block, log_index, block_hash, timestamp, tx, contract, source, name, args)"
        " VALUES (1, 999, '0x00', 1, '0x00', ?, 'ThetaVault', 'Deposit', '{}')",
        (NOWHERE,),
    )
    index.close()
    common = [*NETWORK, "--manifest", str(records / "manifest.json"), "--db", str(db)]
    rebuilt = CliRunner().invoke(index_command, [*common, "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    index = EventIndex(db)
    try:
        assert index.contracts() == before  # the manifest's contracts and the option tokens found again, nothing else
        assert not index.db.execute("SELECT 1 FROM chain_events WHERE contract = ?", (NOWHERE,)).fetchall()
    finally:
        index.close()
    statement = CliRunner().invoke(statement_command, [*common, "--all", "--from", "0", "--to", str(FAR)])
    assert statement.exit_code == 0, statement.output
    assert "MISMATCH" not in statement.stdout and statement.stdout.count("\n") > 10
