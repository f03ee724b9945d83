"""Reinforcement learning on Ember.

emberrl connects Gymnasium environments to Ember: vectorised rollouts, replay and rollout
buffers, and agents (policy-gradient and value-based) built from ember.nn modules and
trained with ember.optim. It uses only Ember's public API.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
