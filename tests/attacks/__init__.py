"""The attack suite: every attack found by the probes of the security and foundation issues,
replayed so that none can return. `make attacks` runs it alone; `make test` runs it with the
rest on SQLite, and `.ci/run` again on PostgreSQL.

- test_foundation_writes: the funnel (issue 7): a group code that forged another township,
  a county cadre marked as left from a township, and every write endpoint walked with
  another township's ids (404, nothing written).
- test_foundation_inputs: ids beyond 64 bits and JSON nested too deeply, over every API
  operation and page (400 or 404, never 500).
- test_auth: login lockout by username and address, X-Forwarded-For, token expiry,
  logout and revocation, deactivation, demo accounts in production mode (issue 9, 1-3).
- test_inputs: formula injection in every download, XLSX bombs, dates, months and
  members out of range (issue 9, 4-6).
- test_privacy: reveals in bursts and of households not served, weak and imposed
  passwords, idle sessions, the append-only audit log, erasure (issue 9, 7 and 10).
- test_headers: the Content-Security-Policy, TLS settings and `check --deploy` (issue 9, 8);
  the fuzzer itself runs in `.ci/fuzz` (item 9).
"""
