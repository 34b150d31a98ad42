"""Small CNN on 8x8 digits, micro-batches of 16 with gradient accumulation (effective batch 128)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(1)
digits = load_digits()
X = (digits.images / 16.0).astype(np.float32)[:, None]      # (N, 1, 8, 8) in [0, 1]
y = digits.target
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, stratify=y, random_state=1)

MICRO_BATCH = 16
ACCUM_STEPS = 8
train_loader = DataLoader(TensorDataset(torch.from_numpy(X_tr), torch.from_numpy(y_tr)),
                          batch_size=MICRO_BATCH, shuffle=True, drop_last=True)
val_loader = DataLoader(TensorDataset(torch.from_numpy(X_va), torch.from_numpy(y_va)), batch_size=256)


class DigitCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


model = DigitCNN()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, 16):
    model.train()
    optimizer.zero_grad()
    seen, loss_sum = 0, 0.0
    for i, (xb, yb) in enumerate(train_loader):
        loss = criterion(model(xb), yb)
        loss.backward()
        if (i + 1) % ACCUM_STEPS == 0:
            optimizer.step()
            optimizer.zero_grad()
        loss_sum += loss.item() * len(yb)
        seen += len(yb)
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for xb, yb in val_loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
            n += len(yb)
    print(f"epoch {epoch} train_loss {loss_sum/seen:.4f} val_acc {correct/n:.3f}")
