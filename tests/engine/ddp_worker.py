"""Run by torch's launcher in ``test_distributed_equivalence.py``: ``tools/train.py``'s runner
trains, then every rank saves the weights it holds to ``<work_dir>/rank<RANK>.pth``.

    python -m torch.distributed.run --nproc_per_node 2 tests/engine/ddp_worker.py CONFIG \
        --launcher pytorch --work-dir DIR [train.py args ...]
"""
import importlib.util
import os
import os.path as osp
import sys

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main(argv) -> None:
    spec = importlib.util.spec_from_file_location('train', osp.join(REPO, 'tools', 'train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    args = train.parse_args(argv)
    try:
        runner = train.build_runner(args)
        runner.train()
        model = getattr(runner.model, 'module', runner.model)  # inside DDP
        torch.save(model.state_dict(), osp.join(args.work_dir, f"rank{os.environ['RANK']}.pth"))
    finally:
        train.close_distributed()


if __name__ == '__main__':
    main(sys.argv[1:])
