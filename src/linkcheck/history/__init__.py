"""Memory across runs: the sqlite result store (store.py) and the reuse / flakiness policy
(policy.py)."""
