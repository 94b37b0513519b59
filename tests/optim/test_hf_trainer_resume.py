"""Hugging Face ``Trainer`` checkpoints of extremal's optimizers and schedulers resume exactly.

``Trainer(optimizers=(opt, sched))`` saves ``optimizer.pt`` and ``scheduler.pt`` every 3
steps; a new ``Trainer`` given ``resume_from_checkpoint`` reads them back (with
``torch.load(weights_only=True)``, which refuses anything but plain values) and its 3 more
steps end on the same bits as 6 steps without a break.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from extremal.optim import AdaGradNorm, GradNormLR, Muon, muon_param_groups  # noqa: E402


class _Regression(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"loss": torch.nn.functional.mse_loss(self.net(x), y)}


class _Data(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self) -> None:
        generator = torch.Generator().manual_seed(1)
        self.x = torch.randn(24, 8, generator=generator)  # 3 batches of 8 per epoch
        self.y = torch.sin(self.x.sum(dim=1, keepdim=True))

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.x[i], "y": self.y[i]}


def _muon_with_a_given_radius(model: _Regression) -> tuple[Any, Any]:
    opt = Muon(muon_param_groups(model.net), lr=0.02, nonfinite="skip")
    return opt, GradNormLR(opt, AdaGradNorm(), radius=2.0)


def _adamw_parameter_free(model: _Regression) -> tuple[Any, Any]:
    opt = torch.optim.AdamW(model.parameters(), lr=1.0, weight_decay=0.0)
    return opt, GradNormLR(opt, AdaGradNorm())


def _train(root: Path, steps: int, make: Callable[[_Regression], tuple[Any, Any]], resume: Path | None = None):
    model = _Regression()
    args = transformers.TrainingArguments(
        output_dir=str(root), max_steps=steps, per_device_train_batch_size=8, save_strategy="steps", save_steps=3,
        logging_strategy="no", report_to=[], use_cpu=True, seed=0, data_seed=0, disable_tqdm=True,
        remove_unused_columns=False, dataloader_num_workers=0,
    )
    trainer = transformers.Trainer(model=model, args=args, train_dataset=_Data(), optimizers=make(model))
    trainer.train(resume_from_checkpoint=None if resume is None else str(resume))
    return model, trainer


@pytest.mark.parametrize("make", [_muon_with_a_given_radius, _adamw_parameter_free])
def test_a_trainer_checkpoint_resumes_exactly(tmp_path: Path, make) -> None:
    logging.getLogger("transformers").setLevel(logging.ERROR)
    straight, _ = _train(tmp_path / "straight", 6, make)
    _train(tmp_path / "half", 3, make)
    checkpoint = tmp_path / "half" / "checkpoint-3"
    for name in ("optimizer.pt", "scheduler.pt"):
        torch.load(checkpoint / name, weights_only=True)  # plain values only
    resumed, trainer = _train(tmp_path / "resumed", 6, make, resume=checkpoint)
    assert trainer.state.global_step == 6
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)
    assert trainer.lr_scheduler.norms.size == 6  # the scheduler's record went on from the checkpoint
    assert not all(torch.equal(a, b) for a, b in zip(straight.parameters(), _Regression().parameters(), strict=True))
