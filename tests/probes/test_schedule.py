"""The order probes run in: independent lanes side by side, then the probes that must run alone."""

from __future__ import annotations

import asyncio

import pytest

from checker.probes.classify import measured_verdict
from checker.probes.registry import all_probes
from checker.probes.runner import schedule, side_by_side

# Probes that pick their targets from what an earlier probe measured (classify.measured_verdict / remember).
USES_MEASURED = {"block_page", "filter_bypass", "filter_overhead"}
MEASURES = {"content_filtering", "rta_label"}


def ids(stage):
    return [[p.id for p in lane] for lane in stage]


def test_every_probe_runs_once():
    probes = list(all_probes().values())
    ran = [p.id for stage in schedule(probes) for lane in stage for p in lane]
    assert sorted(ran) == sorted(all_probes())


def test_probes_that_use_measurements_run_after_the_probes_that_make_them():
    assert measured_verdict  # the shared measurements these probes read
    stages = schedule(list(all_probes().values()))
    position = {}
    for s, stage in enumerate(stages):
        for lane_no, lane in enumerate(stage):
            for i, p in enumerate(lane):
                position[p.id] = (s, lane_no, i)
    for user in USES_MEASURED:
        for maker in MEASURES:
            us, ul, ui = position[user]
            ms, ml, mi = position[maker]
            # A later stage, or later in the same lane: never beside it.
            assert us > ms or (us == ms and ul == ml and ui > mi), (user, maker, position)


def test_timing_and_state_changing_probes_run_alone_after_the_lanes():
    stages = schedule(list(all_probes().values()))
    assert len(stages[0]) == 2  # the product's filter lane beside its own pages' lane
    # Timing page loads, or a child changing the product's settings, with nothing beside them.
    assert [ids(stage) for stage in stages[1:]] == [[["filter_overhead"]], [["settings_locked"]]]


def test_one_after_another_when_parallel_is_off():
    probes = list(all_probes().values())
    stages = schedule(probes, parallel=False)
    assert [ids(stage) for stage in stages] == [[[p.id]] for p in probes]


def test_the_first_failure_stops_the_other_lane_and_is_raised_as_it_is():
    finished = []

    async def fails():
        await asyncio.sleep(0.01)
        raise KeyError("boom")

    async def slow():
        await asyncio.sleep(5)
        finished.append("slow")

    async def main():
        with pytest.raises(KeyError, match="boom"):
            await side_by_side([fails(), slow()])

    asyncio.run(asyncio.wait_for(main(), 2))
    assert finished == []


def test_lanes_really_run_side_by_side():
    order = []

    async def lane(name):
        order.append(f"{name} start")
        await asyncio.sleep(0.05)
        order.append(f"{name} end")

    asyncio.run(side_by_side([lane("a"), lane("b")]))
    assert order[:2] == ["a start", "b start"]
