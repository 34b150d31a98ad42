"""Several models in one script: each is a network of its own for the gradient depth profile, and each has
names of its own."""
from __future__ import annotations

from traindoctor import open_run

from ..conftest import doctor_json

GAN = """
import torch
from torch import nn
torch.manual_seed(0)
real = torch.randn(4096, 2) * 0.5 + torch.tensor([2.0, -1.0])
G = nn.Sequential(nn.Linear(8, 32), nn.LeakyReLU(0.2), nn.Linear(32, 2))
D = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
og = torch.optim.Adam(G.parameters(), 1e-3, betas=(0.5, 0.999))
od = torch.optim.Adam(D.parameters(), 1e-3, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
for i in range(0, 4096, 64):
    x, z = real[i:i + 64], torch.randn(64, 8)
    fake = G(z)
    ld = bce(D(x), torch.ones(64, 1)) + bce(D(fake.detach()), torch.zeros(64, 1))
    od.zero_grad(); ld.backward(); od.step()
    lg = bce(D(fake), torch.ones(64, 1))
    og.zero_grad(); lg.backward(); og.step()
"""


def test_a_gans_generator_is_not_compared_with_its_discriminator(run_script):
    """The generator's first layer has 1/100 of the gradient ratio of the discriminator's last: taken as one
    four-layer network, that read as a vanishing gradient (a warning on a healthy GAN)."""
    proc, run_dir = run_script(GAN)
    assert proc.returncode == 0, proc.stderr
    report = doctor_json(run_dir)
    vanishing = next(c for c in report["checklist"] if c["id"] == "grad.vanishing")
    assert vanishing["status"] == "pass", [(f["id"], f["title"]) for f in report["findings"]]
    keys = open_run(str(run_dir)).table("grad").keys  # the second Sequential's root name is taken: Sequential2
    assert {"0.weight", "2.weight", "Sequential2.0.weight", "Sequential2.2.weight"} <= set(keys), keys
