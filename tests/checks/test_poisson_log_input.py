"""nn.PoissonNLLLoss() left at log_input=True on a model whose output is a Softplus rate (probe O f10): the loss
reads the output as log(rate), and the predictions, read as rates, are far too small (MSE 58 against 8.7);
loss.not_converging was all that was found. log_input=False (given by keyword or by position), or a raw output
read as a log-rate, is left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(10)
X = torch.randn(2048, 10)
y = torch.poisson(torch.exp(1.6 + X @ (0.35 * torch.randn(10))))
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1), LAST)
opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for epoch in range(3):
    for i in range(0, 2048, 64):
        loss = LOSS
        opt.zero_grad(); loss.backward(); opt.step()
"""
OUT = "model(X[i:i + 64]).squeeze(1)"


@pytest.mark.parametrize("loss", [f"nn.PoissonNLLLoss()({OUT}, y[i:i + 64])",
                                  f"F.poisson_nll_loss({OUT}, y[i:i + 64], True)"])
def test_log_input_on_a_softplus_rate_is_found(diagnosed, loss):
    _, report = diagnosed(SCRIPT.replace("LAST", "nn.Softplus()").replace("LOSS", loss))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.loss_function", "poisson_nll_loss", 0), top
    assert "never negative" in top["title"] and top["evidence"]["output_activation"].endswith("(Softplus)"), top


@pytest.mark.parametrize("last,loss", [
    ("nn.Softplus()", f"nn.PoissonNLLLoss(log_input=False)({OUT}, y[i:i + 64])"),
    ("nn.Softplus()", f"F.poisson_nll_loss({OUT}, y[i:i + 64], False)"),
    ("nn.Identity()", f"nn.PoissonNLLLoss()({OUT}, y[i:i + 64])"),
])
def test_rate_or_log_rate_used_as_such_passes(diagnosed, last, loss):
    _, report = diagnosed(SCRIPT.replace("LAST", last).replace("LOSS", loss))
    assert "graph.loss_function" not in [f["id"] for f in report["findings"]], report["findings"]
