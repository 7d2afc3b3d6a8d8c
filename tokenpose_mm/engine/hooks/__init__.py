from .atomic_checkpoint_hook import AtomicCheckpointHook
from .checkpoint_match_hook import CheckpointMatchHook
from .finite_loss_hook import FiniteLossHook
from .keypoint_count_hook import KeypointCountHook
from .random_state_hook import RandomStateHook

__all__ = [
    'AtomicCheckpointHook', 'CheckpointMatchHook', 'FiniteLossHook', 'KeypointCountHook',
    'RandomStateHook'
]
