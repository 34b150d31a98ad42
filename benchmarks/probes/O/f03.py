# Autoencoder (64-48-12-48-64) on 8x8 digits, val_loss = reconstruction MSE on held-out images
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(3)
X, y = load_digits(return_X_y=True)
X = X / 16.0
Xtr, Xva = train_test_split(X, test_size=0.2, random_state=3)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr), batch_size=32, shuffle=True)

def mlp(sizes, p=0.2):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:          # no activation after the last layer
            layers.append(nn.ReLU())
        layers.append(nn.Dropout(p))
    return nn.Sequential(*layers)

class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = mlp([64, 48, 12])
        self.decoder = mlp([12, 48, 64])
    def forward(self, x):
        return self.decoder(self.encoder(x))

model = AE()
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
for epoch in range(30):
    model.train(); tot = 0.0
    for (xb,) in loader:
        loss = F.mse_loss(model(xb), xb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        vl = F.mse_loss(model(Xva), Xva).item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f}")
