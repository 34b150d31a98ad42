"""A small real MindSpore training, run by the tests inside ``.venv-ms``.

    python ms_train.py --out DIR [--lr 0.05] [--summary] [--doctor] [--mode pynative|graph]
                       [--epochs 3] [--dropout-keep 0.9] [--div]

``--summary`` adds MindSpore's ``SummaryCollector`` (writing ``DIR/summary``),
``--doctor`` adds traindoctor's ``DoctorCallback`` (writing ``DIR/td``). The data are
three separable Gaussian blobs in 16 dimensions; with the default learning rate the
model reaches >90% accuracy in a few epochs.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

#: Class overlap: with this much noise a healthy run ends near 90% accuracy, not at zero loss.
NOISE = float(os.environ.get("MS_TRAIN_NOISE", "3.0"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--doctor", action="store_true")
    ap.add_argument("--mode", default="pynative", choices=("pynative", "graph"))
    ap.add_argument("--dropout-keep", type=float, default=None,
                    help="nn.Dropout(keep_prob=...) after the hidden layer")
    ap.add_argument("--div", action="store_true", help="normalise features with a Div whose divisor can be 0")
    args = ap.parse_args()

    import mindspore as ms
    from mindspore import nn, ops
    from mindspore.dataset import NumpySlicesDataset
    from mindspore.train import Model

    ms.set_context(mode=ms.PYNATIVE_MODE if args.mode == "pynative" else ms.GRAPH_MODE)
    ms.set_seed(0)
    rng = np.random.default_rng(0)
    n, d, k = 960, 16, 3
    centres = rng.normal(0, 2.0, (k, d)).astype(np.float32)
    y = rng.integers(0, k, n).astype(np.int32)
    x = (centres[y] + rng.normal(0, NOISE, (n, d))).astype(np.float32)
    if args.div:
        x[:, 0] = 0.0  # a constant feature: its range is zero

    class Net(nn.Cell):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Dense(d, 32)
            self.relu = nn.ReLU()
            self.drop = nn.Dropout(keep_prob=args.dropout_keep) if args.dropout_keep is not None else None
            self.fc2 = nn.Dense(32, k)
            self.div = ops.Div()

        def construct(self, x):
            if args.div:
                lo, hi = x.min(axis=0), x.max(axis=0)
                x = self.div(x - lo, hi - lo)  # min-max scaling: 0/0 on a constant feature
            h = self.relu(self.fc1(x))
            if self.drop is not None:
                h = self.drop(h)
            return self.fc2(h)

    net = Net()
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    opt = nn.Momentum(net.trainable_params(), learning_rate=args.lr, momentum=0.9)
    model = Model(net, loss_fn=loss, optimizer=opt, metrics={"accuracy"})
    train = NumpySlicesDataset({"x": x[:768], "y": y[:768]}, shuffle=True).batch(32)
    valid = NumpySlicesDataset({"x": x[768:], "y": y[768:]}, shuffle=False).batch(64)
    callbacks = []
    if args.summary:
        from mindspore.train import SummaryCollector

        callbacks.append(SummaryCollector(os.path.join(args.out, "summary"), collect_freq=1,
                                          keep_default_action=True,
                                          collect_specified_data={"histogram_regular": "fc"}))
    if args.doctor:
        from traindoctor.mindspore import DoctorCallback

        callbacks.append(DoctorCallback(os.path.join(args.out, "td"), grad_every=1))
    model.fit(args.epochs, train, valid, callbacks=callbacks, dataset_sink_mode=False)
    if callbacks:  # the seed's pattern: the same collector in model.train and model.eval
        model.eval(valid, callbacks=callbacks, dataset_sink_mode=False)

if __name__ == "__main__":
    main()
