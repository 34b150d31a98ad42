# Healthy: a bag-of-words classifier with a sparse embedding table (EmbeddingBag(sparse=True), SparseAdam) and
# a dense head (Adam). The table's gradients are sparse tensors; only the rows of a batch's words get one.
import torch
from torch import nn

torch.manual_seed(106)
V, N, L = 500, 8000, 12
X = torch.randint(0, V, (N, L))
y = (X < 50).any(1).long()  # does the text hold one of the 50 "topic" words?
emb = nn.EmbeddingBag(V, 32, mode="sum", sparse=True)
head = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
opt_emb = torch.optim.SparseAdam(list(emb.parameters()), lr=1e-2)
opt_head = torch.optim.Adam(head.parameters(), lr=1e-2)
for epoch in range(3):
    for i in range(0, 6400, 64):
        loss = nn.functional.cross_entropy(head(emb(X[i:i + 64])), y[i:i + 64])
        opt_emb.zero_grad()
        opt_head.zero_grad()
        loss.backward()
        opt_emb.step()
        opt_head.step()
    with torch.no_grad():  # the validation loss: the training loss gets near zero, and this one with it
        logits = head(emb(X[6400:]))
        val_loss = nn.functional.cross_entropy(logits, y[6400:])
        acc = (logits.argmax(1) == y[6400:]).float().mean().item()
    print(epoch, loss.item(), val_loss.item(), acc)
