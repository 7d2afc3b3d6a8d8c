from .official import (CheckpointMismatchError, check_distinct_output,
                       convert_official_checkpoint, convert_official_state_dict,
                       official_state_dict, rename_official_key)
from .to_official import (convert_to_official_checkpoint, official_key, official_layout,
                          to_official_state_dict)

__all__ = [
    'CheckpointMismatchError', 'check_distinct_output', 'convert_official_checkpoint',
    'convert_official_state_dict', 'convert_to_official_checkpoint', 'official_key',
    'official_layout', 'official_state_dict', 'rename_official_key', 'to_official_state_dict'
]
