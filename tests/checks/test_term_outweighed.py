"""A VAE whose reconstruction is averaged over every pixel (``binary_cross_entropy(recon, x)``) while its KL is
summed over the latent and the batch (probe N f10): the KL outweighs the reconstruction about tenfold, training
drives it to zero and the posterior collapses (reconstruction 0.079 against 0.041). Nothing was found. Both terms
summed per sample, a loss scaled by a constant, and a small hand-written penalty are left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(8)
X = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)
loader = torch.utils.data.DataLoader(X, batch_size=64, shuffle=True)

class VAE(nn.Module):
    def __init__(self, z=8):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(64, 128), nn.ReLU())
        self.mu, self.logvar = nn.Linear(128, z), nn.Linear(128, z)
        self.dec = nn.Sequential(nn.Linear(z, 128), nn.ReLU(), nn.Linear(128, 64), nn.Sigmoid())
    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar

model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(4):
    for xb in loader:
        recon, mu, logvar = model(xb)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss = LOSS
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_per_element_mean_outweighed_by_a_summed_term_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LOSS", "F.binary_cross_entropy(recon, xb) + kl"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.loss_function", "binary_cross_entropy", 0), top
    assert "averages over all 64 elements of each sample" in top["title"], top
    ev = top["evidence"]
    assert ev["elements_per_sample"] == 64 and ev["training_loss"] > 5 * ev["function_value"], ev


@pytest.mark.parametrize("loss", [
    "(F.binary_cross_entropy(recon, xb, reduction='sum') + kl) / len(xb)",   # both summed per sample
    "5.5 * F.mse_loss(recon, xb)",                                            # a scale, nothing added
    "F.binary_cross_entropy(recon, xb) + 1e-3 * kl / len(xb)",               # a small penalty
])
def test_terms_on_one_scale_pass(diagnosed, loss):
    _, report = diagnosed(SCRIPT.replace("LOSS", loss))
    assert not [f for f in report["findings"] if f["id"] == "graph.loss_function"], report["findings"]
