# Small CNN (2 conv layers with max-pooling, 128-unit hidden layer, dropout) on 8x8 digits, SGD with Nesterov
# momentum; the split is shuffled once by train_test_split and the training loop slices its mini-batches by hand
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(13); np.random.seed(13)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.25, random_state=13, stratify=y)
Xtr = torch.tensor(Xtr, dtype=torch.float32).view(-1, 1, 8, 8); Xva = torch.tensor(Xva, dtype=torch.float32).view(-1, 1, 8, 8)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
N, B = len(ytr), 32

class DigitCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 2 * 2, 128)
        self.fc2 = nn.Linear(128, 10)
        self.drop = nn.Dropout(0.3)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(self.drop(F.relu(self.fc1(x.flatten(1)))))

model = DigitCNN()
opt = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9, nesterov=True)
for epoch in range(60):
    model.train(); tot = 0.0
    steps = 0
    for i in range(N // B):
        xb, yb = Xtr[i:i + B], ytr[i:i + B]
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item(); steps += 1
    model.eval()
    with torch.no_grad():
        out = model(Xva)
        vloss = F.cross_entropy(out, yva).item(); acc = (out.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/steps:.4f} val_loss {vloss:.4f} val_acc {acc:.3f}")
