"""The work-dir policy of the tools: where a run writes (CLI > config > ``./work_dirs/<name>``),
checked writable before anything runs, and held by one training at a time."""
import os
import os.path as osp
import tempfile
from contextlib import nullcontext
from typing import ContextManager, Optional

from mmengine.config import Config
from mmengine.logging import MMLogger

from ..engine.work_dir_lock import work_dir_lock


def check_output_dir(path: str, what: str = 'work dir') -> None:
    """Raise a clear error unless ``path`` is, or can be created as, a writable folder.

    Raises:
        NotADirectoryError: ``path`` (or a parent) is a file.
        PermissionError: files cannot be created there (read-only folder or file system).
    """
    if osp.exists(path) and not osp.isdir(path):
        raise NotADirectoryError(f'{what} {path!r} is a file; expected a folder')
    existing = osp.abspath(path)
    while not osp.exists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        raise NotADirectoryError(f'{what} {path!r} cannot be created: {existing!r} is a file')
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise PermissionError(f'{what} {path!r} is not writable: cannot create files in '
                              f'{existing!r} ({e.strerror}); choose another folder') from None


def set_work_dir(cfg: Config, config_path: str, work_dir: Optional[str]) -> None:
    """CLI > ``work_dir`` in the file > ``./work_dirs/<config name>``, as MMPose; checked to be a
    writable folder (:func:`check_output_dir`)."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    check_output_dir(cfg.work_dir, 'work dir')


def training_lock(cfg: Config) -> ContextManager:
    """The work-dir lock of one training run, held by rank 0 (other ranks: no lock), so that a
    second training into the same work dir stops with ``WorkDirInUseError``."""
    if int(os.environ.get('RANK', 0)) != 0:
        return nullcontext()
    return work_dir_lock(cfg.work_dir, MMLogger.get_current_instance())
