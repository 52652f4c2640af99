import pytest

from pipeline_common import polling
from pipeline_common.errors import InvalidInput

POLICY = polling.Policy(initial_wait_seconds=60, max_wait_seconds=900, backoff_rate=1.5)


def test_waits_grow_geometrically_up_to_the_cap():
    waits = polling.Policy(60, 300, 2.0).waits()
    assert [next(waits) for _ in range(5)] == [60, 120, 240, 300, 300]


def test_advance_counts_the_wait_just_done_and_plans_the_next():
    poll = polling.advance(polling.initial_poll(POLICY), POLICY, budget_seconds=10_000)
    assert poll == {"count": 1, "waited_seconds": 60, "elapsed_seconds": 60, "wait_seconds": 90, "timed_out": False}


def test_elapsed_time_outside_the_waits_counts_against_the_budget():
    poll = polling.advance({"count": 3, "waited_seconds": 900, "wait_seconds": 60, "timed_out": False}, POLICY, 1000, elapsed_seconds=995)
    assert (poll["elapsed_seconds"], poll["timed_out"], poll["wait_seconds"]) == (995, False, 5)
    assert polling.advance(poll, POLICY, 1000, elapsed_seconds=1001)["timed_out"] is True


def test_seconds_between_reads_the_state_machines_timestamps_and_names_bad_ones():
    assert polling.seconds_between("2026-11-24T06:00:00.000Z", "2026-11-24T07:00:30.500+00:00") == 3630
    with pytest.raises(InvalidInput, match="'yesterday'"):
        polling.seconds_between("yesterday", "2026-11-24T06:00:00Z")


def test_retry_delays_grow_and_are_capped():
    assert polling.RetryPolicy(2, 6, 2.0, 20).delays() == [2, 4, 8, 16, 20, 20]


@pytest.mark.parametrize("task_seconds", [0, 6, 60, 600])
def test_a_loop_always_notices_its_budget_within_one_wait_and_two_tasks(task_seconds):
    budget = 2419200 + 3600
    worst = polling.worst_loop_seconds(polling.Policy(60, 1200, 1.5), budget, task_seconds)
    assert budget <= worst <= budget + 1 + 2 * task_seconds


def test_loop_times_out_once_the_budget_is_waited():
    poll = polling.initial_poll(POLICY)
    while not poll["timed_out"]:
        poll = polling.advance(poll, POLICY, budget_seconds=1000)
    assert poll["waited_seconds"] == 1000


def test_the_last_wait_is_trimmed_to_the_budget():
    poll = {"count": 3, "waited_seconds": 900, "wait_seconds": 60, "timed_out": False}
    assert polling.advance(poll, POLICY, budget_seconds=1000)["wait_seconds"] == 40


def test_max_polls_matches_stepping_the_loop():
    assert polling.max_polls(POLICY, 3600) == 9


def test_28_day_training_job_needs_under_3000_polls():
    assert polling.max_polls(POLICY, 2419200 + 3600) < 3000
    assert polling.max_polls(polling.Policy(60, 1200, 1.5), 2419200 + 3600) < 2100


def test_malformed_policy_and_poll_are_named():
    with pytest.raises(InvalidInput, match="polling policy"):
        polling.Policy.from_payload({"initial_wait_seconds": 60})
    with pytest.raises(InvalidInput, match="poll record"):
        polling.advance({"count": 0}, POLICY, 100)
