"""Address screening: the denylist file (parsing, reloading without a restart) and the sequencer refusing listed
accounts."""

from __future__ import annotations

import os

import pytest

from strikeforge.ops.denylist import Denylist, DenylistError, parse
from strikeforge.settlement.api import Api
from strikeforge.settlement.sequencer import ScreenedError, Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order, sign

A, B, C, *_ = KEYS


def _write(path, *lines):
    """Writes the list and moves its mtime a minute past the last one (edits within the filesystem clock's resolution
    must still look changed; an operator's edits are seconds apart)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, ns=(before, max(path.stat().st_mtime_ns, before) + 60_000_000_000))


@pytest.fixture
def listfile(tmp_path):
    return tmp_path / "denylist.txt"


@pytest.fixture
def seq(tmp_path, listfile):
    _write(listfile, "# sanctioned", B.address.lower() + "  # case 17")
    store = Store(tmp_path / "sequencer.db")
    yield Sequencer(store, FakeLedger(), Settings(batch_interval=0, cosign_timeout=30), Denylist(listfile))
    store.close()


def test_a_denylist_reads_addresses_comments_and_blank_lines():
    text = f"# header\n\n{A.address}\n  {B.address.upper().replace('0X', '0x')}  # note\n"
    assert parse(text, "f") == {A.address.lower(), B.address.lower()}


def test_a_bad_line_is_named_with_its_number_and_the_fix():
    with pytest.raises(DenylistError, match=r"^list.txt:3: '0x1234' is not an address; write one 0x-prefixed"):
        parse(f"{A.address}\n\n0x1234\n", "list.txt")


def test_a_missing_file_lists_nobody(tmp_path):
    assert Denylist(tmp_path / "absent.txt").addresses == frozenset()


def test_an_edited_file_takes_effect_without_a_restart(listfile):
    _write(listfile, A.address)
    screen = Denylist(listfile)
    assert A.address in screen and B.address not in screen
    _write(listfile, B.address)
    assert B.address in screen and A.address not in screen
    assert screen.reloads == 2


def test_a_broken_edit_keeps_the_last_good_list_in_force(listfile):
    _write(listfile, A.address)
    screen = Denylist(listfile)
    _write(listfile, "not-an-address")
    assert A.address in screen  # a typo must not open the gate
    assert screen.errors == 1


def test_a_broken_file_at_start_is_refused(listfile):
    listfile.write_text("0xnope\n")
    with pytest.raises(DenylistError, match=r"denylist.txt:1:"):
        Denylist(listfile)


def test_an_order_from_a_listed_account_is_refused_with_a_clear_error(seq):
    with pytest.raises(ScreenedError, match=rf"^account: {B.address.lower()} is on the operator's address denylist"):
        seq.submit(order(B, 1, True, WAD, 100, 1), now=0)
    assert seq.store.nonce_used(B.address.lower(), 1) is False  # nothing recorded: the nonce stays usable


def test_an_order_from_an_account_not_listed_is_taken(seq):
    order_id, match = seq.submit(order(A, 1, True, WAD, 100, 1), now=0)
    assert order_id == 1 and match.rests == WAD


def test_listing_an_account_mid_session_refuses_its_next_order(seq, listfile):
    seq.submit(order(C, 1, True, WAD, 100, 1), now=0)
    _write(listfile, C.address)
    with pytest.raises(ScreenedError):
        seq.submit(order(C, 1, True, WAD, 100, 2), now=0)


def test_a_cosignature_from_a_listed_account_is_refused_and_the_account_is_dropped(seq, listfile):
    seq.submit(order(A, 1, False, WAD, 100, 1), now=0)
    seq.submit(order(C, 1, True, WAD, 100, 1), now=0)
    assert seq.tick(now=1) == "cut 1"
    _write(listfile, C.address)
    batch, leaf = seq.leaf_for(1, C.address)
    with pytest.raises(ScreenedError, match="takes no co-signatures"):
        seq.cosign(1, C.address, sign(seq.leaf_typed_data(batch, leaf), C))
    batch, leaf = seq.leaf_for(1, A.address)
    seq.cosign(1, A.address, sign(seq.leaf_typed_data(batch, leaf), A))
    seq.tick(now=1_000)  # the round closes: C never co-signed, so C is dropped and the batch empties
    assert seq.store.batch(1).status == "empty"


def test_the_api_answers_a_screened_order_with_403_and_counts_it(seq):
    seen = []
    api = Api(seq, clock=lambda: 0, on_request=lambda route, status, screened: seen.append((route, status, screened)))
    status, body = api.handle("POST", "/orders", order(B, 1, True, WAD, 100, 1).to_json())
    assert status == 403 and "denylist" in body["error"]
    status, _ = api.handle("POST", "/orders", order(A, 1, True, WAD, 100, 1).to_json())
    assert status == 201
    assert seen == [("post_order", 403, True), ("post_order", 201, False)]
