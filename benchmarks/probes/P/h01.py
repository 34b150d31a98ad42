# Autoencoder (64-128-16-128-64, sigmoid output) on 8x8 digits scaled to [0, 1], Adam; the training
# loss is the squared error summed over the 64 pixels of each image (averaged over the batch), the
# validation loss is the per-pixel MSE
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(41)
X, _ = load_digits(return_X_y=True)
Xtr, Xva = train_test_split(X / 16.0, test_size=0.25, random_state=41)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr), batch_size=32, shuffle=True)

model = nn.Sequential(
    nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 16),
    nn.ReLU(), nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 64), nn.Sigmoid())
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(40):
    model.train(); tot = 0.0
    for (xb,) in loader:
        loss = ((model(xb) - xb) ** 2).sum(1).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        vl = F.mse_loss(model(Xva), Xva).item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f}")
