"""Traffic per Deployment over time: the input of pod CPU metrics and so of the HPA."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LoadCurve:
    """Piecewise-linear load over seconds since the scenario's script began; flat before the
    first point and after the last."""

    points: list[tuple[float, float]] = field(default_factory=lambda: [(0.0, 1.0)])

    def at(self, t: float) -> float:
        pts = self.points
        if t <= pts[0][0]:
            return pts[0][1]
        if t >= pts[-1][0]:
            return pts[-1][1]
        i = bisect.bisect_right([p[0] for p in pts], t)
        (t0, v0), (t1, v1) = pts[i - 1], pts[i]
        return v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def parse_load(doc: dict[str, Any]) -> dict[str, LoadCurve]:
    """The ``load:`` section: Deployment name (``*`` = any) -> number or [[t, value], ...]."""
    curves: dict[str, LoadCurve] = {}
    for name, spec in doc.items():
        if isinstance(spec, (int, float)):
            curves[str(name)] = LoadCurve([(0.0, float(spec))])
        else:
            points = sorted((float(t), float(v)) for t, v in spec)
            if not points:
                raise ValueError(f"load {name!r}: no points")
            curves[str(name)] = LoadCurve(points)
    return curves
