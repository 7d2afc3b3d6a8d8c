"""MMEngine's CheckpointHook with crash-safe writes of plain-typed checkpoints."""
import os.path as osp
from pathlib import Path
from typing import List, Optional, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook
from mmpose.registry import HOOKS

from ...utils import atomic_write, remove_partial_writes
from ...utils.warnings import filter_known_log_messages
from .plain_checkpoint import from_plain, to_plain

ATOMIC_BACKEND = 'local_atomic'


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend whose writes are atomic (:func:`atomic_write`)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(str(filepath), obj)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write(str(filepath), obj.encode(encoding))


def register_atomic_backend() -> None:
    """Register :class:`AtomicLocalBackend` as MMEngine's ``'local_atomic'`` file backend once
    (a name of ours, never forced over another; done when the hook is built, not at import)."""
    from mmengine.fileio.backends.registry_utils import backends
    if ATOMIC_BACKEND not in backends:
        register_backend(ATOMIC_BACKEND, AtomicLocalBackend)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`~mmengine.hooks.CheckpointHook` whose files are never left half-written.

    Every checkpoint (``epoch_N.pth``, ``iter_N.pth``, ``best_*.pth``) is written to a temporary
    file in the same folder, fsync'ed and renamed into place (``os.replace``); only then is
    ``last_checkpoint`` rewritten (atomically too) and only after that are checkpoints beyond
    ``max_keep_ckpts`` deleted. A process killed at any moment therefore leaves
    ``last_checkpoint`` naming a whole file, which ``--resume`` uses. With ``save_best``, the new
    best checkpoint is written before the previous best is removed (MMEngine removes first), so a
    best checkpoint exists at every moment. The partial files of a killed run (named
    ``.tokenpose_mm-partial.*``: no other file is touched) are removed at ``before_train``;
    checkpoints get the user's umask.

    Every checkpoint the Runner saves holds plain Python and tensor types only
    (:func:`~tokenpose_mm.engine.hooks.plain_checkpoint.to_plain`): NumPy values and
    ``HistoryBuffer`` objects are stored as lists and dicts, so ``torch.load(weights_only=True)``
    and MMPose's ``publish_model`` read it; loading it through the Runner (``--resume``,
    ``load_from``) restores them exactly.

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
            register_atomic_backend()
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

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Last of the hooks (priority VERY_LOW): plain types for what the others added."""
        to_plain(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Restore the NumPy values and HistoryBuffers before the Runner resumes from them."""
        from_plain(checkpoint)

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        """CheckpointHook's, reordered: write each new best checkpoint and the latest checkpoint
        that records it, then remove the previous best (when its path differs). Same files,
        scores and log lines as MMEngine's."""
        if not self.save_best:
            return
        cur_type, cur_time = ('epoch', runner.epoch) if self.by_epoch else ('iter', runner.iter)
        ckpt_filename = self.filename_tmpl.format(cur_time)
        meta = dict(epoch=runner.epoch, iter=runner.iter)
        if 'auto' in self.key_indicators:
            self._init_rule(self.rules, [list(metrics.keys())[0]])
        single = len(self.key_indicators) == 1
        best_ckpt_updated, replaced = False, []
        for key_indicator, rule in zip(self.key_indicators, self.rules):
            suffix = '' if single else f'_{key_indicator}'
            best_score_key, runtime_best_ckpt_key = f'best_score{suffix}', f'best_ckpt{suffix}'
            key_score = metrics[key_indicator]
            best_score = runner.message_hub.runtime_info.get(best_score_key,
                                                             self.init_value_map[rule])
            if key_score is None or not self.is_better_than[key_indicator](key_score, best_score):
                continue
            best_ckpt_updated = True
            runner.message_hub.update_info(best_score_key, key_score)
            previous = self.best_ckpt_path if single else self.best_ckpt_path_dict[key_indicator]
            best_ckpt_name = f'best_{key_indicator}_{ckpt_filename}'.replace('/', '_')
            path = self.file_backend.join_path(self.out_dir, best_ckpt_name)
            if single:
                self.best_ckpt_path = path
            else:
                self.best_ckpt_path_dict[key_indicator] = path
            runner.message_hub.update_info(runtime_best_ckpt_key, path)
            runner.save_checkpoint(
                self.out_dir,
                filename=best_ckpt_name,
                file_client_args=self.file_client_args,
                save_optimizer=False,
                save_param_scheduler=False,
                meta=meta,
                by_epoch=False,
                backend_args=self.backend_args)
            runner.logger.info(f'The best checkpoint with {key_score:0.4f} {key_indicator} '
                               f'at {cur_time} {cur_type} is saved to {best_ckpt_name}.')
            if previous and previous != path:
                replaced.append(previous)
        # as MMEngine: save the latest checkpoint again so that it records the new best
        if best_ckpt_updated and self.last_ckpt is not None:
            self._save_checkpoint_with_step(runner, cur_time, meta)
        for previous in replaced if is_main_process() else []:  # only now: nothing names them
            self._remove(previous)
            runner.logger.info(f'The previous best checkpoint {previous} is removed')

    def _remove(self, path: str) -> None:
        """Delete a checkpoint file (or a deepspeed checkpoint folder) if it is there."""
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            self.file_backend.rmtree(path)

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
            self._remove(self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old)))
