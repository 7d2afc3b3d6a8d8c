from .checkpoint import (CheckpointError, allow_mmengine_checkpoints, atomic_write,
                         find_resumable_checkpoint, is_complete_checkpoint, load_checkpoint_file,
                         load_from_local, register_checkpoint_loader, remove_partial_writes,
                         safe_globals, state_dict_mismatches)

__all__ = [
    'CheckpointError', 'allow_mmengine_checkpoints', 'atomic_write', 'find_resumable_checkpoint',
    'is_complete_checkpoint', 'load_checkpoint_file', 'load_from_local',
    'register_checkpoint_loader', 'remove_partial_writes', 'safe_globals', 'state_dict_mismatches'
]
