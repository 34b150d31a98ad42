"""A tiny in-process training loop under the collector, with faults a test can plant."""
from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

from traindoctor.collect.torch import CollectOptions, Collector
from traindoctor.record import TDRun

SCRIPTS = os.path.join(os.path.dirname(__file__), "scripts")


class HalfScale(nn.Module):
    """Returns its input in float16, scaled: 1e5 overflows float16 (max 65504)."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * self.scale).half()


class Net(nn.Module):
    def __init__(self, half_scale: float | None = None) -> None:
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)
        self.half_branch = HalfScale(half_scale) if half_scale is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc2(self.act(self.fc1(x)))
        if self.half_branch is not None:
            self.half_branch(out)  # a mixed-precision side branch; its output is watched, not used
        return out


def train(run_dir: str, watch: list[str], *, fault: str = "healthy", steps: int = 4, lr: float = 0.05,
          break_on: list[str] | None = None) -> TDRun:
    """Train ``Net`` for ``steps`` steps with ``fault`` planted, watched by ``watch``; return the run."""
    torch.manual_seed(0)
    collector = Collector(run_dir, options=CollectOptions(watch=watch, break_on=break_on or [])).install()
    try:
        net = Net(half_scale={"fp16_overflow": 1e5, "fp16_ok": 1.0}.get(fault))
        if fault == "zero_init":
            nn.init.zeros_(net.fc1.weight)
        if fault == "nan_init":
            with torch.no_grad():
                net.fc1.weight[0, 0] = float("nan")
        if fault == "dead_relu":
            with torch.no_grad():
                net.fc1.bias.fill_(-1e3)
        lr = {"frozen": 0.0, "lr_huge": 50.0, "lr_tiny": 1e-9}.get(fault, lr)
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        scaler = torch.amp.GradScaler("cpu") if fault == "scaler_skip" else None
        x = torch.randn(16, 6)
        y = torch.arange(16) % 3
        for step in range(steps):
            if fault == "nan_weight_at_2" and step == 2:
                with torch.no_grad():
                    net.fc2.weight[0, 0] = float("nan")
            opt.zero_grad()
            out = net(x)
            if fault == "zero_output":
                out = out * 0.0
            loss = nn.functional.cross_entropy(out, y)
            if fault in ("nan_loss_at_2", "scaler_skip") and step == 2:
                loss = loss * float("nan")
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
    finally:
        collector.close()
    return TDRun(run_dir)


def outcome(run: TDRun, condition: str) -> dict[str, Any]:
    """Hits, and hit/not-hit/cannot-check counts, of the watchpoints of ``condition`` in ``run``."""
    summary = run.event("watch_summary")
    assert summary is not None, "the engine wrote no summary"
    counts = {"hit": 0, "not_hit": 0, "cannot_check": 0, "not_applicable": 0}
    for o in summary["outcomes"]:
        if o["condition"] == condition:
            for k in counts:
                counts[k] += o[k]
    hits = [h for h in run.events("hit") if h["condition"] == condition]
    reasons = {e["reason"] for e in run.events("watch_check") if e["condition"] == condition}
    return {"counts": counts, "hits": hits, "reasons": reasons}
