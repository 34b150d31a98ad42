"""A Dropout after the output layer (probe O f03: ``layers.append(nn.Dropout(p))`` one indent too far out in an
``mlp()`` helper): the squared error in training is least at (1-p) times the target and the evaluated
reconstruction is shrunk (0.039 against 0.020); nothing was found. Dropout between hidden layers, and a residual
output that a Dropout adds into, are left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(3)
X = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)

def mlp(sizes, p=0.2):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
            INNER
        OUTER
    return nn.Sequential(*layers)

class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.net, self.drop = mlp([64, 48, 64]), nn.Dropout(0.2)
    def forward(self, x):
        return x + self.drop(self.net(x))

model = MODEL
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(3):
    for i in range(0, len(X), 32):
        loss = F.mse_loss(model(X[i:i + 32]), X[i:i + 32])
        opt.zero_grad(); loss.backward(); opt.step()
"""
DROP = "layers.append(nn.Dropout(p))"


def test_dropout_after_the_output_layer_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("INNER", "pass").replace("OUTER", DROP)
                          .replace("MODEL", "mlp([64, 48, 12, 48, 64])"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.wrong_operator", "10", 0), top
    assert "is a Dropout(p=0.2)" in top["title"] and "least at 0.8x the targets" in top["title"], top


@pytest.mark.parametrize("model", ["mlp([64, 48, 12, 48, 64])", "Residual()"])
def test_hidden_dropout_or_a_residual_output_passes(diagnosed, model):
    # (in Residual the Dropout is the last module to run, but the output is x plus what it drops)
    _, report = diagnosed(SCRIPT.replace("INNER", DROP).replace("OUTER", "pass").replace("MODEL", model))
    assert "graph.wrong_operator" not in [f["id"] for f in report["findings"]], report["findings"]
