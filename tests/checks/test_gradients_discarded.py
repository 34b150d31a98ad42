"""optimizer.step() outside the batch loop, zero_grad() and backward() inside it (probe J f12): 26 of every 27
batches' gradients are cleared before any step uses them, and the run makes one update per epoch. graph.optimizer
passed ('gradients are zeroed between steps') and nothing else was found."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:800], y[:800]), batch_size=32, shuffle=True)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(12):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        STEP_IN
    STEP_OUT
"""

GAN = """
import torch, torch.nn as nn
torch.manual_seed(0)
G = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
D = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
og, od = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
bce = nn.BCEWithLogitsLoss()
for step in range(200):
    real = torch.randn(64, 2) * 0.5 + 2.0
    fake = G(torch.randn(64, 4))
    od.zero_grad()
    d_loss = bce(D(real), torch.ones(64, 1)) + bce(D(fake.detach()), torch.zeros(64, 1))
    d_loss.backward(); od.step()
    og.zero_grad()
    g_loss = bce(D(fake), torch.ones(64, 1))  # also fills D's gradients, which od.zero_grad() clears
    g_loss.backward(); og.step()
"""


def test_step_outside_the_batch_loop_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("STEP_IN", "pass").replace("STEP_OUT", "opt.step()"))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("graph.optimizer", "SGD.step"), top
    assert "throws away the gradients of 9" in top["title"] and "(12 updates in all)" in top["title"], top


def test_a_step_per_batch_and_a_gan_pass(diagnosed):
    for body in (SCRIPT.replace("STEP_IN", "opt.step()").replace("STEP_OUT", "pass"), GAN):
        _, report = diagnosed(body)
        assert not [f for f in report["findings"] if f["id"] == "graph.optimizer"], report["findings"]
