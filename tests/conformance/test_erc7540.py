"""ThetaVault against the ERC-7540 suite (with ERC-4626, ERC-7575 and ERC-165): every property passes."""

from __future__ import annotations

import pytest

from strikeforge.conformance import SUITES, run_suite
from tests.conformance.conftest import subject


@pytest.fixture
def vault_subject(bare_vault, keeper, chain, actors):
    """A covered-call vault with no pricer: each roll settles every pending request at once (the keeper's roll is
    the fulfilment step); actors get WETH from the mock's mint."""
    return subject("erc7540", bare_vault, chain, actors, fund=_mint, fulfil=lambda: bare_vault.roll(sender=keeper))


def _mint(token, who, amount):
    from strikeforge.conformance.hooks import mint_fund

    mint_fund(token, who, amount)


@pytest.mark.parametrize("prop", [p.id for p in SUITES["erc7540"]])
def test_the_vault_conforms(vault_subject, prop):
    [outcome] = run_suite("erc7540", vault_subject, only=[prop])
    assert outcome.status == "pass", f"{outcome.prop.cite}: {outcome.detail}"
