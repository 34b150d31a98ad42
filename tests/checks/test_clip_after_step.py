"""clip_grad_norm_ called after optimizer.step(): it clips gradients the step already used, so an RNN under SGD at
lr 0.2 blows up as if there were no clipping (probe H f14). The report blamed the learning rate, and also said,
as an error, that the clipping 'shrinks the gradients 489x' so that the loss 'did not fall (-5.8e37 %)': raise
max_norm, the opposite of the fix."""

SCRIPT = """
import numpy as np, torch, torch.nn as nn
torch.manual_seed(0); rng = np.random.default_rng(0)
T = 40
f = rng.uniform(0.02, 0.08, (1500, 1)); ph = rng.uniform(0, 6.28, (1500, 1))
s = np.sin(2 * np.pi * f * np.arange(T + 1)[None] + ph) * rng.uniform(0.5, 2.0, (1500, 1))
X, y = torch.tensor(s[:, :T, None], dtype=torch.float32), torch.tensor(s[:, T], dtype=torch.float32)

class RNNReg(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(1, 64, batch_first=True)
        self.fc = nn.Linear(64, 1)
    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1]).squeeze(-1)

model = RNNReg()
opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
for epoch in range(3):
    for i in range(0, 1500, 32):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X[i:i + 32]), y[i:i + 32])
        loss.backward()
        STEP
    print(epoch, loss.item())
"""
AFTER = "opt.step(); torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)"
BEFORE = "torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25); opt.step()"


def test_a_clip_after_the_step_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("STEP", AFTER))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["severity"]) == ("graph.optimizer", "clip_grad_norm_", "error"), top
    assert top["title"].startswith("clip_grad_norm_ is called after optimizer.step()"), top["title"]
    assert "hparam.lr_too_small" not in [f["id"] for f in report["findings"]]


def test_a_clip_before_the_step_is_not_blamed(diagnosed):
    _, report = diagnosed(SCRIPT.replace("STEP", BEFORE))
    assert not [f for f in report["findings"] if f["id"] == "graph.optimizer"], report["findings"]
