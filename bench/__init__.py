"""cvbridge's benchmark: ``make bench`` (``python -m bench``), ``make bench-quick`` for CI.

Modules: ``run`` (the command), ``corpus`` (the deterministic corpus, cached in
bench/corpus/), ``measure`` (runs, rounds, medians), ``floors`` (F1, F2 and ``validate``),
``naive`` (the naive peer), ``children`` and ``worker`` (ingestion in fresh processes:
throughput, two-worker scaling, peak RSS), ``pgstores`` (fresh databases on a throwaway
PostgreSQL cluster), ``sftp`` (a throwaway sshd: OpenSSH's ``sftp`` against cvbridge's SFTP
transport and ``cvbridge poll --once``; ``python -m bench.sftp`` on its own), ``report``
(targets, table, JSON, README section), ``profile`` (cProfile or pyinstrument on one stage).
"""
