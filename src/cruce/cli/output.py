"""What every command prints with: the two consoles, progress bars, and lines printed whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def progress() -> Progress:
    """A progress bar on stderr, only on a terminal; no refresh thread, since batch screening forks."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        auto_refresh=False,
        disable=not err_console.is_terminal,
    )


def advance(bar: Progress, task: Any) -> Callable[[int], None]:
    def step(n: int) -> None:
        bar.advance(task, n)
        bar.refresh()

    return step


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 row`, `2 rows`; `words` for irregular plurals (`entity`, `entities`)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def say(text: str) -> None:
    """A line for stdout that may hold list data: printed whole, never wrapped by Rich."""
    console.print(text, soft_wrap=True)


def prose(text: str) -> None:
    """A sentence for people: wrapped to the terminal (80 columns in a pipe), unlike `say`."""
    console.print(text)


def status(text: str) -> None:
    """A step of a long job, on a terminal's stderr only (like the progress bars), so pipes stay clean."""
    if err_console.is_terminal:
        err_console.print(f"[dim]… {text}[/dim]", soft_wrap=True)
