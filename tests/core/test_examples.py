"""The shipped example programs: they all run, and they come in the promised order."""

from __future__ import annotations

import pytest

import gradviz
from gradviz.examples import load_examples

EXAMPLES = load_examples()


def test_textbook_example_comes_first():
    first = EXAMPLES[0]
    assert first.title == "Textbook"
    ev = gradviz.evaluate(first.text)
    assert ev.output.item() == 92
    assert ev.grads["a"].item() == 75
    assert ev.grads["b"].item() == -12


def test_the_six_promised_examples_are_there_in_order():
    names = [example.filename for example in EXAMPLES]
    assert names == sorted(names)
    assert len(names) == 6
    texts = [example.text for example in EXAMPLES]
    for needle, text in zip(
        ["**", "sum(", "tanh(", "sigmoid(", "softmax(", "for "], texts, strict=True
    ):
        assert needle in text


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.filename)
def test_example_evaluates_and_says_what_to_look_at(example):
    assert example.text.startswith("# ")
    assert len(example.hint) > 20
    ev = gradviz.evaluate(example.text)
    assert ev.graph.number_of_nodes() > 1
    assert ev.leaves, "every example has something to differentiate"
    assert all(grad is not None for grad in ev.grads.values())


def test_titles_come_from_file_names():
    assert [example.title for example in EXAMPLES] == [
        "Textbook",
        "Vector sum",
        "Matrix vector tanh",
        "Sigmoid neuron",
        "Softmax cross entropy",
        "For loop recurrence",
    ]
