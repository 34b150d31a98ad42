# Healthy: a GAN learning a 2-D Gaussian. Two models and two optimizers step in turn: the discriminator's
# last layer and the generator's first are in different networks (no depth profile across them).
import torch
from torch import nn

torch.manual_seed(105)
real = torch.randn(6400, 2) * 0.5 + torch.tensor([2.0, -1.0])
G = nn.Sequential(nn.Linear(8, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 2))
D = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
for epoch in range(2):
    for i in range(0, len(real), 64):
        x, z = real[i:i + 64], torch.randn(64, 8)
        fake = G(z)
        loss_d = bce(D(x), torch.ones(len(x), 1)) + bce(D(fake.detach()), torch.zeros(len(x), 1))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = bce(D(fake), torch.ones(len(x), 1))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    with torch.no_grad():
        print(epoch, loss_d.item(), loss_g.item(), G(torch.randn(2000, 8)).mean(0).tolist())
