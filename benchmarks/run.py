"""``make bench``: the import benchmark at the issue's size (1M orders CSV, 200k-row XLSX, 10k reps) + the floor.

    python -m benchmarks.run [--rows N] [--xlsx-rows N] [--reps N] [--no-postgres]

PostgreSQL is ``ATTAIN_BENCH_PG`` (default ``postgres://postgres@127.0.0.1:5432/attain_bench``, dropped and
recreated). Prints the JSON of ``benchmarks.import_orders``; record the numbers in ``docs/benchmarks.md``.
The large data set for later issues' benchmarks is ``python -m benchmarks.generate`` (10M orders, 10k reps).
"""

from __future__ import annotations

from benchmarks import import_orders


def main(argv: list[str] | None = None) -> None:
    import_orders.main(argv)


if __name__ == "__main__":
    main()
