from .checkpoint import (CheckpointError, CheckpointMismatchError, atomic_write,
                         check_declared_size, find_resumable_checkpoint, is_complete_checkpoint,
                         load_checkpoint_file, remove_partial_writes, safe_globals)
from .checkpoint_size import check_object_count
from .config_files import resolve_config
from .environment import (allow_mmengine_checkpoints, load_from_local, register_checkpoint_loader,
                          setup_env)
from .outputs import (OutputError, check_output_file, check_output_folder, is_partial_write,
                      replacing)
from .weights import (check_checkpoint, dataset_meta_problems,
                      describe_model, dtype_family, load_weights, state_dict_problems)

__all__ = [
    'CheckpointError', 'CheckpointMismatchError', 'OutputError', 'check_object_count',
    'check_output_file', 'check_output_folder', 'is_partial_write', 'replacing', 'allow_mmengine_checkpoints', 'atomic_write',
    'check_checkpoint', 'check_declared_size', 'dataset_meta_problems',
    'describe_model', 'dtype_family', 'find_resumable_checkpoint', 'is_complete_checkpoint',
    'load_checkpoint_file', 'load_from_local', 'load_weights', 'register_checkpoint_loader',
    'remove_partial_writes', 'resolve_config', 'safe_globals', 'setup_env', 'state_dict_problems'
]
