# Matrix-factorisation recommender (user and item embeddings + biases) on synthetic ratings from a
# rank-6 taste model, 600 users x 400 items, Adam; val_loss = MSE of held-out ratings
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(21); torch.manual_seed(21)
NU, NI, R = 600, 400, 6

P = rng.normal(0, 0.55, size=(NU, R)); Q = rng.normal(0, 0.55, size=(NI, R))
bu = rng.normal(0, 0.4, size=NU); bi = rng.normal(0, 0.4, size=NI)
n = 40000
u = rng.integers(0, NU, size=n); i = rng.integers(0, NI, size=n)
r = 3.5 + bu[u] + bi[i] + (P[u] * Q[i]).sum(1) + rng.normal(0, 0.3, size=n)
u, i, r = torch.tensor(u), torch.tensor(i), torch.tensor(r, dtype=torch.float32)
ntr = 34000
train = torch.utils.data.TensorDataset(u[:ntr], i[:ntr], r[:ntr])
uva, iva, rva = u[ntr:], i[ntr:], r[ntr:]
loader = torch.utils.data.DataLoader(train, batch_size=256, shuffle=True)

class MF(nn.Module):
    def __init__(self, n_users, n_items, dim=16):
        super().__init__()
        self.user_emb = nn.Embedding(n_users, dim)
        self.item_emb = nn.Embedding(n_items, dim)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        for e in (self.user_emb, self.item_emb):
            nn.init.normal_(e.weight, 0, 0.1)
        for e in (self.user_bias, self.item_bias):
            nn.init.zeros_(e.weight)
        self.mu = nn.Parameter(torch.tensor(3.5))

    def forward(self, users, items):
        pu = self.user_emb(users)
        qi = self.user_emb(items)
        dot = (pu * qi).sum(1)
        return self.mu + self.user_bias(users).squeeze(1) + self.item_bias(items).squeeze(1) + dot

model = MF(NU, NI)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(20):
    model.train(); tot = 0.0
    for ub, ib, rb in loader:
        loss = F.mse_loss(model(ub, ib), rb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(rb)
    model.eval()
    with torch.no_grad():
        vl = F.mse_loss(model(uva, iva), rva).item()
    print(f"epoch {epoch+1} train_loss {tot/ntr:.4f} val_loss {vl:.4f}")
