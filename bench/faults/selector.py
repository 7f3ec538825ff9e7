"""The selector world: PercentOtmStrikeSelector, a Vyper contract (bench/forge/bugs/SelectorBugs.t.sol is its
Solidity twin; forge deploys the same Vyper bytecode from code/PercentOtmStrikeSelector.hex).

The selector reads spot from a router stub; 10% out of the money on a grid of 50. Handler: set the spot (0.001 to
1,000,000). Invariant (the selector's own): both strikes lie on the grid, a call strike at or above spot * 1.1, a put
strike at or below spot * 0.9 (or the one-step floor) and never 0.
"""

from __future__ import annotations

from .harness import BugMachine, bound, bug_handler, bug_invariant, deploy_time
from .ledger import actor_address

TARGET = ("contracts/vaults/PercentOtmStrikeSelector.vy", "PercentOtmStrikeSelector")
SCAFFOLD = (("bench/faults/scaffold/StubRouter.sol", "StubRouter"),)
FORGE_CONTRACT = "SelectorBugs"

OTM_BPS = 1000
GRID = 50 * 10**18
WETH = actor_address("weth")
USDC = actor_address("usdc")


def machine(types: dict) -> type[BugMachine]:
    class SelectorWorld(BugMachine):
        @classmethod
        def deploy(cls, chain, actors):
            deploy_time(chain)
            d = actors["deployer"]
            router = chain.deploy(types["StubRouter"], sender=d)
            selector = chain.deploy(types["PercentOtmStrikeSelector"], router, OTM_BPS, GRID, sender=d)
            router.setSpot(WETH, USDC, 2000 * 10**18, sender=d)
            return {"router": router, "selector": selector}

        @bug_handler(256)
        def spot(self, raw: int) -> None:
            self.c.router.setSpot(WETH, USDC, bound(raw, 10**15, 10**24), sender=self.deployer)

        @bug_invariant
        def strikes(self) -> None:
            spot = self.c.router.getPrice(WETH, USDC)[0]
            call = self.c.selector.select(WETH, USDC, False)
            put = self.c.selector.select(WETH, USDC, True)
            assert call % GRID == 0 and call * 10_000 >= spot * (10_000 + OTM_BPS), "call strike not out of the money"
            assert put % GRID == 0 and put >= GRID, "put strike off the grid"
            assert put * 10_000 <= spot * (10_000 - OTM_BPS) or put == GRID, "put strike not out of the money"

    return SelectorWorld
