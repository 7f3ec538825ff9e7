"""The options world: OptionsEngine over a router stub (bench/forge/bugs/OptionsBugs.t.sol is its Solidity twin).

WETH (18 decimals) and USDC (6), spot 2,000; a call (series 1, WETH collateral) and a put (series 2, USDC collateral)
struck at 2,000, expiring the next Friday 08:00, one day after the start. Handlers: write, burn, transfer options,
warp (0-12 hours), settle (after expiry: the first settle fixes the expiry price in [1,000, 8,000]), redeem,
reclaim. Invariants: every writer holds the full collateral of what it wrote (computed here, not by the engine);
the engine holds each series' collateral; a settled series covers the rounded-up payout of every outstanding option;
no option pays more than its collateral.
"""

from __future__ import annotations

from .harness import FUNDS, BugMachine, bound, bug_handler, bug_invariant, ceil_div, start_with_tokens

TARGET = ("contracts/options/OptionsEngine.sol", "OptionsEngine")
SCAFFOLD = (("contracts/mocks/MockERC20.sol", "MockERC20"), ("bench/faults/scaffold/StubRouter.sol", "StubRouter"))
FORGE_CONTRACT = "OptionsBugs"

STRIKE = 2000 * 10**18
EXPIRY = 1_767_340_800
MAX_WRITE = 1000 * 10**18


def need(s: int, amount: int) -> int:
    """Collateral for `amount` options: one WETH each (call), ceil(amount * K) USDC (put)."""
    return amount if s == 1 else ceil_div(amount * STRIKE * 10**6, 10**36)


def payout_up(s: int, amount: int, price: int) -> int:
    """What `amount` options pay at `price`, rounded up."""
    if s == 1:
        return 0 if price <= STRIKE else ceil_div(amount * (price - STRIKE), price)
    return 0 if price >= STRIKE else ceil_div(amount * (STRIKE - price) * 10**6, 10**36)


def machine(types: dict) -> type[BugMachine]:
    class OptionsWorld(BugMachine):
        @classmethod
        def deploy(cls, chain, actors):
            d = actors["deployer"]
            weth, usdc = start_with_tokens(chain, types, d)
            router = chain.deploy(types["StubRouter"], sender=d)
            engine = chain.deploy(types["OptionsEngine"], router, d, sender=d)
            router.setSpot(weth, usdc, STRIKE, sender=d)
            engine.grantRole(engine.SERIES_CREATOR_ROLE(), d, sender=d)
            engine.createSeries(weth, usdc, STRIKE, EXPIRY, False, sender=d)
            engine.createSeries(weth, usdc, STRIKE, EXPIRY, True, sender=d)
            for label in cls.ACTORS:
                weth.mint(actors[label], FUNDS, sender=d)
                usdc.mint(actors[label], FUNDS, sender=d)
            for label in cls.ACTORS:
                weth.approve(engine, 2**256 - 1, sender=actors[label])
                usdc.approve(engine, 2**256 - 1, sender=actors[label])
            from strikeforge.fuzz.chain import Contract

            abi = chain.deployed[weth.address.lower()]  # an option token is an ERC-20: read it with MockERC20's ABI
            calls = Contract(chain, engine.tokenOf(1), abi)
            puts = Contract(chain, engine.tokenOf(2), abi)
            return {"weth": weth, "usdc": usdc, "router": router, "engine": engine, "calls": calls, "puts": puts}

        def token(self, s: int):
            return self.c.calls if s == 1 else self.c.puts

        @bug_handler(256, 256)
        def write(self, seed: int, raw: int) -> None:
            a = self.actor(seed)
            s = 1 + (seed // 3) % 2
            amount = bound(raw, 1, MAX_WRITE)
            self.send(self.c.engine.write, s, amount, a, sender=a)

        @bug_handler(256, 256)
        def burn(self, seed: int, raw: int) -> None:
            a = self.actor(seed)
            s = 1 + (seed // 3) % 2
            most = min(self.c.engine.written(s, a), self.token(s).balanceOf(a))
            if most == 0:
                return
            self.send(self.c.engine.burn, s, bound(raw, 1, most), sender=a)

        @bug_handler(256, 256)
        def transfer(self, seed: int, raw: int) -> None:
            frm, to = self.actor(seed), self.actor(seed // 3)
            s = 1 + (seed // 9) % 2
            token = self.token(s)
            self.send(token.transfer, to, bound(raw, 0, token.balanceOf(frm)), sender=frm)

        @bug_handler(256)
        def warp(self, raw: int) -> None:
            self.warp_by(raw, 3600)

        @bug_handler(256)
        def settle(self, raw: int) -> None:
            if self.chain.timestamp < EXPIRY:
                return
            price = bound(raw, 1000 * 10**18, 8000 * 10**18)
            c = self.c
            if not c.router.is_expiry_price_final(c.weth, c.usdc, EXPIRY):
                c.router.setExpiryPrice(c.weth, c.usdc, EXPIRY, price, sender=self.deployer)
            self.send(c.engine.settle, 1, sender=self.deployer)
            self.send(c.engine.settle, 2, sender=self.deployer)

        @bug_handler(256, 256)
        def redeem(self, seed: int, raw: int) -> None:
            a = self.actor(seed)
            s = 1 + (seed // 3) % 2
            held = self.token(s).balanceOf(a)
            if held == 0:
                return
            self.send(self.c.engine.redeem, s, bound(raw, 1, held), sender=a)

        @bug_handler(256)
        def reclaim(self, seed: int) -> None:
            a = self.actor(seed)
            self.send(self.c.engine.reclaim, 1 + (seed // 3) % 2, sender=a)

        @bug_invariant
        def collateralized(self) -> None:
            engine = self.c.engine
            for s in (1, 2):
                for label in self.ACTORS:
                    a = self.who(label)
                    assert engine.collateralOf(s, a) >= need(s, engine.written(s, a)), "writer under-collateralized"

        @bug_invariant
        def covered(self) -> None:
            c = self.c
            assert c.weth.balanceOf(c.engine) == c.engine.seriesCollateral(1), "WETH held != call collateral"
            assert c.usdc.balanceOf(c.engine) == c.engine.seriesCollateral(2), "USDC held != put collateral"
            for s in (1, 2):
                if not c.engine.isSettled(s):
                    continue
                price = c.engine.series(s)[8]
                supply = self.token(s).totalSupply()
                assert c.engine.seriesCollateral(s) >= payout_up(s, supply, price), "outstanding options not covered"
                assert c.engine.payoutFor(s, 10**18) <= need(s, 10**18), "an option pays more than its collateral"

    return OptionsWorld
