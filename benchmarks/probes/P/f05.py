# Small CNN (two 3x3 conv layers, max-pool) on 8x8 digits, SGD momentum 0.9, cosine learning-rate
# schedule written as a function of the epoch and applied with LambdaLR
import math
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(25)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.25, random_state=25, stratify=y)
Xtr = torch.tensor(Xtr, dtype=torch.float32).view(-1, 1, 8, 8)
Xva = torch.tensor(Xva, dtype=torch.float32).view(-1, 1, 8, 8)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))

LR, EPOCHS = 0.02, 15
def lr_at(epoch):
    return 0.5 * LR * (1 + math.cos(math.pi * epoch / EPOCHS))

opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=lr_at)
for epoch in range(EPOCHS):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    sched.step()
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
