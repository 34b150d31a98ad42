# Unsupervised domain adaptation (DANN): a feature extractor MLP 24-128-64, a label head trained on the labelled
# source domain, and a domain discriminator behind a gradient-reversal layer (its weight ramped 0 -> 1) fed
# source and unlabelled target batches, zipped from two loaders; the target domain is the source's table
# rotated in 6 of its informative directions, rescaled and shifted; Adam; val_acc on held-out target samples
import math, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_classification
torch.manual_seed(53); rng = np.random.default_rng(53)
X, y = make_classification(n_samples=16000, n_features=24, n_informative=10, n_redundant=4, n_classes=3,
                           n_clusters_per_class=2, class_sep=1.4, shuffle=False, random_state=53)
perm = rng.permutation(len(X)); X, y = X[perm], y[perm]
Xs, ys, Xt, yt = X[:8000], y[:8000], X[8000:], y[8000:]
Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
R = np.eye(24); R[:6, :6] = 0.7 * np.eye(6) + 0.3 * Q
Xt = Xt @ R * 1.2 + 0.6
mu, sd = np.vstack([Xs, Xt]).mean(0), np.vstack([Xs, Xt]).std(0)
t = lambda a: torch.tensor((a - mu) / sd, dtype=torch.float32)
Xs, Xt_tr, Xt_va = t(Xs), t(Xt[:6000]), t(Xt[6000:])
ys, yt_va = torch.tensor(ys), torch.tensor(yt[6000:])
src_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xs, ys), batch_size=128, shuffle=True, drop_last=True)
tgt_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xt_tr), batch_size=128, shuffle=True, drop_last=True)

class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)
    @staticmethod
    def backward(ctx, g):
        return -ctx.lam * g, None

features = nn.Sequential(nn.Linear(24, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
label_head = nn.Linear(64, 3)
domain_head = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
params = list(features.parameters()) + list(label_head.parameters()) + list(domain_head.parameters())
opt = torch.optim.Adam(params, lr=1e-3)
EPOCHS = 50
total_steps = EPOCHS * min(len(src_loader), len(tgt_loader)); step = 0
for epoch in range(EPOCHS):
    tot_c = tot_d = 0.0; n = 0
    for (xs, yb), (xt,) in zip(src_loader, tgt_loader):
        lam = 2.0 / (1.0 + math.exp(-10 * step / total_steps)) - 1.0; step += 1
        fs, ft = features(xs), features(xt)
        cls_loss = F.cross_entropy(label_head(fs), yb)
        dom_logits = domain_head(GradReverse.apply(torch.cat([fs, ft]), lam)).squeeze(1)
        dom_target = torch.cat([torch.zeros(len(xs)), torch.ones(len(xt))])
        dom_loss = F.binary_cross_entropy_with_logits(dom_logits, dom_target)
        loss = cls_loss + dom_loss
        opt.zero_grad(); loss.backward(); opt.step()
        tot_c += cls_loss.item(); tot_d += dom_loss.item(); n += 1
    with torch.no_grad():
        out = label_head(features(Xt_va))
        vloss = F.cross_entropy(out, yt_va).item(); acc = (out.argmax(1) == yt_va).float().mean().item()
    print(f"epoch {epoch+1} lambda {lam:.2f} train_loss {tot_c/n:.4f} domain_loss {tot_d/n:.4f} val_loss {vloss:.4f} val_acc {acc:.3f}")
