"""`microgrid train circles|football|moons`: course 2's runs from the command line.

Short runs print the course's first lines; every bad combination is refused before any
training (exit status 2, a message naming the option, no cost line printed).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from course_data import FOOTBALL_DIR, needs_football

from microgrid.apps.cli import main


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse's own errors
            status = int(stop.code or 0)
    return status, out.getvalue()


def test_circles_with_he_prints_the_courses_costs() -> None:
    status, text = run(["train", "circles", "--init", "he", "--iterations", "1001"])
    assert status == 0
    assert "network [2, 10, 5, 1], relu, learning rate 0.01" in text and "init he" in text
    assert "Cost after iteration 0: 0.883054\nCost after iteration 1000:" in text
    assert "test accuracy:" in text


def test_circles_with_large_weights_starts_at_inf() -> None:
    status, text = run(["train", "circles", "--init", "large", "--iterations", "1"])
    assert status == 0 and "Cost after iteration 0: inf\n" in text


@needs_football
@pytest.mark.parametrize(
    ("option", "first"),
    [([], "0.655741"), (["--l2", "0.7"], "0.697448"), (["--keep-prob", "0.86"], "0.654391")],
)
def test_football_prints_the_courses_first_cost(option: list[str], first: str) -> None:
    argv = ["train", "football", "--data", str(FOOTBALL_DIR), "--iterations", "1", *option]
    status, text = run(argv)
    assert status == 0 and f"Cost after iteration 0: {first}\n" in text
    assert "[2, 20, 3, 1]" in text and "init scaled" in text


def test_moons_with_adam_prints_epochs() -> None:
    argv = ["train", "moons", "--optimizer", "adam", "--mini-batch", "64", "--epochs", "1"]
    status, text = run(argv)
    assert status == 0 and "Cost after epoch 0: 0.702166\n" in text
    assert "optimizer adam, 1 epochs of mini-batches of 64" in text


def test_moons_with_schedule_decay_prints_the_learning_rate() -> None:
    argv = ["train", "moons", "--lr", "0.1", "--decay", "schedule", "--epochs", "1"]
    status, text = run(argv)
    assert status == 0
    assert "Cost after epoch 0: 0.701091\nlearning rate after epoch 0: 0.100000\n" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["circles", "--keep-prob", "0"], "keep_prob must be a number in (0, 1]"),
        (["circles", "--keep-prob", "1.5"], "keep_prob must be a number in (0, 1]"),
        (["circles", "--keep-prob", "nan"], "--keep-prob: must be a finite number"),
        (["circles", "--l2", "-0.7"], "l2 must be a finite number >= 0"),
        (["circles", "--mini-batch", "64"], "give --epochs N too"),
        (["moons", "--mini-batch", "0"], "--mini-batch: must be at least 1"),
        (["moons", "--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
        (["moons", "--beta", "0.8"], "--beta is momentum's"),
        (["moons", "--optimizer", "momentum", "--beta1", "0.8"], "--beta1 is Adam's"),
        (["moons", "--optimizer", "momentum", "--beta", "1"], "beta must be a number in [0, 1)"),
        (["moons", "--iterations", "10"], "give --epochs N instead"),
        (["circles", "--iterations", "10", "--epochs", "2"], "not both"),
        (["moons", "--decay-rate", "2"], "need --decay update or schedule"),
        (["moons", "--decay", "update", "--time-interval", "5"], "for --decay schedule"),
        (["moons", "--engine", "compiled"], "full batch only"),
        (["circles", "--init", "xavier"], "invalid choice: 'xavier'"),
        (["football"], "football needs the course's data.mat: --data DIR"),
        (["football", "--data", "/no/such/folder"], "no directory /no/such/folder"),
        (["moons", "--data", "x"], "--data is for cats and football only"),
        (["planar", "--keep-prob", "0.5", "--layers", "1"], None),
    ],
)
def test_bad_combinations_are_refused_before_training(
    argv: list[str], message: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if message is None:  # a valid combination, as a control: it trains
        status, text = run(["train", *argv, "--iterations", "1"])
        assert status == 0 and "Cost after iteration 0:" in text and "dropout" in text
        return
    status, text = run(["train", *argv])
    assert status == 2 and message in text, text
    assert "Cost after" not in text


def test_a_folder_without_the_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "other.mat").write_bytes(b"")
    status, text = run(["train", "football", "--data", str(tmp_path)])
    assert status == 2 and "data.mat not found" in text and "found: other.mat" in text
