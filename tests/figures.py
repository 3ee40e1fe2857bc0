"""Rendering helpers for the plot and widget tests (imported as ``from figures import rendered``)."""
import io

from matplotlib.figure import Figure

PNG_MAGIC = b"\x89PNG"


def png(fig) -> bytes:
    """``fig`` rendered as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def rendered(fig):
    """Render ``fig`` as a notebook would (some warnings are only raised at draw time); return it."""
    assert isinstance(fig, Figure)
    assert png(fig).startswith(PNG_MAGIC)
    return fig
