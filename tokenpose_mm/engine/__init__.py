"""Training-loop safeguards for MMEngine's Runner, registered in ``mmpose.registry.HOOKS``."""
from .hooks import (AtomicCheckpointHook, CheckpointMatchHook, FiniteLossHook,
                    KeypointCountHook, RandomStateHook, check_keypoint_count)
from .safeguards import SAFEGUARD_HOOKS, add_safeguard_hooks
from .work_dir_lock import WorkDirInUseError, work_dir_lock

__all__ = [
    'AtomicCheckpointHook', 'CheckpointMatchHook', 'FiniteLossHook', 'KeypointCountHook',
    'RandomStateHook', 'SAFEGUARD_HOOKS', 'WorkDirInUseError', 'add_safeguard_hooks',
    'check_keypoint_count', 'work_dir_lock'
]
