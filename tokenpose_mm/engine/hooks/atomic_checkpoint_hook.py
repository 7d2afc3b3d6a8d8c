"""MMEngine's CheckpointHook with crash-safe writes."""
import os.path as osp
from pathlib import Path
from typing import List, Optional, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook
from mmpose.registry import HOOKS

from ...utils import atomic_write, remove_partial_writes
from ...utils.warnings import filter_known_log_messages

ATOMIC_BACKEND = 'local_atomic'


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend whose writes are atomic (:func:`atomic_write`)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(str(filepath), obj)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write(str(filepath), obj.encode(encoding))


register_backend(ATOMIC_BACKEND, AtomicLocalBackend, force=True)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`~mmengine.hooks.CheckpointHook` whose files are never left half-written.

    Every checkpoint (``epoch_N.pth``, ``iter_N.pth``, ``best_*.pth``) is written to a temporary
    file in the same folder, fsync'ed and renamed into place (``os.replace``); only then is
    ``last_checkpoint`` rewritten (atomically too) and only after that are checkpoints beyond
    ``max_keep_ckpts`` deleted. A process killed at any moment therefore leaves
    ``last_checkpoint`` naming a whole file, which ``--resume`` uses. Stale temporary files of a
    killed run are removed at ``before_train``.

    Takes every argument of CheckpointHook. Local folders use the atomic backend unless
    ``backend_args`` or ``file_client_args`` choose another one.
    """

    def __init__(self,
                 interval: int = -1,
                 *,
                 out_dir: Optional[Union[str, Path]] = None,
                 backend_args: Optional[dict] = None,
                 file_client_args: Optional[dict] = None,
                 **kwargs) -> None:
        if backend_args is None and file_client_args is None and '://' not in str(out_dir or ''):
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(interval, out_dir=out_dir, backend_args=backend_args,
                         file_client_args=file_client_args, **kwargs)

    def before_train(self, runner) -> None:
        # MMEngine logs a FileClient deprecation notice at every save, whatever the backend
        filter_known_log_messages(runner.logger)
        super().before_train(runner)
        if is_main_process() and isinstance(self.file_backend, LocalBackend):
            removed = remove_partial_writes(self.out_dir)
            if removed:
                runner.logger.warning(f'removed partial checkpoint writes of a killed run in '
                                      f'{self.out_dir}: {removed}')

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        """CheckpointHook's, reordered: save, point ``last_checkpoint`` at it, then prune."""
        stale: List[int] = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
                stale.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, 'last_checkpoint'), str(self.last_ckpt).encode())
        for old in stale:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # checkpoints saved by deepspeed are folders
                self.file_backend.rmtree(path)
