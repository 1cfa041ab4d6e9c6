"""check_backprop never contradicts itself: when the course's one number and the
entry-by-entry verdict disagree, the report says so and why."""

from __future__ import annotations

import course_networks as course
import numpy as np

from microgrid import check_backprop


def shallow(mistake: str = "") -> tuple[object, ...]:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 5))
    Y = (rng.random((1, 5)) > 0.5).astype(float)
    parameters = course.initialize_shallow(2, 4, 1)
    return (
        course.shallow_cost(X, Y),
        parameters,
        course.shallow_gradients(X, Y, parameters, mistake),
    )


def test_no_note_when_the_verdicts_agree() -> None:
    report = check_backprop(*shallow())
    assert report.ok and report.difference is not None
    assert report.difference <= report.threshold
    assert report.course_note() == "" and "verdicts differ" not in str(report)


def test_a_right_backprop_over_the_courses_threshold_is_explained() -> None:
    report = check_backprop(*shallow())
    # As in a run the audit saw: right code, and central differences at 2.06e-07
    # against the course's 2e-07 (their own error is of that size).
    report.difference = 2.06e-7
    text = str(report)
    assert text.startswith("check_backprop: all 4 gradients are right")
    assert "There is a mistake in the backward propagation!" in text  # the course's line stays
    assert "the two verdicts differ" in text and "central differences" in report.course_note()
    assert "same size as its threshold 2e-07" in report.course_note()
    assert "verdicts differ" in report._repr_html_()


def test_a_wrong_entry_under_the_courses_threshold_is_explained() -> None:
    report = check_backprop(*shallow())
    report.difference = 1e-9
    gradient = report.gradients[0]  # one entry of dW1 wrong (as the entry check marks it)
    assert gradient.yours is not None
    gradient.yours.flat[0] += 1e-3
    gradient.wrong_mask.flat[0] = True
    gradient.status = "WRONG"
    assert not report.ok
    text = str(report)
    assert "Your backward propagation works perfectly fine!" in text
    assert "the two verdicts differ" in text and "each entry" in report.course_note()
