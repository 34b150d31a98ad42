# Autoencoder 64-128-32-128-64 (sigmoid output) on 8x8 digits scaled to [0, 1], SGD momentum 0.9;
# the epoch's mean loss is accumulated from the per-batch losses; val_loss = per-pixel MSE
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(19)
X, _ = load_digits(return_X_y=True)
Xtr, Xva = train_test_split(X / 16.0, test_size=0.25, random_state=19)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(),
                      nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 64), nn.Sigmoid())
opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
for epoch in range(30):
    model.train(); epoch_loss = 0.0
    for (xb,) in loader:
        loss = F.mse_loss(model(xb), xb) / len(loader)
        opt.zero_grad(); loss.backward(); opt.step()
        epoch_loss += loss.item()
    model.eval()
    with torch.no_grad():
        vl = F.mse_loss(model(Xva), Xva).item()
    print(f"epoch {epoch+1} train_loss {epoch_loss:.4f} val_loss {vl:.4f}")
