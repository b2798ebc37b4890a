"""Property tests with short budgets: whatever the input, the parsers answer or raise
their own typed error, never anything else (no RecursionError, no OverflowError, no
DuckDB or Arrow exception escaping)."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.query.conftest import Scenario
from tests.signatures.conftest import GOOD_RULE
from tracee_py.errors import DataError, QueryError, TimeParseError
from tracee_py.query.dataset import open_dataset
from tracee_py.query.times import MAX_NS, MIN_NS, parse_time
from tracee_py.signatures.loader import parse_rule_file
from tracee_py.signatures.samples import read_sample_file

BUDGET = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NOW = 1_773_525_900_000_000_000

RELATIVE = st.from_regex(r"[+-]?(\d{1,40}(ns|us|ms|s|m|h|d|w)){1,3}", fullmatch=True)
ISO = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{}{}".format,
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.text("0123456789", min_size=1, max_size=12),
    st.sampled_from(["", "Z", "+05:30", "-23:59", "+99", "UTC"]),
)


@BUDGET
@given(st.one_of(st.text(max_size=80), RELATIVE, ISO))
def test_parse_time_answers_in_range_or_says_why(text: str) -> None:
    try:
        ns = parse_time(text, now_ns=NOW)
    except TimeParseError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
        return
    assert MIN_NS <= ns <= MAX_NS


def _mutations(base: str) -> st.SearchStrategy[str]:
    """``base`` with a slice replaced by random text (YAML punctuation is likely)."""
    noise = st.text(alphabet=st.sampled_from(list("&*!|>-:[]{},#'\"\\ \n\t%@`?a1")), max_size=40)
    return st.builds(
        lambda i, j, n: base[: min(i, j)] + n + base[max(i, j) :],
        st.integers(0, len(base)),
        st.integers(0, len(base)),
        noise,
    )


RULE = GOOD_RULE.format(id="motd-read", severity="low")


@BUDGET
@given(st.one_of(_mutations(RULE), st.text(max_size=400)))
def test_the_rule_loader_reports_problems_never_raises(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "motd-read"
        folder.mkdir()
        (folder / "rule.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        sig, problems = parse_rule_file(folder / "rule.yaml")
    assert (sig is None) == bool(problems)
    for problem in problems:
        assert str(problem.where.file).endswith("rule.yaml")


JSON_ISH = st.text(alphabet=st.sampled_from(list('{}[]":,0123456789.eE-tfnrul \\"a')), max_size=200)


@BUDGET
@given(st.lists(st.one_of(JSON_ISH, st.text(max_size=50)), max_size=8))
def test_the_sample_reader_reports_problems_never_raises(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "positive.jsonl"
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        sample = read_sample_file(path)
    for problem in sample.problems:
        assert problem.where.line >= 0
    assert len(sample.rows) == len(sample.lines)


READ_ALL = (
    "SELECT count(*), sum(length(comm)), sum(len(argv)), count(DISTINCT path), max(time) "
    "FROM events"
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.randoms(use_true_random=False), st.integers(1, 64))
def test_the_dataset_reader_skips_damage_never_crashes(
    scenario: Scenario, rnd: random.Random, spots: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        shutil.copytree(scenario.root, root)
        victim = rnd.choice(sorted((root / "events").rglob("*.parquet")))
        data = bytearray(victim.read_bytes())
        for _ in range(spots):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        victim.write_bytes(bytes(data))
        try:
            with open_dataset(root) as ds:
                ds.retrying(lambda: ds.con.execute(READ_ALL).fetchall())
        except (DataError, QueryError):
            pass  # every file damaged, or the damage surfaced as a clear error
