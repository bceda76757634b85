"""The pictures' shared plumbing: matplotlib set up headless (Agg), and a figure saved to a path.

Every command that draws (`learn train`'s loss curve, `learn compare`'s curves, `learn attention`'s
heatmaps) goes through here, so they all render without a screen and close what they open.
"""

from __future__ import annotations

from pathlib import Path


def pyplot():
    """matplotlib.pyplot on the Agg backend: pictures render on a machine without a screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(figure, path: Path) -> Path:
    """Lay out, write and close `figure`; return `path`."""
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    pyplot().close(figure)
    return path


def line_chart(path: Path, lines: list[tuple[list, list, dict]], *, xlabel: str, ylabel: str,
               title: str) -> Path:
    """An 800x450 PNG of the given (x, y, plot options) lines, with a grid and a legend."""
    figure, axes = pyplot().subplots(figsize=(8, 4.5), dpi=100)
    for xs, ys, options in lines:
        axes.plot(xs, ys, **options)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    return save(figure, path)
