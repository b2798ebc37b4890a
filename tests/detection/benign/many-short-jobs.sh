#!/bin/bash
# Lots of short-lived processes the ordinary ways: xargs -P 4 running 100 small jobs, a shell loop with 120 command substitutions and background jobs, subshells that cd and list a directory, and a Python worker pool forking eight workers for 200 tasks. Hundreds of forks in seconds, but each from one parent or followed by an exec.
# technique: T1499
set -eu
mkdir -p data
seq 1 100 | xargs -P 4 -I{} sh -c 'echo {} > /dev/null'
for i in $(seq 1 120); do
    stamp=$(date +%s)
    : "$stamp" &
done
wait
for i in $(seq 1 40); do
    (cd data && ls > /dev/null)
done
python3 - <<'PY'
import multiprocessing as mp


def square(n: int) -> int:
    return n * n


if __name__ == "__main__":
    with mp.get_context("fork").Pool(8) as pool:
        print(sum(pool.map(square, range(200), chunksize=1)))
PY
