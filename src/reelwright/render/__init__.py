"""Shot rendering: render specs and the per-shot worker (shots), and where shots run (executors: local pool, Ray)."""
