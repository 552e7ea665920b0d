"""Loss curves as a PNG (matplotlib, off-screen), from the CSV logs the training writes."""

from __future__ import annotations

import csv
from pathlib import Path


def plot_curves(train_csv: Path, validation_csv: Path, out_png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    losses = _columns(train_csv)
    for name, values in losses.items():
        if name != "step":
            left.plot(losses["step"], values, label=name)
    left.set(title="training losses", xlabel="step", yscale="log")
    left.legend(fontsize=8)
    validation = _columns(validation_csv)
    if validation:
        right.plot(validation["step"], validation["psnr_db"], marker="o")
    right.set(title="validation PSNR (dB)", xlabel="step")
    figure.tight_layout()
    figure.savefig(out_png, dpi=80)
    plt.close(figure)


def _columns(path: Path) -> dict[str, list[float]]:
    if not path.exists():
        return {}
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    keys = rows[0].keys() if rows else ()
    return {key: [float(row[key]) for row in rows if row.get(key) not in (None, "")] for key in keys}
