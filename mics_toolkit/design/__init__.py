"""Sample designs: the frozen :class:`Design` and the checks of its columns."""

from mics_toolkit.design.design import LONELY_PSU_OPTIONS, Design, LonelyPsu

__all__ = ["LONELY_PSU_OPTIONS", "Design", "LonelyPsu"]
