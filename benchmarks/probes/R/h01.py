# Ensemble of two different models on 8x8 digits, trained side by side on the same batches, each with
# its own optimizer (an MLP with Adam, a small CNN with SGD momentum); the evaluation averages the two
# models' softmax probabilities (each model's own accuracy is printed too)
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(101)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.25, random_state=101, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

mlp = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
cnn = nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 16, 10))
opt_mlp = torch.optim.Adam(mlp.parameters(), lr=1e-3)
opt_cnn = torch.optim.SGD(cnn.parameters(), lr=0.03, momentum=0.9)
for epoch in range(15):
    mlp.train(); cnn.train(); tot = 0.0
    for xb, yb in loader:
        loss_mlp = F.cross_entropy(mlp(xb), yb)
        opt_mlp.zero_grad(); loss_mlp.backward(); opt_mlp.step()
        loss_cnn = F.cross_entropy(cnn(xb), yb)
        opt_cnn.zero_grad(); loss_cnn.backward(); opt_cnn.step()
        tot += (loss_mlp.item() + loss_cnn.item()) / 2 * len(xb)
    mlp.eval(); cnn.eval()
    with torch.no_grad():
        p_mlp, p_cnn = F.softmax(mlp(Xva), 1), F.softmax(cnn(Xva), 1)
        p = (p_mlp + p_cnn) / 2
        vl = F.nll_loss(torch.log(p + 1e-9), yva).item()
        acc = (p.argmax(1) == yva).float().mean().item()
        acc_m, acc_c = [(q.argmax(1) == yva).float().mean().item() for q in (p_mlp, p_cnn)]
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} mlp_acc {acc_m:.3f} cnn_acc {acc_c:.3f} val_loss {vl:.4f} val_acc {acc:.3f}")
