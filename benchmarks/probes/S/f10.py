# Variational autoencoder on 8x8 digits (pixels scaled to [0, 1]): encoder 64-256-128 -> (mu, logvar) of a
# 10-d latent, decoder 10-128-256-64 with a sigmoid output, reconstruction BCE summed over pixels plus the KL
# divergence to N(0, I), both per sample and averaged over the batch, Adam; val_loss = per-pixel MSE of the
# reconstruction from the posterior mean
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(41); np.random.seed(41)
X, y = load_digits(return_X_y=True)
Xtr, Xva = train_test_split(X / 16.0, test_size=0.2, random_state=41, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr), batch_size=64, shuffle=True)
Z = 10

class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU())
        self.mu, self.logvar = nn.Linear(128, Z), nn.Linear(128, Z)
        self.dec = nn.Sequential(nn.Linear(Z, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 64))
    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return torch.sigmoid(self.dec(z)), mu, logvar

def vae_loss(recon, x, mu, logvar):
    rec = F.binary_cross_entropy(recon, x, reduction="none").sum(1)
    kld = 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    return (rec + kld).mean(), rec.mean(), kld.mean()

model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(200):
    model.train(); tot = tot_kl = 0.0
    for (xb,) in loader:
        recon, mu, logvar = model(xb)
        loss, rec, kld = vae_loss(recon, xb, mu, logvar)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb); tot_kl += kld.item() * len(xb)
    model.eval()
    with torch.no_grad():
        recon, _, _ = model(Xva)
        vloss = F.mse_loss(recon, Xva).item()
    if (epoch + 1) % 5 == 0:
        print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} kl {tot_kl/len(Xtr):.3f} val_loss {vloss:.4f}")
