"""ABI-only adversarial fuzzing for ``strikeforge audit --fuzz`` (issue 19 §1, dynamic).

Modules, one job each: ``compile`` (contract types from Solidity/Vyper files, the hostile actors, the ERC-20 mock),
``recipe`` (the deployment recipe and the fallback), ``world`` (actors and deployments on a RevmChain), ``dictionary``
(values to draw from), ``generate`` (random steps), ``encode`` (fast ABI encoding of large inputs), ``steps`` (running
and describing one step), ``replay`` (sequences from the base snapshot), ``properties`` (P1 value, P3 gas, P4 panics),
``liveness`` (P2), ``shrink``, ``report`` (findings in the static audit's shape), ``campaign`` (the loop and
``run_campaign``), ``audit`` (the CLI's merge into a static run).
"""
