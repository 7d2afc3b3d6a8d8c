from .atomic_checkpoint_hook import AtomicCheckpointHook
from .checkpoint_match_hook import CheckpointMatchHook
from .config_check_hook import ConfigCheckHook
from .finite_loss_hook import FiniteLossHook
from .keypoint_count_hook import KeypointCountHook, check_keypoint_count
from .random_state_hook import RandomStateHook

__all__ = [
    'AtomicCheckpointHook', 'CheckpointMatchHook', 'ConfigCheckHook', 'FiniteLossHook',
    'KeypointCountHook', 'RandomStateHook', 'check_keypoint_count'
]
