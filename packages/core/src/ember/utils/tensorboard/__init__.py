"""``ember.utils.tensorboard``: TensorBoard logging, as ``torch.utils.tensorboard``.

Event files are written by ``tensorboardX`` (``pip install 'ember[tensorboard]'``), which is
imported only when a :class:`SummaryWriter` is created.
"""

from ember.utils.tensorboard.writer import SummaryWriter

__all__ = ["SummaryWriter"]
