"""A recurrent cell unrolled by hand whose state is detached at every step (probe P f08: ``h = self.cell(x[:, t],
h.detach())``): no gradient through time, 0.24 against 1.00; a loss at a constant answer's led. The undetached
state, and a truncation every 5 steps, are left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
N, T, C, H = 1024, 12, 4, 24
x = torch.randn(N, T, C) * 0.3
y = torch.randint(0, C, (N,))
x[torch.arange(N), 1, y] += 2.0                       # the class pulses early
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell, self.fc = nn.GRUCell(C, H), nn.Linear(H, C)
    def forward(self, x):
        h = x.new_zeros(x.size(0), H)
        for t in range(x.size(1)):
            STEP
        return self.fc(h)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, N, 64):
        loss = F.cross_entropy(model(x[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_state_detached_every_step_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("STEP", "h = self.cell(x[:, t], h.detach())"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.node_connection", "cell", 0), top
    assert top["evidence"]["calls"] == 12 and top["evidence"]["detached_links"] == 11, top


@pytest.mark.parametrize("step", ["h = self.cell(x[:, t], h)",
                                  "h = self.cell(x[:, t], h.detach() if t % 5 == 0 else h)"])
def test_state_kept_or_truncated_now_and_then_passes(diagnosed, step):
    _, report = diagnosed(SCRIPT.replace("STEP", step))
    assert "graph.node_connection" not in [f["id"] for f in report["findings"]], report["findings"]
