"""Training-loop safeguards for MMEngine's Runner, registered in ``mmpose.registry.HOOKS``."""
from .annotation_check import check_annotation_files
from .config_check import ConfigError, check_config, config_problems
from .hooks import (AtomicCheckpointHook, CheckpointMatchHook, ConfigCheckHook, FiniteLossHook,
                    KeypointCountHook, RandomStateHook, check_keypoint_count)
from .safeguards import SAFEGUARD_HOOKS, add_safeguard_hooks
from .work_dir_lock import WorkDirInUseError, work_dir_lock

__all__ = [
    'AtomicCheckpointHook', 'CheckpointMatchHook', 'ConfigCheckHook', 'ConfigError',
    'FiniteLossHook', 'KeypointCountHook', 'check_annotation_files', 'check_config',
    'config_problems',
    'RandomStateHook', 'SAFEGUARD_HOOKS', 'WorkDirInUseError', 'add_safeguard_hooks',
    'check_keypoint_count', 'work_dir_lock'
]
