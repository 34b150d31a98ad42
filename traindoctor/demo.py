"""``traindoctor demo``: a real training run on scikit-learn's digits with a planted fault, diagnosed end to end."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile

FAULTS = {
    "lr_too_large": "SGD with a learning rate of 3.0 (a good one is about 0.05): the loss swings and diverges",
    "lr_too_small": "SGD with a learning rate of 1e-5: the loss hardly moves",
    "dead_relu": "the hidden layer's bias starts at -5: its ReLU units never activate",
    "saturated": "unscaled inputs (0..16) into a sigmoid hidden layer with large weights",
    "frozen": "the optimizer is given only the output layer: the hidden layer never trains",
    "overfit": "100 training images, a wide network and many epochs",
    "none": "a healthy run, for comparison",
}

SCRIPT = r'''
import sys
import torch
from rich.progress import Progress
from sklearn.datasets import load_digits
from torch import nn

fault = sys.argv[1]
epochs = int(sys.argv[2])
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X, dtype=torch.float32)
y = torch.tensor(y)
if fault != "saturated":
    X = X / 16.0
perm = torch.randperm(len(X))
X, y = X[perm], y[perm]
n_train = 100 if fault == "overfit" else 1400
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:n_train], y[:n_train]),
                                           batch_size=32, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[1400:], y[1400:]), batch_size=128)
hidden = 512 if fault == "overfit" else 128
act = nn.Sigmoid() if fault == "saturated" else nn.ReLU()
model = nn.Sequential(nn.Linear(64, hidden), act, nn.Linear(hidden, 10))
if fault == "dead_relu":
    nn.init.constant_(model[0].bias, -5.0)
if fault == "saturated":
    nn.init.normal_(model[0].weight, std=0.5)
lr = {"lr_too_large": 3.0, "lr_too_small": 1e-5}.get(fault, 0.05)
params = model[2].parameters() if fault == "frozen" else model.parameters()
opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
if fault == "overfit":
    epochs *= 10
with Progress(transient=False) as progress:
    task = progress.add_task(f"training ({fault})", total=epochs * len(train_loader))
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            progress.update(task, advance=1, description=f"epoch {epoch + 1}/{epochs} loss {loss.item():.3f}")
        model.eval()
        with torch.no_grad():
            correct = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader)
            val_loss = sum(nn.functional.cross_entropy(model(xb), yb, reduction="sum").item() for xb, yb in val_loader)
        progress.console.print(f"epoch {epoch + 1}: val_acc {correct / len(val_loader.dataset):.3f} "
                               f"val_loss {val_loss / len(val_loader.dataset):.3f}")
'''


def run_demo(fault: str, logdir: str, epochs: int = 4) -> int:
    from rich.console import Console

    from .collect.autorun import run_script
    from .collect.torch import CollectOptions
    from .report import diagnose
    from .report.render import render_html, render_text

    console = Console()
    console.print(f"[bold]traindoctor demo[/bold]: training an MLP on scikit-learn's digits with a planted fault: "
                  f"[yellow]{fault}[/yellow] ({FAULTS[fault]})")
    name = f"demo-{fault}"
    run_dir = os.path.join(logdir, name)
    if os.path.isdir(run_dir):
        shutil.rmtree(run_dir)
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "train_digits.py")
        with open(script, "w") as fh:
            fh.write(SCRIPT)
        code, status = run_script(script, [fault, str(epochs)], run_dir, name,
                                  CollectOptions(target={"val_acc": 0.95}))
    report = diagnose(run_dir)
    console.rule("diagnosis")
    render_text(report, console=console, top=4, checklist=False)
    html_path = os.path.join(run_dir, "report.html")
    with open(html_path, "w") as fh:
        fh.write(render_html(report))
    console.print(f"\nHTML report with plots: [bold]{html_path}[/bold]")
    console.print(f"Full checklist: [bold]{os.path.basename(sys.argv[0]) or 'traindoctor'} doctor {run_dir}[/bold]")
    return code
