"""Material balances: sparse input-output systems, multipliers, linkages and the weak-link chain."""
