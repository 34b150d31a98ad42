# Variational autoencoder on 8x8 digits (pixels in [0, 1]), 8-d latent
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(8)
X, _ = load_digits(return_X_y=True)
Xtr, Xva = train_test_split(X / 16.0, test_size=0.25, random_state=8)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(Xtr, batch_size=64, shuffle=True)

class VAE(nn.Module):
    def __init__(self, z=8):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(64, 128), nn.ReLU())
        self.mu = nn.Linear(128, z)
        self.logvar = nn.Linear(128, z)
        self.dec = nn.Sequential(nn.Linear(z, 128), nn.ReLU(), nn.Linear(128, 64), nn.Sigmoid())
    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar

def vae_loss(recon, x, mu, logvar):
    rec = F.binary_cross_entropy(recon, x)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return rec + kl

model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(20):
    model.train(); tot = 0.0
    for xb in loader:
        recon, mu, logvar = model(xb)
        loss = vae_loss(recon, xb, mu, logvar)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        recon, mu, logvar = model(Xva)
        vl = F.mse_loss(model.dec(mu), Xva).item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f}")
