"""Under record(), every node knows the nn.Module call that made it (global module hooks)."""

from __future__ import annotations

import threading

import pytest
import torch
from torch import nn
from torch.nn.modules import module as torch_module

import gradviz


class Block(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.fc = nn.Linear(n, n)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.fc(x)) * 2.0


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([Block(3), Block(3)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x.sum(dim=1)  # made by the root itself


def _by(G, **match):
    return [(n, d) for n, d in G.nodes(data=True) if all(d.get(k) == v for k, v in match.items())]


def test_nodes_carry_the_innermost_module_path_and_leaves_their_parameter_names():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    x = torch.randn(5, 2)
    with gradviz.record():
        loss = torch.nn.functional.mse_loss(model(x), torch.zeros(5, 1))
    G = gradviz.trace(loss, names=dict(model.named_parameters()))
    for name, param in model.named_parameters():
        ((_, leaf),) = _by(G, kind="leaf", name=name)
        assert leaf["module"] == name.split(".")[0]
        (ref,) = torch.autograd.grad(loss, param, retain_graph=True)
        torch.testing.assert_close(leaf["grad"], ref)
    # The first Linear's output node holds what model[0] computes on its own.
    ((_, first),) = [(n, d) for n, d in _by(G, module="0") if d["kind"] == "op"
                     and d["shape"] == (5, 4)]
    torch.testing.assert_close(first["value"], model[0](x).detach())
    assert [d["label"] for _, d in _by(G, module="1")] == ["relu"]
    assert {d["label"] for _, d in _by(G, kind="op", module=None)} == {"mse_loss"}
    assert G.graph["modules"] == {"": "Sequential", "0": "Linear", "1": "ReLU", "2": "Linear"}


def test_nested_paths_root_code_and_numbers_written_in_a_module():
    model = Net()
    x = torch.randn(4, 3)
    with gradviz.record():
        y = model(x)
    G = gradviz.trace(y)
    modules = {d["module"] for d in G.nodes.values()}
    assert {"layers.0.fc", "layers.0", "layers.1.fc", "layers.1", ""} <= modules
    assert {d["label"] for _, d in _by(G, module="layers.1")} == {"tanh", "mul", "2"}
    ((_, data),) = _by(G, kind="constant", shape=(4, 3))
    assert data["module"] is None, "data passed into the model belongs to no module"
    assert [d["label"] for _, d in _by(G, module="")] == ["sum"]


def test_a_second_model_in_the_same_block_gets_its_own_names():
    first, second = nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 1))
    with gradviz.record():
        y = second(first(torch.randn(1, 2))).sum()
    modules = {d["module"] for d in gradviz.trace(y).nodes.values()} - {None}
    assert modules == {"", "Sequential[1].0"}


def test_module_calls_on_other_threads_do_not_disturb_the_recording():
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    other = nn.Sequential(nn.Linear(2, 2))
    inside_other = threading.Event()
    leave_other = threading.Event()

    def pause_inside(*_):
        inside_other.set()
        leave_other.wait(5)

    def run_other():
        other[0].register_forward_pre_hook(pause_inside)
        other(torch.randn(1, 2))

    with gradviz.record():
        worker = threading.Thread(target=run_other)
        worker.start()
        assert inside_other.wait(5)  # the other thread is inside other[0] right now
        y = model(torch.randn(1, 2)).sum()
        leave_other.set()
        worker.join(5)
    G = gradviz.trace(y)
    assert {d["label"]: d["module"] for d in G.nodes.values() if d["kind"] == "op"} == {
        "t": "0", "addmm": "0", "tanh": "1", "sum": None,
    }


def test_hooks_are_removed_when_the_block_ends_also_on_error():
    def hooks():
        return len(torch_module._global_forward_pre_hooks), len(torch_module._global_forward_hooks)

    before = hooks()
    with pytest.raises(RuntimeError), gradviz.record():
        nn.Linear(2, 2)(torch.randn(1, 3))  # wrong shape
    assert hooks() == before


def test_programs_have_no_module_attribute():
    G = gradviz.evaluate("a = 2\ny = a * 3").graph
    assert all("module" not in d for d in G.nodes.values()) and G.graph["modules"] == {}
