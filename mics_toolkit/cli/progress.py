"""The progress bar of the ``mics`` commands, fed by the library's progress callbacks.

The builds report progress as ``progress(done, total, message)``
(:func:`mics_toolkit.report.build.build_report`,
:func:`mics_toolkit.report.index_build.build_index_report`); :class:`ProgressBar` draws it on
stderr: on a terminal one line redrawn in place, otherwise a line at each tenth of the way,
so that logs stay short. A stage that starts over (``done`` falls back, or ``total``
changes) starts a new line.
"""

from __future__ import annotations

from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """A one-line progress bar for ``progress(done, total, message)`` callbacks.

    Parameters
    ----------
    stream : text stream
        Where to draw (stderr).
    width : int
        Characters of the bar.
    """

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.interactive = bool(getattr(stream, "isatty", lambda: False)())
        self.last_tenth = -1
        self.last = (0, 0)
        self.drawn = False

    def __call__(self, done: int, total: int, message: str) -> None:
        if done < self.last[0] or total != self.last[1]:
            self.close()
            self.last_tenth = -1
        self.last = (done, total)
        fraction = min(done / total, 1.0) if total else 1.0
        filled = round(fraction * self.width)
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {fraction:4.0%} {message}"
        if self.interactive:
            self.stream.write("\r" + line[:100].ljust(100))
            self.drawn = True
        else:
            tenth = int(fraction * 10)
            if tenth == self.last_tenth:
                return
            self.last_tenth = tenth
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (terminal only)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
