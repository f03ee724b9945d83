"""Training steps (forward, loss, backward, optimizer step), Ember vs PyTorch.

Both sides build the same architecture with identical weights (PyTorch's state_dict is
copied into the Ember model) and train on the same seeded batch.
"""

from __future__ import annotations

from benchmarks._common import train_pair
from benchmarks._harness import Pair, workload


def _adam(lib, model):
    return lib.optim.Adam(model.parameters(), lr=1e-3)


def _mlp(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )


def _lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


@workload("MLP 784-256-256-10 step (b=128, Adam)", target=1.0)
def mlp_train_step(quick: bool) -> Pair:
    ember_step, torch_step = train_pair(_mlp, (8 if quick else 128, 784), 10, _adam)
    return Pair(ember_step, torch_step, number=1 if quick else 5, repeat=1 if quick else 11)


@workload("LeNet-5 step (b=64, 1x28x28, Adam)", target=1.5)
def lenet_train_step(quick: bool) -> Pair:
    ember_step, torch_step = train_pair(_lenet, (4 if quick else 64, 1, 28, 28), 10, _adam)
    return Pair(ember_step, torch_step, number=1 if quick else 3, repeat=1 if quick else 11)


def _transformer(quick: bool):
    d, heads, ff = (32, 2, 64) if quick else (256, 4, 1024)

    def build(lib):
        nn = lib.nn
        layer = nn.TransformerEncoderLayer(d, heads, ff, batch_first=True)
        return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    return build, d


@workload("TransformerEncoder 2x256/4h/ff1024 step (b=16, seq 128, AdamW)", target=1.0)
def transformer_train_step(quick: bool) -> Pair:
    build, d = _transformer(quick)
    batch, seq = (2, 8) if quick else (16, 128)

    def adamw(lib, model):
        return lib.optim.AdamW(model.parameters(), lr=1e-4)

    def mse(lib):
        # Regress onto the input itself: a loss over the whole output, no extra head.
        loss = lib.nn.MSELoss()
        return lambda out, _target: loss(out, out.detach() * 0.5)

    ember_step, torch_step = train_pair(build, (batch, seq, d), 10, adamw, loss=mse)
    return Pair(
        ember_step, torch_step, number=1, repeat=1 if quick else 7, warmup=1 if quick else 2
    )


class _LSTMClassifier:
    """LSTM over the sequence, then a Linear head on the last step (built per library)."""

    @staticmethod
    def build(lib, n_in: int, hidden: int):
        nn = lib.nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
                self.head = nn.Linear(hidden, 10)

            def forward(self, x):
                out, _ = self.lstm(x)
                return self.head(out[:, -1])

        return Model()


@workload("LSTM 128->256 step (b=32, seq 64, Adam)", target=1.5)
def lstm_train_step(quick: bool) -> Pair:
    n_in, hidden, batch, seq = (8, 16, 2, 4) if quick else (128, 256, 32, 64)
    ember_step, torch_step = train_pair(
        lambda lib: _LSTMClassifier.build(lib, n_in, hidden), (batch, seq, n_in), 10, _adam
    )
    return Pair(ember_step, torch_step, number=1, repeat=1 if quick else 9)
