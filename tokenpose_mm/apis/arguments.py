"""Arguments of the Python API checked where they enter: thresholds and config overrides."""
import math
from numbers import Real
from typing import Any, Mapping, Optional

from .errors import InputError


def check_threshold(value: Any, name: str) -> float:
    """``value`` as a float when it is a finite number >= 0 (no upper bound: a score threshold
    above 1 keeps no box, on purpose); text, bools, NaN and negative numbers are refused,
    naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        got = f'the text {value!r}' if isinstance(value, str) else type(value).__name__
        raise InputError(f'{name}={value!r}: expected a number >= 0, got {got}')
    if not math.isfinite(value) or value < 0:
        raise InputError(f'{name}={value!r}: expected a finite number >= 0')
    return float(value)


def check_cfg_options(value: Any, name: str = 'cfg_options') -> Optional[dict]:
    """``value`` when it is None or a mapping of config keys (``{'model.arch.depth': 1}``);
    text (``'model.arch.depth=1'``, the command-line form) and other types are refused."""
    if value is None or isinstance(value, Mapping):
        return None if value is None else dict(value)
    hint = (" (the command-line form); pass a dict, e.g. {'model.arch.depth': 1}"
            if isinstance(value, str) else '')
    raise InputError(f'{name}={value!r}: expected a dict of config keys and values, got '
                     f'{type(value).__name__}{hint}')
