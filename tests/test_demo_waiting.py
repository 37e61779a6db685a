"""The demo loader's patience: it waits as long as what it polls keeps changing, and gives up once it stops."""

from uplift_cli.demo.waiting import Progress


def test_a_state_that_stops_changing_stalls_and_a_change_starts_the_wait_again() -> None:
    progress = Progress(stall_seconds=60)
    progress.moved((1, 0))
    assert not progress.stalled()
    progress._since -= 61  # a minute without change (time moved on, not the state)
    progress.moved((1, 0))
    assert progress.stalled()
    progress.moved((2, 0))  # the read model moved: the wait starts again
    assert not progress.stalled()
