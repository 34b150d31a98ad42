"""Helpers of the importer tests (a plainly named module: tests/ is not a package)."""
from __future__ import annotations

import importlib.util
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MS_PYTHON = os.environ.get("TRAINDOCTOR_MS_PYTHON", os.path.join(ROOT, ".venv-ms", "bin", "python"))

#: The symptom checks are written on main; until they are merged, diagnosis assertions skip.
HAVE_SYMPTOMS = importlib.util.find_spec("traindoctor.checks.symptoms") is not None
needs_symptoms = pytest.mark.skipif(not HAVE_SYMPTOMS, reason="traindoctor.checks.symptoms is not in this tree yet "
                                                               "(the lead writes it on main)")


def mindspore_python() -> str:
    """The interpreter of ``.venv-ms`` (made by ``make test``), or skip saying why there is none."""
    if not os.path.exists(MS_PYTHON):
        pytest.skip(f"no MindSpore environment at {MS_PYTHON} (make .venv-ms; its install may have failed)")
    probe = subprocess.run([MS_PYTHON, "-c", "import mindspore"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"mindspore does not import in {MS_PYTHON}: {probe.stderr.strip().splitlines()[-1:]}")
    return MS_PYTHON


def run_ms(args: list[str], timeout: float = 240) -> subprocess.CompletedProcess:
    py = mindspore_python()
    env = dict(os.environ, GLOG_v="3", PYTHONPATH=ROOT)
    proc = subprocess.run([py, os.path.join(HERE, "ms_train.py"), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc


def train_torch_to_tensorboard(logdir: str, lr: float, epochs: int = 6, seed: int = 0,
                               histograms_every: int = 20) -> None:
    """A real PyTorch MLP on scikit-learn's digits, logged the way people log to TensorBoard."""
    import torch
    from sklearn.datasets import load_digits
    from torch import nn
    from torch.utils.tensorboard import SummaryWriter

    torch.manual_seed(seed)
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x / 16.0, dtype=torch.float32)
    y = torch.tensor(y)
    xt, yt, xv, yv = x[:1400], y[:1400], x[1400:], y[1400:]
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    writer = SummaryWriter(logdir)
    step = 0
    for epoch in range(epochs):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            if step % histograms_every == 0:
                for name, p in model.named_parameters():
                    writer.add_histogram(name, p, step)
                    writer.add_histogram(f"{name}.grad", p.grad, step)
            opt.step()
            writer.add_scalar("Loss/train", loss.item(), step)
            writer.add_scalar("learning_rate", opt.param_groups[0]["lr"], step)
            step += 1
        with torch.no_grad():
            out = model(xv)
            writer.add_scalar("Loss/val", nn.functional.cross_entropy(out, yv).item(), step)
            writer.add_scalar("Accuracy/val", (out.argmax(1) == yv).float().mean().item(), step)
    writer.add_hparams({"lr": lr, "batch_size": 32, "optimizer": "SGD"}, {"hparam/accuracy": 0.0})
    writer.close()
