"""Run by torch's launcher (2 processes, gloo) in ``test_distributed_failures.py``: what each
rank sees when only one of them meets a problem. Writes ``<out>/rank<RANK>.json``.

    python -m torch.distributed.run --nproc_per_node 2 tests/engine/rank_worker.py OUT
"""
import json
import os.path as osp
import sys

import torch.distributed as dist

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from tests.engine.runner_utils import tiny_cfg, tiny_runner  # noqa: E402
from tokenpose_mm.cli import ConfigError, check_annotation_files  # noqa: E402
from tokenpose_mm.engine.distributed import close_distributed, on_rank_zero  # noqa: E402


def main(out: str) -> None:
    dist.init_process_group('gloo')
    rank = dist.get_rank()
    seen = {}
    # 1. a check on rank 0 only; its error reaches every rank
    ran = []

    def check() -> None:
        ran.append(rank)
        raise ConfigError('annotation file x.json is not JSON')

    try:
        on_rank_zero(check)
    except ConfigError as e:
        seen['on_rank_zero'] = f'{type(e).__name__}: {e}'
    seen['check_ran_here'] = bool(ran)
    # 2. only rank 0 reads the annotation files: rank 1's config names a missing one
    cfg = tiny_cfg(osp.join(out, f'cfg{rank}'))
    if rank == 1:
        cfg.train_dataloader.dataset.ann_file = 'missing.json'
    try:
        check_annotation_files(cfg, ('train', ))
        seen['annotations'] = 'ok'
    except (ConfigError, OSError) as e:
        seen['annotations'] = f'{type(e).__name__}: {e}'
    # 3. independent runners; rank 1 diverges (lr 1e30), rank 0 would train on
    lr = 1e30 if rank == 1 else 1e-4
    runner = tiny_runner(osp.join(out, f'run{rank}'), {'optim_wrapper.optimizer.lr': lr,
                                                       'train_cfg.max_epochs': 4})
    try:
        runner.train()
        seen['training'] = f'finished at iteration {runner.iter}'
    except FloatingPointError as e:
        seen['training'] = f'FloatingPointError: {e}'
    with open(osp.join(out, f'rank{rank}.json'), 'w') as f:
        json.dump(seen, f)
    close_distributed(failed=False)


if __name__ == '__main__':
    main(sys.argv[1])
