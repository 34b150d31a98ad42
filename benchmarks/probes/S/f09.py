# Sequence-to-sequence transformer (nn.Transformer, 2+2 layers, d=64, 4 heads, batch_first, learned positions)
# that learns to sort 12 random digits, trained with teacher forcing (decoder input = BOS + target shifted
# right), AdamW with warm-up; val_acc = per-token accuracy of greedy decoding on held-out sequences
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(37); rng = np.random.default_rng(37)
L, V, D, BOS = 12, 10, 64, 10

def make(n):
    src = torch.tensor(rng.integers(0, V, size=(n, L)))
    return src, src.sort(dim=1).values

Str, Ttr = make(14000)
Sva, Tva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Str, Ttr), batch_size=128, shuffle=True)

class Sorter(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(V, D), nn.Embedding(V + 1, D)
        self.src_pos, self.tgt_pos = nn.Embedding(L, D), nn.Embedding(L, D)
        self.tr = nn.Transformer(D, 4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=128,
                                 dropout=0.0, batch_first=True)
        self.out = nn.Linear(D, V)
    def forward(self, src, tgt_in):
        ps, pt = torch.arange(src.size(1)), torch.arange(tgt_in.size(1))
        mask = nn.Transformer.generate_square_subsequent_mask(tgt_in.size(1))
        h = self.tr(self.src_emb(src) + self.src_pos(ps), self.tgt_emb(tgt_in) + self.tgt_pos(pt))
        return self.out(h)

@torch.no_grad()
def greedy(model, src):
    seq = torch.full((len(src), 1), BOS)
    for _ in range(L):
        nxt = model(src, seq)[:, -1].argmax(-1, keepdim=True)
        seq = torch.cat([seq, nxt], dim=1)
    return seq[:, 1:]

model = Sorter()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 200))
for epoch in range(6):
    model.train(); tot = 0.0
    for src, tgt in loader:
        tgt_in = torch.cat([torch.full((len(tgt), 1), BOS), tgt[:, :-1]], dim=1)
        loss = F.cross_entropy(model(src, tgt_in).reshape(-1, V), tgt.reshape(-1))
        opt.zero_grad(); loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); sched.step()
        tot += loss.item() * len(src)
    model.eval()
    pred = greedy(model, Sva)
    acc = (pred == Tva).float().mean().item(); exact = (pred == Tva).all(1).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Str):.4f} val_acc {acc:.3f} exact_match {exact:.3f}")
