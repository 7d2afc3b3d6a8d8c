from .official import (CheckpointMismatchError, convert_official_checkpoint,
                       convert_official_state_dict,
                       official_state_dict, rename_official_key)

__all__ = [
    'CheckpointMismatchError', 'convert_official_checkpoint', 'convert_official_state_dict',
    'official_state_dict',
    'rename_official_key'
]
