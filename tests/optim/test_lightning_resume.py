"""Lightning checkpoints of extremal's Muon: written by ``Trainer``, read with ``torch.load(weights_only=True)``,
accepted by ``Trainer.fit(ckpt_path=...)``, and exact.

The state Lightning saves after 3 steps, loaded into a fresh model and optimizer, continues
for 3 more steps to the same bits as 6 steps without a break.
"""

from __future__ import annotations

import logging

import pytest

torch = pytest.importorskip("torch")
lightning = pytest.importorskip("lightning")

from extremal.optim import Muon, muon_param_groups  # noqa: E402


def _muon(net: torch.nn.Module) -> Muon:
    return Muon(muon_param_groups(net), lr=0.02, nonfinite="skip")


class _Regression(lightning.LightningModule):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16),
                                       torch.nn.Tanh(), torch.nn.Linear(16, 1))

    def training_step(self, batch, batch_index):  # type: ignore[no-untyped-def]
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x), y)

    def configure_optimizers(self):  # type: ignore[no-untyped-def]
        return _muon(self.net)


def _data() -> torch.utils.data.DataLoader:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(24, 8, generator=generator)  # 3 batches of 8
    y = torch.sin(x.sum(dim=1, keepdim=True))
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8, shuffle=False)


def _trainer(root, steps: int) -> lightning.Trainer:
    return lightning.Trainer(
        max_steps=steps, accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
        enable_model_summary=False, default_root_dir=root, deterministic=True, enable_checkpointing=False,
    )


def test_a_lightning_checkpoint_of_muon_resumes_exactly(tmp_path):
    logging.getLogger("lightning").setLevel(logging.ERROR)
    straight = _Regression()
    _trainer(tmp_path / "a", 6).fit(straight, _data())

    trainer = _trainer(tmp_path / "b", 3)
    trainer.fit(_Regression(), _data())
    trainer.save_checkpoint(tmp_path / "half.ckpt")
    checkpoint = torch.load(tmp_path / "half.ckpt", weights_only=True)  # plain values only

    model = _Regression()
    model.load_state_dict(checkpoint["state_dict"])
    optimizer = _muon(model.net)
    optimizer.load_state_dict(checkpoint["optimizer_states"][0])
    for batch in _data():
        optimizer.zero_grad()
        model.training_step(batch, 0).backward()
        optimizer.step()
    for a, b in zip(straight.parameters(), model.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, b) for a, b in zip(straight.parameters(), _Regression().parameters(), strict=True))

    resumed = _Regression()
    fit = _trainer(tmp_path / "c", 6)
    fit.fit(resumed, _data(), ckpt_path=tmp_path / "half.ckpt")  # Lightning's own resume accepts it
    assert fit.global_step == 6
