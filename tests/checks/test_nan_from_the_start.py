"""A model whose gradients are finite at the first step only (twelve residual blocks with Kaiming-initialised
branches and no scaling: NaN from the second step on). grad.exploding crashed on the all-NaN median ("the check
grad.exploding failed (ValueError: All-NaN slice encountered)"), and the recommended watchpoints' hits on every
module and parameter at once overflowed the writer's queue (3,700 records dropped, a warning in the report)."""
from __future__ import annotations

SCRIPT = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_regression

torch.manual_seed(118)
X, y = make_regression(n_samples=2000, n_features=16, n_informative=8, noise=5.0, random_state=118)
X = torch.tensor(X, dtype=torch.float32)
y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32).unsqueeze(1)
train_loader = DataLoader(TensorDataset(X[:1600], y[:1600]), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(X[1600:], y[1600:]), batch_size=400)


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc1 = nn.Linear(d, d)
        self.fc2 = nn.Linear(d, d)
        nn.init.kaiming_normal_(self.fc1.weight)
        nn.init.kaiming_normal_(self.fc2.weight)

    def forward(self, x):
        return x + self.fc2(torch.relu(self.fc1(x)))


class ResMLP(nn.Module):
    def __init__(self, d=64, n_blocks=12):
        super().__init__()
        self.inp = nn.Linear(16, d)
        self.blocks = nn.Sequential(*[Block(d) for _ in range(n_blocks)])
        self.out = nn.Linear(d, 1)

    def forward(self, x):
        return self.out(self.blocks(self.inp(x)))


model = ResMLP()
opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
for epoch in range(4):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            vloss = nn.functional.mse_loss(model(xb), yb)
"""


def test_gradients_nan_after_the_first_step_are_diagnosed_without_a_failed_check(run_script):
    from ..conftest import doctor_json

    proc, run_dir = run_script(SCRIPT)
    assert proc.returncode == 0, proc.stderr
    report = doctor_json(run_dir)
    warnings = report.get("warnings", [])
    assert not [w for w in warnings if "failed" in w or "dropped" in w], warnings
    checklist = {c["id"]: c for c in report["checklist"]}
    assert checklist["grad.exploding"]["status"] != "not_checked", checklist["grad.exploding"]
    assert report["findings"][0]["severity"] == "error"
