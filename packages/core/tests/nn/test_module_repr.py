"""print(model) parity for a small ResNet written once and built twice, with ``torch.nn`` and
with ``ember.nn``: the reprs are identical text, the state_dict keys and shapes match, and
once torch's weights are loaded, train-mode outputs, running statistics, input and parameter
gradients agree in float64."""

import numpy as np
import torch

import ember


def build_resnet(torch_like):
    """A small ResNet (BasicBlock + Bottleneck with a downsample Sequential, ModuleDict head,
    ModuleList of extra blocks) written against a ``torch``-like namespace."""
    nn = torch_like.nn

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + identity)

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            width = planes
            self.conv1 = nn.Conv2d(inplanes, width, kernel_size=1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(width, eps=1e-3, momentum=0.01)
            self.conv3 = nn.Conv2d(width, planes * self.expansion, kernel_size=1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * self.expansion)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            return self.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self, num_classes=5):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
            downsample = nn.Sequential(
                nn.Conv2d(8, 16, kernel_size=1, stride=2, bias=False), nn.BatchNorm2d(16)
            )
            self.layer2 = nn.Sequential(Bottleneck(8, 4, 2, downsample), Bottleneck(16, 4))
            self.extras = nn.ModuleList([nn.Identity(), nn.Conv2d(16, 16, 1, groups=4)])
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.heads = nn.ModuleDict(
                {
                    "dropout": nn.Dropout(p=0.2),
                    "flatten": nn.Flatten(1),
                    "fc": nn.Linear(16, num_classes),
                }
            )

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer2(self.layer1(x))
            for extra in self.extras:
                x = extra(x)
            x = self.heads["flatten"](self.avgpool(x))
            return self.heads["fc"](self.heads["dropout"](x))

    return ResNet()


def test_resnet_repr_is_torchs():
    assert repr(build_resnet(ember)) == repr(build_resnet(torch))


def test_resnet_state_dict_keys_and_shapes_are_torchs():
    e_state, t_state = build_resnet(ember).state_dict(), build_resnet(torch).state_dict()
    assert list(e_state) == list(t_state)
    for key, value in t_state.items():
        assert e_state[key].shape == tuple(value.shape), key
        assert str(e_state[key].dtype).split(".")[1] == str(value.dtype).split(".")[1], key


def test_resnet_train_mode_outputs_and_gradients_match_torch():
    t_model = build_resnet(torch).double().train()
    e_model = build_resnet(ember).double().train()
    e_model.load_state_dict(
        {k: ember.from_numpy(v.numpy().copy()) for k, v in t_model.state_dict().items()}
    )
    # Dropout draws differ between libraries: keep it deterministic, BatchNorm in training.
    t_model.heads["dropout"].eval()
    e_model.heads["dropout"].eval()
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64, requires_grad=True)
    ex = ember.from_numpy(x.detach().numpy().copy()).requires_grad_()
    yt, ye = t_model(x), e_model(ex)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=0, atol=1e-10)
    weights = torch.arange(10, dtype=torch.float64).reshape(2, 5)
    (yt * weights).sum().backward()
    (ye * ember.from_numpy(weights.numpy().copy())).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), x.grad.numpy(), rtol=0, atol=1e-10)
    e_params = dict(e_model.named_parameters())
    t_params = dict(t_model.named_parameters())
    assert list(e_params) == list(t_params)
    for name, p in t_params.items():
        np.testing.assert_allclose(
            e_params[name].grad.numpy(), p.grad.numpy(), rtol=0, atol=1e-10, err_msg=name
        )
    e_buffers = dict(e_model.named_buffers())
    for name, b in t_model.named_buffers():
        np.testing.assert_allclose(e_buffers[name].numpy(), b.numpy(), atol=1e-10, err_msg=name)


def build_containers(torch_like):
    """Containers whose reprs have special forms: repeated ModuleList entries are folded
    ("(0-2): 3 x Linear(...)"), empty containers print on one line, ParameterList/Dict list
    dtypes and sizes."""
    nn = torch_like.nn
    return [
        nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.ReLU()]),
        nn.ModuleList(),
        nn.ModuleDict(),
        nn.Sequential(),
        nn.Sequential(nn.ModuleList([nn.ReLU()] * 3), nn.Sequential(nn.Tanh())),
        nn.ParameterList([nn.Parameter(torch_like.ones(2, 3)), nn.Parameter(torch_like.ones(1))]),
        nn.ParameterDict({"a": nn.Parameter(torch_like.ones(2))}),
    ]


def test_container_reprs_are_torchs():
    for e, t in zip(build_containers(ember), build_containers(torch)):
        assert repr(e) == repr(t).replace("torch.", "ember.")
