"""Matrix-factorisation recommender: user/item embeddings with biases on synthetic ratings."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

N_USERS, N_ITEMS, N_RATINGS, RANK = 600, 400, 40000, 4
U = np.random.randn(N_USERS, RANK) / np.sqrt(RANK) * 1.2
V = np.random.randn(N_ITEMS, RANK) / np.sqrt(RANK) * 1.2
bu_true = 0.4 * np.random.randn(N_USERS)
bi_true = 0.4 * np.random.randn(N_ITEMS)
users = np.random.randint(0, N_USERS, N_RATINGS)
items = np.random.randint(0, N_ITEMS, N_RATINGS)
ratings = 3.5 + bu_true[users] + bi_true[items] + (U[users] * V[items]).sum(1) + 0.3 * np.random.randn(N_RATINGS)

perm = np.random.permutation(N_RATINGS)
tr, va = perm[:32000], perm[32000:]
mean_rating = float(ratings[tr].mean())


def tensors(idx):
    return (torch.tensor(users[idx]), torch.tensor(items[idx]),
            torch.tensor(ratings[idx], dtype=torch.float32))


train_loader = DataLoader(TensorDataset(*tensors(tr)), batch_size=256, shuffle=True)
val_u, val_i, val_r = tensors(va)


class MF(nn.Module):
    def __init__(self, n_users, n_items, dim=16):
        super().__init__()
        self.user_emb = nn.Embedding(n_users, dim)
        self.item_emb = nn.Embedding(n_items, dim)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        for e in (self.user_emb, self.item_emb):
            nn.init.normal_(e.weight, std=0.1)
        for e in (self.user_bias, self.item_bias):
            nn.init.zeros_(e.weight)

    def forward(self, u, i):
        pu, qi = self.user_emb(u), self.item_emb(i)
        dot = (pu * qi).sum()
        return dot + self.user_bias(u).squeeze(1) + self.item_bias(i).squeeze(1) + mean_rating


model = MF(N_USERS, N_ITEMS)
opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=1e-6)
loss_fn = nn.MSELoss()

for epoch in range(1, 16):
    model.train()
    total = 0.0
    for u, i, r in train_loader:
        opt.zero_grad()
        loss = loss_fn(model(u, i), r)
        loss.backward()
        opt.step()
        total += loss.item() * len(r)
    model.eval()
    with torch.no_grad():
        val_loss = loss_fn(model(val_u, val_i), val_r).item()
    print(f"epoch {epoch} train_loss {total / len(tr):.4f} val_loss {val_loss:.4f}")
print(f"val_loss {val_loss:.4f}")
