"""The export invariant under a list that moves, explored by a Hypothesis state machine over HTTP.

For each paging style, read sequentially and with pages in flight, the machine schedules changes to the
emulator's data before chosen page requests of the next export (records inserted where the list puts new
ones, deleted, edited; the clock run so conversions and clicks happen, some conversions arriving late in the
middle of the window), then exports the list as a fetch operator does (``tests.moving_lists.export``). Every
export either satisfies the invariant (each record that existed before and after it appears exactly once,
and nothing that never existed appears) or fails with a ``TrackierError`` and leaves no file. The data keeps
the changes of earlier steps, so later exports start from a list that has already moved.

The budget is fixed: derandomized, ``EXAMPLES`` examples of at most ``STEPS`` steps per list and mode, no
example database. The interleavings tried are printed (``-s``) at the end of each case.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.moving_lists import LISTS, Mover, export, exported_ids, truth
from trackier_provider.exceptions import TrackierError
from trackier_provider.hooks.trackier import TrackierHook

EXAMPLES = 12
STEPS = 6


class Tally:
    exports = 0
    moved = 0
    exact = 0
    failed = 0
    changes = 0
    restarts = 0


class _Restarts(logging.Handler):
    """Counts the exports started again because the list moved under them (``pagination.restarting`` logs it)."""

    def __init__(self, tally: Tally) -> None:
        super().__init__(logging.WARNING)
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        if "again from the beginning" in record.getMessage():
            self.tally.restarts += 1


def machine_for(emulator, name: str, parallel: int, directory: Path, tally: Tally) -> type[RuleBasedStateMachine]:
    moving = LISTS[name]

    class MovingListMachine(RuleBasedStateMachine):
        """One list, one mode: changes scheduled between page requests, then an export checked."""

        @initialize()
        def start(self) -> None:
            emulator.reset()
            self.hook = TrackierHook()
            self.hook.sleep = lambda seconds: None  # retries without waiting
            self.query = moving.query(emulator)
            self.mover = Mover(emulator, moving.path)

        @rule(changes=st.lists(st.tuples(st.sampled_from(sorted(moving.changes)), st.floats(0, 1),
                                         st.integers(1, 8)), max_size=4))
        def export_while_the_list_moves(self, changes: list[tuple[str, float, int]]) -> None:
            """Export, the data changed just before the chosen page requests (counted from 1)."""
            before = truth(self.hook, moving, self.query)
            self.mover.requests = 0
            self.mover.fired = 0
            self.mover.inserted.clear()
            for change, where, request in changes:
                self.mover.at(request, moving.changes[change](where))
            tally.exports += 1
            target = directory / f"{name}-{parallel}-{tally.exports}.jsonl"
            try:
                rows = export(self.hook, moving, self.query, target, parallel=parallel)
            except TrackierError:
                tally.failed += 1
                assert not target.exists()
                return
            finally:
                self.mover.schedule.clear()  # changes the export did not reach are dropped
                tally.changes += self.mover.fired
                tally.moved += bool(self.mover.fired)
                leftovers = [p.name for p in directory.iterdir() if p.name.startswith(f".{target.name}")]
                assert leftovers == [], "a temporary file was left behind"
            after = truth(self.hook, moving, self.query)
            ids = exported_ids(target)
            assert rows == len(ids)
            assert len(ids) == len(set(ids)), "a record was written twice"
            missing = (set(before) & set(after)) - set(ids)
            assert not missing, f"records that existed throughout are missing: {sorted(map(str, missing))[:5]}"
            invented = set(ids) - set(before) - set(after) - self.mover.inserted
            assert not invented, f"records that never existed were written: {sorted(map(str, invented))[:5]}"
            tally.exact += 1

        @invariant()
        def nothing_half_written(self) -> None:
            assert [p for p in directory.iterdir() if ".trackier-tmp-" in p.name] == []

        def teardown(self) -> None:
            mover = getattr(self, "mover", None)
            if mover is not None:
                mover.detach()
                self.hook.close()

    return MovingListMachine


@pytest.mark.parametrize("parallel", [1, 4], ids=["sequential", "parallel"])
@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_export_is_exact_or_fails_without_a_file(trackier_conn, tmp_path, name, parallel, capsys):
    tally = Tally()
    machine = machine_for(trackier_conn, name, parallel, tmp_path, tally)
    counter = _Restarts(tally)
    logging.getLogger("trackier_provider.hooks.pagination").addHandler(counter)
    try:
        run_state_machine_as_test(machine, settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=True, database=None, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ))
    finally:
        logging.getLogger("trackier_provider.hooks.pagination").removeHandler(counter)
    with capsys.disabled():
        print(f"\n{name} ({'parallel' if parallel > 1 else 'sequential'}): {tally.exports} exports, "
              f"{tally.moved} of them with the list moved under them ({tally.changes} changes between page "
              f"requests): {tally.exact} exact ({tally.restarts} restarts), {tally.failed} failed without a file")
    assert tally.moved >= EXAMPLES  # the list did move under exports
    assert tally.exact > 0  # and not every export failed: the invariant was checked on written files
