"""cvbridge's benchmark: ``make bench`` (``python -m bench``), ``make bench-quick`` for CI.

Modules: ``run`` (the command), ``corpus`` (the deterministic corpus, cached in
bench/corpus/), ``measure`` (runs, rounds, medians), ``floors`` (F1, F2 and ``validate``),
``naive`` (the naive peer), ``children`` and ``worker`` (ingestion in fresh processes:
throughput, two-worker scaling, peak RSS), ``pgstores`` (fresh databases on a throwaway
PostgreSQL cluster), ``report`` (targets, table, JSON, README section), ``profile``
(cProfile or pyinstrument on one stage). ``sftp_download`` is the SFTP transfer benchmark.
"""
