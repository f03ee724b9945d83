"""Models from the hub: a ResNet-50 forward pass and the pretrained lenet_digits.

``resnet50()`` builds ``ember.hub.load("resnet50")`` with *random* weights (its ImageNet
checkpoint would be a 100 MB download and the demo runs offline), preprocesses a synthetic
PIL image with ``ResNet50_Weights.DEFAULT.transforms()`` and times the forward pass: the
point is the API, not the prediction. ``lenet_digits()`` loads Ember's own pretrained
``lenet_digits`` (its weights ship inside embervision; ``weights="DEFAULT"`` copies them
into the hub cache with a sha256 check, no network) and measures its accuracy on
scikit-learn's digits.

    python examples/hub_models.py
"""

from __future__ import annotations

import time

import numpy
from PIL import Image

import ember
from ember import hub


def sample_image(width: int = 320, height: int = 240) -> Image.Image:
    """A synthetic RGB picture (colour gradients and a bright disc): no files, no network."""
    y, x = numpy.mgrid[0:height, 0:width].astype(numpy.float32)
    disc = ((x - width * 0.6) ** 2 + (y - height * 0.4) ** 2 < (height / 4) ** 2) * 120.0
    red = 255 * x / width
    green = 255 * y / height
    blue = 255 * (1 - x / width) * (1 - y / height)
    rgb = numpy.stack([red, green, blue], axis=-1) * 0.5 + disc[..., None]
    return Image.fromarray(rgb.clip(0, 255).astype(numpy.uint8))


def resnet50(repeats: int = 2) -> dict:
    """Build resnet50 through the hub (random weights), run one preprocessed image."""
    from embervision.models import ResNet50_Weights

    model = hub.load("resnet50").eval()  # weights=None: random initialisation, offline
    params = sum(p.numel() for p in model.parameters())
    print(
        f"hub.load('resnet50'): {type(model).__name__}, {params:,} parameters, "
        "random weights (no download; pass weights='DEFAULT' for ImageNet's)"
    )
    preprocess = ResNet50_Weights.DEFAULT.transforms()
    image = sample_image()
    batch = preprocess(image).unsqueeze(0)
    print(f"sample image {image.size[0]}x{image.size[1]} -> input {tuple(batch.shape)}")
    times = []
    with ember.no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            logits = model(batch)
            times.append(time.perf_counter() - start)
    top = logits.softmax(dim=1).topk(3)
    categories = ResNet50_Weights.DEFAULT.meta["categories"]
    guesses = ", ".join(
        f"{categories[i]} ({p:.2%})"
        for p, i in zip(top.values[0].tolist(), top.indices[0].tolist(), strict=True)
    )
    print(
        f"output {tuple(logits.shape)}; forward {min(times) * 1e3:.0f} ms "
        f"(best of {repeats}, batch 1, {batch.device}); top-3 (meaningless, random weights): "
        f"{guesses}"
    )
    return {"params": params, "output_shape": tuple(logits.shape), "seconds": min(times)}


def lenet_digits() -> dict:
    """Load the pretrained lenet_digits through the hub; its accuracy on sklearn's digits."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from embervision.models import LeNet_Digits_Weights

    weights = LeNet_Digits_Weights.DEFAULT
    model = hub.load("lenet_digits", weights="DEFAULT").eval()
    digits = load_digits()
    # The split scripts/train_lenet_digits.py held out: these 360 digits were never trained on.
    _, x_test, _, y_test = train_test_split(
        digits.images, digits.target, test_size=360, stratify=digits.target, random_state=0
    )
    preprocess = weights.transforms()
    with ember.no_grad():
        predicted = model(preprocess(x_test)).argmax(dim=1).numpy()
    accuracy = float((predicted == y_test).mean())
    recorded = weights.meta["_metrics"]["digits"]["acc@1"]
    print(
        f"hub.load('lenet_digits', weights='DEFAULT'): held-out accuracy {accuracy:.2%} "
        f"on {len(y_test)} digits (recorded in its weights' meta: {recorded:.2f}%)"
    )
    return {"accuracy": accuracy, "recorded": recorded / 100}


def main() -> dict:
    """Run both parts; each reports its own failure instead of hiding the other."""
    results = {}
    for name, part in (("resnet50", resnet50), ("lenet_digits", lenet_digits)):
        try:
            results[name] = part()
        except Exception as error:  # noqa: BLE001 - the demo reports and goes on
            print(f"{name}: skipped ({type(error).__name__}: {error})")
            results[name] = None
    return results


if __name__ == "__main__":
    main()
