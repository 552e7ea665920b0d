"""Train, resume, export, evaluate through the command line on tiny generated data; and a 2-process torchrun."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pix2lut.imageio import read_image, write_image
from server.registry import ModelRegistry
from training.checkpoint import read_checkpoint
from training.cli import main

TINY_STEPS = 6


def make_photos(folder: Path, count: int = 12, size: int = 48) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:size, 0:size] / size
    for index in range(count):
        base = np.stack([x, y, (x + y) / 2], axis=-1) * rng.uniform(0.4, 1.0, 3) + rng.uniform(0, 0.3, 3)
        write_image(folder / f"photo_{index:02d}.png", np.clip(base, 0, 1))
    return folder


def tiny_config(tmp_path: Path, kind: str, task: str = "grade") -> Path:
    model = ('kind = "image2lut"\ninput_size = 32\nlut_size = 17\nbackbone_widths = [4, 4, 8, 8, 8]\n'
             if kind == "image2lut" else 'kind = "image2image"\ninput_size = 64\nwidths = [4, 8, 8, 8, 8, 8]\n')
    text = f"""
[model]
{model}
[data]
task = "{task}"
photos = "{make_photos(tmp_path / 'photos')}"
crop = 32
samples_per_epoch = 8
validation_samples = 2

[optim]
steps = {TINY_STEPS}
batch_size = 2
lr = 1e-3

[run]
out_dir = "{tmp_path / 'run'}"
log_every = 1
validate_every = 3
checkpoint_every = 3
"""
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("kind", ["image2lut", "image2image"])
def test_train_writes_checkpoint_logs_grids_and_curves(tmp_path, kind):
    assert main(["train", "--config", str(tiny_config(tmp_path, kind))]) == 0
    run = tmp_path / "run"
    assert read_checkpoint(run / "last.pt")["step"] == TINY_STEPS
    with (run / "train_log.csv").open() as file:
        assert [int(row["step"]) for row in csv.DictReader(file)] == list(range(1, TINY_STEPS + 1))
    assert (run / "validation_0000003.png").exists() and (run / "validation_0000006.png").exists()
    assert (run / "curves.png").stat().st_size > 0


def test_resume_continues_at_the_saved_step(tmp_path):
    config = tiny_config(tmp_path, "image2lut")
    assert main(["train", "--config", str(config), "--set", "optim.steps=3"]) == 0
    assert main(["train", "--config", str(config), "--resume"]) == 0
    with (tmp_path / "run" / "train_log.csv").open() as file:
        steps = [int(row["step"]) for row in csv.DictReader(file)]
    assert steps == list(range(1, TINY_STEPS + 1))  # 1-3, then 4-6: no step done twice, none skipped


def test_export_writes_a_model_the_server_loads_and_evaluate_reports_on_it(tmp_path):
    config = tiny_config(tmp_path, "image2lut")
    assert main(["train", "--config", str(config)]) == 0
    models = tmp_path / "models"
    assert main(["export", str(tmp_path / "run" / "last.pt"), "-o", str(models), "--name", "tiny"]) == 0
    registry = ModelRegistry.load(models)
    assert registry.refused == {} and registry.get("tiny").entry.role == "grade"
    assert "tiny" in (models / "tiny.md").read_text()

    pairs = tmp_path / "pairs"
    make_photos(pairs / "input", count=3)
    make_photos(pairs / "target", count=3)
    assert main(["evaluate", "--models", str(models), "--pairs", str(pairs), "--sequence",
                 str(tmp_path / "photos"), "-o", str(tmp_path / "eval")]) == 0
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert len(report["pairs"]) == 3
    assert set(report["summary"]["model"]) == {"psnr_db", "delta_e76", "delta_e00", "ssim"}
    assert report["sequences"]["photos"]["clip_jitter"] == 0.0
    assert report["sequences"]["photos"]["per_frame_jitter"] > 0.0
    assert (tmp_path / "eval" / "contact_sheet.png").exists()


def test_two_runs_export_as_one_ensemble_whose_lut_is_the_mean_of_theirs(tmp_path, capsys):
    import onnxruntime

    config = tiny_config(tmp_path, "image2lut")
    runs = [tmp_path / "seed0", tmp_path / "seed1"]
    for seed, run in enumerate(runs):
        assert main(["train", "--config", str(config), "--set", f"run.seed={seed}", "--set", f"run.out_dir={run}",
                     "--set", "optim.lr=3e-2"]) == 0
    models = tmp_path / "models"
    for name, checkpoints in (("one", runs[:1]), ("two", runs[1:]), ("both", runs)):
        assert main(["export", *(str(run / "last.pt") for run in checkpoints), "-o", str(models),
                     "--name", name]) == 0
    registry = ModelRegistry.load(models)
    assert registry.refused == {} and registry.get("both").entry.training["members"] == 2
    assert main(["export", str(runs[0] / "last.pt"), "-o", str(models), "--name", "one"]) == 0  # exported again
    names = [model["name"] for model in json.loads((models / "manifest.json").read_text())["models"]]
    assert names == ["one", "two", "both"]  # replaced where it stood

    image = read_image(tmp_path / "photos" / "photo_03.png").pixels
    thumb = np.ascontiguousarray(image[:32, :32].transpose(2, 0, 1))[None]
    luts = {name: onnxruntime.InferenceSession(str(models / f"{name}.onnx")).run(None, {"image": thumb})[0]
            for name in ("one", "two", "both")}
    assert np.abs(luts["one"] - luts["two"]).max() > 1e-3  # two seeds, two different graders
    np.testing.assert_allclose(luts["both"], (luts["one"] + luts["two"]) / 2, atol=1e-5)
    assert "ensemble of 2 checkpoints" in (models / "both.md").read_text()
    assert "`run.seed` 0, 1" in (models / "both.md").read_text()  # what the members differ in, from their configs

    capsys.readouterr()
    wider = ["--set", "model.input_size=64", "--set", f"run.out_dir={tmp_path / 'wide'}"]
    assert main(["train", "--config", str(config), "--set", "optim.steps=1", *wider]) == 0
    assert main(["export", str(runs[0] / "last.pt"), str(tmp_path / "wide" / "last.pt"), "-o", str(models),
                 "--name", "mixed"]) == 1
    assert "input size 64 differs" in capsys.readouterr().err
    assert main(["export", str(runs[0] / "last.pt"), str(runs[0] / "last.pt"), "-o", str(models),
                 "--name", "twice"]) == 1
    assert "the same checkpoint is named twice" in capsys.readouterr().err
    assert not (models / "mixed.onnx").exists() and not (models / "twice.onnx").exists()


def test_a_reference_look_model_exports_as_the_look_role_and_gives_the_references_look(tmp_path):
    config = tiny_config(tmp_path, "image2lut", task="reference_look")
    assert main(["train", "--config", str(config), "--set", "optim.steps=2"]) == 0
    models = tmp_path / "models"
    assert main(["export", str(tmp_path / "run" / "last.pt"), "-o", str(models), "--name", "looks", "--default"]) == 0
    registry = ModelRegistry.load(models)
    assert registry.serves("look") and registry.default_for("look").entry.name == "looks"
    data = json.loads((models / "manifest.json").read_text())["models"][0]["training"]["data"]
    assert data.startswith("task reference_look, ")  # the card says what it saw


def test_a_principal_basis_is_where_training_starts_and_resume_keeps_the_trained_one(tmp_path):
    from training.basis import starting_basis
    from training.config import load_config

    config = tiny_config(tmp_path, "image2lut", task="reference_look")
    options = ["--set", "model.basis_init=principal", "--set", "model.basis_luts=8", "--set", "optim.lr=1e-5"]
    assert main(["train", "--config", str(config), "--set", "optim.steps=1", *options]) == 0
    start = starting_basis(load_config(config, ["model.basis_init=principal", "model.basis_luts=8"]))
    trained = read_checkpoint(tmp_path / "run" / "last.pt")["generator"]["basis"].numpy()
    assert np.abs(trained - start).max() < 1e-3 < np.abs(start[1:]).max()  # one tiny step away from the start

    state = read_checkpoint(tmp_path / "run" / "last.pt")
    state["generator"]["basis"] += 0.25  # a basis far from the principal one, as a long run would have
    torch.save(state, tmp_path / "run" / "last.pt")
    assert main(["train", "--config", str(config), "--set", "optim.steps=2", "--resume", *options]) == 0
    resumed = read_checkpoint(tmp_path / "run" / "last.pt")["generator"]["basis"].numpy()
    assert np.abs(resumed - (trained + 0.25)).max() < 1e-3  # went on from the saved basis, not a fresh start


def test_a_library_neutralizer_keeps_its_library_of_inverses_and_exports(tmp_path, capsys):
    from training.basis import starting_basis
    from training.config import load_config
    from training.data_sources import training_looks

    config = tiny_config(tmp_path, "image2lut", task="neutralize")
    library = ["model.basis_init=library", "model.blend=softmax", "model.train_basis=false"]
    count = 1 + len(training_looks(load_config(config, [])))
    options = [arg for option in [*library, f"model.basis_luts={count}"] for arg in ("--set", option)]
    assert main(["train", "--config", str(config), "--set", "optim.steps=2", *options]) == 0
    start = starting_basis(load_config(config, [*library, f"model.basis_luts={count}"]))
    trained = read_checkpoint(tmp_path / "run" / "last.pt")["generator"]["basis"].numpy()
    np.testing.assert_array_equal(trained, start)  # two steps at lr 1e-3 and not one node moved
    models = tmp_path / "models"
    assert main(["export", str(tmp_path / "run" / "last.pt"), "-o", str(models), "--name", "library"]) == 0
    assert ModelRegistry.load(models).serves("neutralize")

    wrong = [arg for option in [*library, "model.basis_luts=8"] for arg in ("--set", option)]
    assert main(["train", "--config", str(config), "--set", "run.out_dir=" + str(tmp_path / "wrong"), *wrong]) == 1
    assert f"set model.basis_luts = {count}, found 8" in capsys.readouterr().err


def make_real_pairs(folder: Path, count: int = 8) -> Path:
    """``count`` pairs (input/ and expertC/), each retouched its own way: brighter and warmer by its index."""
    make_photos(folder / "input", count)
    (folder / "expertC").mkdir()
    for index, path in enumerate(sorted((folder / "input").iterdir())):
        photo = read_image(path).pixels
        gain = np.array([1.1 + 0.02 * index, 1.05, 0.95], np.float32)
        write_image(folder / "expertC" / path.name, np.clip(photo ** 0.8 * gain, 0, 1))
    return folder


def test_a_grade_library_trained_on_degradations_and_real_pairs_exports_a_grader(tmp_path):
    config = tiny_config(tmp_path, "image2lut", task="grade")
    library = ["model.basis_init=library", "model.blend=softmax", "model.train_basis=false",
               "model.basis_luts=7", f"data.real_pairs={make_real_pairs(tmp_path / 'pairs')}",  # 8 pairs, 6 trained on
               "data.degradation_share=0.5", "data.degradation_mix=2", "data.real_fraction=0.3"]
    options = [arg for option in library for arg in ("--set", option)]
    assert main(["train", "--config", str(config), "--set", "optim.steps=3", *options]) == 0
    models = tmp_path / "models"
    assert main(["export", str(tmp_path / "run" / "last.pt"), "-o", str(models), "--name", "graded"]) == 0
    assert ModelRegistry.load(models).serves("grade")
    data = json.loads((models / "manifest.json").read_text())["models"][0]["training"]["data"]
    assert "blends of 2" in data and "(30%)" in data  # the card says how it was trained


def test_an_ensembles_card_names_only_the_settings_its_members_really_differ_in():
    from training.config import load_config
    from training.export import config_differences

    first = load_config(None, ["optim.mse_weight=3", "run.seed=0"]).to_dict()  # a file's 3 and another's 3.0
    second = load_config(None, ["optim.mse_weight=3.0", "run.seed=1"]).to_dict()
    assert config_differences([first, second]) == {"run.seed": [0, 1]}


def test_an_ensemble_of_two_configurations_names_the_data_of_each(tmp_path):
    from training.config import load_config
    from training.export import training_data_description

    plain = load_config(None, ["run.seed=0"])
    shown = load_config(None, [f"data.real_pairs={tmp_path / 'fivek'}", "data.real_fraction=0.25"])
    assert training_data_description([plain, plain]) == "task grade, photos photos"
    mixed = training_data_description([plain, plain, shown])
    assert mixed == ("2 of the 3 members: task grade, photos photos; "
                     "1 of the 3 members: task grade, photos photos, real pairs fivek (25%)")
    extra = load_config(None, ["data.task=neutralize", f"data.extra_looks={tmp_path / 'my-looks'}"])
    assert training_data_description([extra]) == "task neutralize, photos photos, looks looks, extra looks my-looks"


def test_a_card_gives_the_data_folders_beside_the_checkout_as_the_configs_write_them():
    from training.config import CHECKOUT, SHARED_DATA, load_config
    from training.export import portable_config

    # a folder away from the checkout's (a temporary one may be beside it: a checkout in /tmp); never read
    own = Path(CHECKOUT.anchor) / "away-from-the-checkout" / "my-footage"
    shown = portable_config(load_config(None, [f"data.real_pairs={own}", "run.out_dir=runs/mine"]))
    assert shown["data"]["photos"] == "../shared/data/photos" != str(SHARED_DATA / "photos")  # the default
    assert shown["data"]["looks"] == "../shared/data/looks"
    assert shown["data"]["real_pairs"] == str(own)  # elsewhere: as given
    assert shown["run"]["out_dir"] == "runs/mine"
    generated = portable_config(load_config(None, [f"data.extra_looks={CHECKOUT / 'runs' / 'my-looks'}"]))
    assert generated["data"]["extra_looks"] == "runs/my-looks"  # as the configs write it, not this machine's path


def test_a_cross_validation_run_is_judged_on_the_real_pairs_it_held_out(tmp_path, capsys):
    config = tiny_config(tmp_path, "image2lut", task="grade")
    pairs = make_real_pairs(tmp_path / "pairs")  # photo_00 ... photo_07
    real = ["--set", f"data.real_pairs={pairs}", "--set", "data.real_fraction=0.5", "--set", "optim.steps=2"]
    assert main(["train", "--config", str(config), *real, "--set", "data.real_fold=2"]) == 0
    models = tmp_path / "models"
    assert main(["export", str(tmp_path / "run" / "last.pt"), "-o", str(models), "--name", "fold2"]) == 0
    assert "fold 2 held out" in json.loads((models / "manifest.json").read_text())["models"][0]["training"]["data"]
    assert main(["evaluate", "--models", str(models), "--pairs", str(pairs), "--held-out",
                 "-o", str(tmp_path / "eval")]) == 0
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert [pair["name"] for pair in report["pairs"]] == ["photo_02", "photo_06"]  # its fold's, read from the model

    capsys.readouterr()
    assert main(["train", "--config", str(config), *real, "--set", f"run.out_dir={tmp_path / 'fold0'}"]) == 0
    assert main(["export", str(tmp_path / "run" / "last.pt"), str(tmp_path / "fold0" / "last.pt"),
                 "-o", str(models), "--name", "mixed"]) == 1  # no real pair would be unseen by both
    assert "real fold 0 differs" in capsys.readouterr().err


def test_a_reference_look_image2image_model_is_refused(tmp_path, capsys):
    config = tiny_config(tmp_path, "image2image", task="reference_look")
    assert main(["train", "--config", str(config)]) == 1
    assert "reference_look needs model.kind image2lut" in capsys.readouterr().err


def test_unknown_config_key_is_one_line(tmp_path, capsys):
    config = tiny_config(tmp_path, "image2lut")
    assert main(["train", "--config", str(config), "--set", "optim.learning_rate=1"]) == 1
    assert "unknown key(s) learning_rate in [optim]" in capsys.readouterr().err


def test_two_process_torchrun_trains_with_gloo(tmp_path):
    config = tiny_config(tmp_path, "image2lut")
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
         "-m", "training", "train", "--config", str(config)],
        capture_output=True, text=True, timeout=300, env=environment, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    state = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    assert state["step"] == TINY_STEPS


def test_mse_term_alone_drives_the_training(tmp_path):
    config = tiny_config(tmp_path, "image2lut")
    only_mse = ["optim.mse_weight=1", "optim.l1_weight=0", "optim.lut_weight=0", "optim.smoothness_weight=0",
                "optim.monotonicity_weight=0"]
    assert main(["train", "--config", str(config), *[arg for item in only_mse for arg in ("--set", item)]]) == 0
    with (tmp_path / "run" / "train_log.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert all(float(row["mse"]) > 0 and float(row["total"]) == pytest.approx(float(row["mse"])) for row in rows)
