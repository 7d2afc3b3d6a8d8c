"""The one place where known, harmless library warnings are filtered.

Importing ``tokenpose_mm`` calls :func:`filter_known_warnings`, so every tool, test and config
that loads the plugin shows its own output and real problems, not deprecation chatter of the
stack. Each entry names the library and why it is harmless here; anything else still shows.
"""
import warnings
from typing import Tuple

# (message regex, category, module regex, why it is harmless)
KNOWN_WARNINGS: Tuple[Tuple[str, type, str, str], ...] = (
    ('pkg_resources is deprecated as an API', UserWarning, '',
     'setuptools < 81 (pinned: mmcv, mmengine and mim import pkg_resources) warns on every '
     'import and on every mmengine.utils.is_installed call, which reloads it'),
)


def filter_known_warnings() -> None:
    """Ignore :data:`KNOWN_WARNINGS` (idempotent: ``warnings.filterwarnings`` does not add a
    filter that is already there)."""
    for message, category, module, _ in KNOWN_WARNINGS:
        warnings.filterwarnings('ignore', message=message, category=category, module=module)
