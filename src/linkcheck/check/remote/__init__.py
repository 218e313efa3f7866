"""Remote http(s) targets: one check per page (checker.py), per-host politeness, network-down
detection, retry policy, page reading for fragments and soft 404s, and verdicts."""
