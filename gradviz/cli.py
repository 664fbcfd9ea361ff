"""Command line entry point. Until the window lands it prints the textbook example."""

from __future__ import annotations

TEXTBOOK = "a = 5\nb = 6\ny = a**3 - b**2 + 3"


def main(argv: list[str] | None = None) -> int:
    import gradviz

    ev = gradviz.evaluate(TEXTBOOK)
    print(TEXTBOOK)
    print(f"{ev.output_name} = {ev.output.item():g}")
    for name, grad in ev.grads.items():
        print(f"d{ev.output_name}/d{name} = {grad.item():g}")
    return 0
