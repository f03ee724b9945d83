"""Train a 2-layer MLP written with raw Ember ops and autograd (no ``ember.nn``).

The task is synthetic: three interleaved spirals in the plane, which a linear model cannot
separate. Full-batch gradient descent on the mean cross-entropy; every few epochs the loss
and accuracy are printed, so the run shows the loss falling and the accuracy rising.

    python examples/train_mlp.py
"""

from __future__ import annotations

import math

import ember


def make_spirals(n_per_class: int = 200, classes: int = 3, noise: float = 0.2):
    """``classes`` spirals of ``n_per_class`` 2-D points each, and their integer labels."""
    radius = ember.linspace(0.05, 1.0, n_per_class)
    points, labels = [], []
    for c in range(classes):
        angle = ember.linspace(c * 4.0, (c + 1) * 4.0, n_per_class)
        angle = angle + noise * ember.randn(n_per_class)
        points.append(ember.stack([radius * ember.sin(angle), radius * ember.cos(angle)], dim=1))
        labels.append(ember.full((n_per_class,), c))
    return ember.cat(points), ember.cat(labels)


def cross_entropy(logits, target):
    """Mean negative log-likelihood of ``target`` under softmax(``logits``), from raw ops."""
    log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
    return -log_probs[ember.arange(len(target)), target].mean()


def main(epochs: int = 300, hidden: int = 64, lr: float = 1.0, seed: int = 0) -> dict:
    """Train and return the first and last loss and accuracy."""
    ember.manual_seed(seed)
    x, y = make_spirals()
    # Kaiming-uniform init, as nn.Linear does, so the run starts from a sensible scale.
    bound1, bound2 = 1 / math.sqrt(2), 1 / math.sqrt(hidden)
    w1 = ((ember.rand(2, hidden) * 2 - 1) * bound1).requires_grad_()
    b1 = ((ember.rand(hidden) * 2 - 1) * bound1).requires_grad_()
    w2 = ((ember.rand(hidden, 3) * 2 - 1) * bound2).requires_grad_()
    b2 = ((ember.rand(3) * 2 - 1) * bound2).requires_grad_()
    params = [w1, b1, w2, b2]

    history = []
    for epoch in range(epochs + 1):
        h = ember.relu(x @ w1 + b1)
        logits = h @ w2 + b2
        loss = cross_entropy(logits, y)
        for p in params:
            p.grad = None
        loss.backward()
        with ember.no_grad():
            for p in params:
                p -= lr * p.grad
            accuracy = (logits.argmax(dim=1) == y).float().mean().item()
        history.append((loss.item(), accuracy))
        if epoch % 25 == 0:
            print(f"epoch {epoch:4d}  loss {loss.item():.4f}  accuracy {accuracy:6.1%}")
    first, last = history[0], history[-1]
    print(f"loss {first[0]:.3f} -> {last[0]:.3f}, accuracy {first[1]:.1%} -> {last[1]:.1%}")
    return {"first": first, "last": last}


if __name__ == "__main__":
    main()
