# Tabular regression with an entity embedding: daily sales of 40 stores (store id as a categorical column,
# 6 numeric columns: temperature, price, promotion depth, holiday flag, competitor distance, day of year),
# synthetic; MinMax-scaled numeric inputs, Embedding(40, 8) + MLP 14-128-64-1, Adam, MSE on the
# standardised target; val_loss = MSE on the standardised target
import numpy as np, torch, torch.nn as nn
from sklearn.preprocessing import MinMaxScaler
torch.manual_seed(21); rng = np.random.default_rng(21)
N, S = 24000, 40
store = rng.integers(0, S, size=N)
temp = rng.normal(18, 8, size=N); price = rng.uniform(2, 9, size=N); promo = rng.uniform(0, 0.4, size=N) * (rng.random(N) < 0.3)
holiday = (rng.random(N) < 0.05).astype(float); dist = rng.exponential(3.0, size=N); doy = rng.integers(1, 366, size=N)
store_level = rng.normal(0, 1.0, size=S); store_price_sens = rng.uniform(0.2, 1.2, size=S)
sales = (store_level[store] * 3.0 - store_price_sens[store] * (price - 5) * 0.8 + 6 * promo + 1.5 * holiday
         + 0.8 * np.sin(2 * np.pi * doy / 365) + 0.05 * (temp - 18) - 0.3 * np.log1p(dist) + rng.normal(0, 0.6, size=N))
X = np.column_stack([store, temp, price, promo, holiday, dist, doy]).astype(np.float64)
perm = rng.permutation(N); tr, va = perm[:20000], perm[20000:]
sc = MinMaxScaler().fit(X[tr])
y_mu, y_sd = sales[tr].mean(), sales[tr].std()

def to_tensors(idx):
    raw, scaled = X[idx], sc.transform(X[idx])
    ids = torch.tensor(scaled[:, 0], dtype=torch.long)
    num = torch.tensor(scaled[:, 1:], dtype=torch.float32)
    target = torch.tensor((sales[idx] - y_mu) / y_sd, dtype=torch.float32)
    return ids, num, target

tr_ids, tr_num, tr_y = to_tensors(tr)
va_ids, va_num, va_y = to_tensors(va)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tr_ids, tr_num, tr_y), batch_size=128, shuffle=True)

class SalesNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.store = nn.Embedding(S, 8)
        self.mlp = nn.Sequential(nn.Linear(8 + 6, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))
    def forward(self, ids, num):
        return self.mlp(torch.cat([self.store(ids), num], dim=1)).squeeze(1)

model = SalesNet()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
crit = nn.MSELoss()
for epoch in range(35):
    model.train(); tot = 0.0
    for ids, num, yb in loader:
        loss = crit(model(ids, num), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(yb)
    model.eval()
    with torch.no_grad():
        vloss = crit(model(va_ids, va_num), va_y).item()
    print(f"epoch {epoch+1} train_loss {tot/len(tr_y):.4f} val_loss {vloss:.4f}")
