# Regression on scikit-learn's diabetes table (442 patients, 10 features as shipped: mean-centred and scaled to
# unit norm per column, so each feature's std is about 0.05), small MLP 10-32-1 with weight decay, Adam;
# the model is trained on the log of the target, standardised, and its predictions are mapped back with exp
# for evaluation: val_loss = MSE in the target's own units (disease progression, 25..346), with R² beside it
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
torch.manual_seed(59); np.random.seed(59)
X, y = load_diabetes(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=59)
log_mu, log_sd = np.log(ytr).mean(), np.log(ytr).std()
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ztr = torch.tensor((np.log(ytr) - log_mu) / log_sd, dtype=torch.float32)
yva_raw = torch.tensor(yva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ztr), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
crit = nn.MSELoss()
for epoch in range(400):
    model.train(); tot = 0.0
    for xb, zb in loader:
        loss = crit(model(xb).squeeze(1), zb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(zb)
    if (epoch + 1) % 20 == 0:
        model.eval()
        with torch.no_grad():
            pred = torch.exp(model(Xva).squeeze(1) * log_sd + log_mu)
            mse = ((pred - yva_raw) ** 2).mean().item()
            r2 = 1 - mse / yva_raw.var(unbiased=False).item()
        print(f"epoch {epoch+1} train_loss {tot/len(ztr):.4f} val_loss {mse:.1f} r2 {r2:.3f}")
