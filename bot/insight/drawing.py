"""What every BackCheck picture shares: the palette, the render lock, figure to bytes.

The colours are Okabe & Ito's "Color universal design" (2008), distinguishable with the common
colour-vision deficiencies. Figures are drawn through matplotlib's object-oriented API on a
canvas of their own (no pyplot, so no global figure registry to leak into, and nothing depends
on the process-wide backend). Drawing holds :data:`RENDER_LOCK` because matplotlib shares its
font cache between threads, and pictures are drawn in worker threads.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RENDER_LOCK = threading.RLock()

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"


def render(
    size_inches: tuple[float, float],
    dpi: int,
    draw: Callable[[Figure], None],
    file_format: Literal["png", "pdf"] = "png",
    **save: Any,
) -> bytes:
    """Draw a new figure of ``size_inches`` at ``dpi`` with ``draw`` and return its file."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    canvas = FigureCanvasPdf if file_format == "pdf" else FigureCanvasAgg
    with RENDER_LOCK:
        figure = Figure(figsize=size_inches, dpi=dpi, facecolor="white")
        canvas(figure)
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=file_format, dpi=dpi, facecolor="white", **save)
    return buffer.getvalue()
