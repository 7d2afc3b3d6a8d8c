"""The work-dir policy of the tools: where a run writes (CLI > config > ``./work_dirs/<name>``),
checked writable before anything runs, held by one training at a time, and never reused by a
fresh training while it holds another run's checkpoints (``--resume`` or ``--force``)."""
import os
import os.path as osp
import re
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


CHECKPOINT_NAME = re.compile(r'(epoch|iter)_\d+\.pth|best_.+\.pth|last_checkpoint')


def check_work_dir_free(work_dir: str, resume: bool, force: bool) -> None:
    """Refuse a fresh training (no ``--resume``, no ``--force``) in a work dir that holds
    another run's checkpoints: MMEngine would overwrite its ``epoch_N.pth`` one by one.

    Raises:
        FileExistsError: naming the work dir, its checkpoints and the three ways out.
    """
    if resume or force or not osp.isdir(work_dir):
        return
    found = sorted(n for n in os.listdir(work_dir) if CHECKPOINT_NAME.fullmatch(n))
    if found:
        shown = ', '.join(found[:4]) + (f' and {len(found) - 4} more' if len(found) > 4 else '')
        raise FileExistsError(f'work dir {work_dir!r} holds the checkpoints of another run '
                              f'({shown}); a new training would overwrite them: give --resume '
                              'to continue that run, --force to overwrite it, or another '
                              '--work-dir')
