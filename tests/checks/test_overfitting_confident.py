"""A validation loss that rises 27% while the validation accuracy holds (0.979 to 0.972: one sample of 143):
the model grows confident on a few samples, it does not overfit. fit.overfitting warned on the loss alone."""
from __future__ import annotations

SCRIPT = """
# breast cancer classifier using a hand-written autograd.Function (swish with analytic backward)
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

class SwishFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        s = torch.sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s
    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * (s + x * s * (1 - s))

class Swish(nn.Module):
    def forward(self, x):
        return SwishFn.apply(x)

torch.manual_seed(7)
X, y = load_breast_cancer(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=7, stratify=y)
sc = StandardScaler().fit(Xtr)
Xtr, Xva = (torch.tensor(sc.transform(a), dtype=torch.float32) for a in (Xtr, Xva))
ytr, yva = (torch.tensor(a, dtype=torch.float32) for a in (ytr, yva))
model = nn.Sequential(nn.Linear(30, 32), Swish(), nn.Linear(32, 16), Swish(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
crit = nn.BCEWithLogitsLoss()
loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)
for epoch in range(15):
    model.train()
    for xb, yb in loader:
        loss = crit(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    if epoch % 3 == 2:
        model.eval()
        with torch.no_grad():
            vo = model(Xva).squeeze(1)
            vl = crit(vo, yva).item()
            va = ((vo > 0).float() == yva).float().mean().item()
            ta = ((model(Xtr).squeeze(1) > 0).float() == ytr).float().mean().item()
        print(f"epoch {epoch} train_acc {ta:.3f} val_loss {vl:.3f} val_acc {va:.3f}")
"""


def test_a_rising_validation_loss_with_the_accuracy_held_is_no_overfitting(diagnosed):
    _, report = diagnosed(SCRIPT)
    assert "fit.overfitting" not in [f["id"] for f in report["findings"]], report["findings"]
    overfit = {c["id"]: c for c in report["checklist"]}["fit.overfitting"]
    assert overfit["status"] == "pass"
