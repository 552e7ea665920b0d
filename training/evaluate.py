"""Evaluate an exported model through the server's own pipeline, so the figures are what users get.

For image pairs: the model's LUT (``server.pipeline.correction_lut``, exactly as a ``grade`` request makes it)
applied to each source, against its target, beside doing nothing (the source itself): PSNR, CIE76, CIEDE2000,
SSIM. For frame sequences: how far the per-frame LUTs of one shot move from frame to frame (jitter), against
the one LUT ``grade_clip`` fits over the shot. Writes a JSON report and a contact sheet.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from pix2lut.apply import apply_lut
from pix2lut.files import write_bytes_atomic
from pix2lut.imageio import write_image
from server.pipeline import Timings, correction_lut
from server.registry import LoadedModel, ModelRegistry
from training.data.pairs import Pair
from training.metrics import image_metrics

CONTACT_SHEET_ROWS = 8
CONTACT_THUMBNAIL = 192  # pixels on the long side of each thumbnail


@dataclass(frozen=True)
class EvaluationReport:
    model: str
    pairs: list[dict]  # per pair: name, model metrics, input metrics
    sequences: dict[str, dict[str, float]]

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean of each figure, for the model and for doing nothing."""
        result: dict[str, dict[str, float]] = {}
        for side in ("model", "input"):
            figures = [row[side] for row in self.pairs]
            if figures:
                result[side] = {key: statistics.fmean(f[key] for f in figures) for key in figures[0]}
        return result

    def to_json(self) -> dict:
        return {"model": self.model, "summary": self.summary(), "sequences": self.sequences, "pairs": self.pairs}


def load_model(models_dir: Path, name: str | None, role: str = "grade") -> LoadedModel:
    registry = ModelRegistry.load(Path(models_dir))
    return registry.get(name) if name else registry.default_for(role)


def held_out_fold(model: LoadedModel) -> int:
    """The ``data.real_fold`` the model was trained with, from its ONNX metadata (0 when it does not say): which
    of the real pairs it never saw."""
    config = model.session.get_modelmeta().custom_metadata_map.get("pix2lut.config", "{}")
    try:
        return int(json.loads(config).get("data", {}).get("real_fold", 0))
    except (ValueError, TypeError, AttributeError):
        return 0


def evaluate(
    model: LoadedModel,
    pairs: Iterable[Pair],
    sequences: dict[str, Sequence[np.ndarray]] | None = None,
    lut_size: int = 33,
    out_dir: Path | None = None,
) -> EvaluationReport:
    rows, sheet = [], []
    for pair in tqdm(list(pairs), desc="evaluate", unit="pair"):
        lut = correction_lut(model, [pair.source], lut_size, Timings())
        prediction = apply_lut(pair.source, lut)
        rows.append({"name": pair.name, "model": image_metrics(prediction, pair.target),
                     "input": image_metrics(pair.source, pair.target)})
        if len(sheet) < CONTACT_SHEET_ROWS:
            sheet.append((pair.source, prediction, pair.target))
    jitter = {name: sequence_jitter(model, frames, lut_size) for name, frames in (sequences or {}).items()}
    report = EvaluationReport(model.entry.name, rows, jitter)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(out_dir / "report.json", json.dumps(report.to_json(), indent=2).encode("utf-8"))
        if sheet:
            write_image(out_dir / "contact_sheet.png", contact_sheet(sheet))
    return report


def sequence_jitter(model: LoadedModel, frames: Sequence[np.ndarray], lut_size: int) -> dict[str, float]:
    """Mean absolute change of the LUT between consecutive frames: graded one by one, and as one shot."""
    per_frame = [correction_lut(model, [frame], lut_size, Timings()).table for frame in frames]
    one_lut = correction_lut(model, list(frames), lut_size, Timings()).table
    steps = [float(np.abs(b - a).mean()) for a, b in itertools.pairwise(per_frame)]
    return {
        "frames": len(frames),
        "per_frame_jitter": statistics.fmean(steps) if steps else 0.0,
        "per_frame_max_jitter": max(steps, default=0.0),
        "clip_jitter": 0.0,  # grade_clip gives the shot one LUT: nothing moves between its frames
        "clip_to_frame_mean": statistics.fmean(float(np.abs(one_lut - t).mean()) for t in per_frame),
    }


def contact_sheet(rows: Sequence[tuple[np.ndarray, ...]]) -> np.ndarray:
    """Rows of thumbnails side by side (source | prediction | target), padded to one width."""
    strips = []
    for images in rows:
        thumbnails = [_thumbnail(image) for image in images]
        height = min(t.shape[0] for t in thumbnails)
        strips.append(np.concatenate([t[:height] for t in thumbnails], axis=1))
    width = max(strip.shape[1] for strip in strips)
    padded = [np.pad(strip, ((0, 0), (0, width - strip.shape[1]), (0, 0))) for strip in strips]
    return np.concatenate(padded, axis=0)


def _thumbnail(image: np.ndarray) -> np.ndarray:
    scale = CONTACT_THUMBNAIL / max(image.shape[:2])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
