"""TMPose token masking and attention pruning export to ONNX: onnxruntime matches PyTorch at
batch 1 and 3, the eval-mode selection is deterministic and independent of the batch, and an
export failure is one short line naming the config and the op."""
import os.path as osp

import numpy as np
import onnxruntime as ort
import pytest
import torch
from mmengine.runner import save_checkpoint
from mmpose.apis import init_model

from tokenpose_mm.deploy import OnnxExportError, export_onnx, sample_inputs
from tokenpose_mm.models.layers import TokenMasking

from ..conftest import COCO_TINY, CONFIGS, config_path, load_tool

IMAGES = [osp.join(COCO_TINY, n) for n in ('000000000785.jpg', '000000040083.jpg',
                                            '000000196141.jpg')]
MASKINGS = {
    'random': dict(strategy='random', keep_ratio=0.6),
    'uniform': dict(strategy='uniform', keep_ratio=0.6),
    'block': dict(strategy='block', keep_ratio=0.6),
    'attention': dict(strategy='attention', keep_ratio=0.6, layers=(1, )),
}


def masked_t(tmp_path, masking: dict) -> str:
    """TokenPose-T with two encoder layers and ``masking``: a config file in ``tmp_path``."""
    config = tmp_path / 'tmpose-t-depth2.py'
    config.write_text(f'_base_ = [{config_path("t")!r}]\n'
                      f'model = dict(arch=dict(depth=2), neck=dict(token_masking={masking!r}))\n')
    return str(config)


@pytest.fixture(scope='module')
def crops():
    model = init_model(config_path('t'), None, device='cpu')
    return sample_inputs(model, IMAGES)  # (3, 3, 256, 192) real preprocessed crops


@pytest.mark.parametrize('name', sorted(MASKINGS))
def test_masked_model_exports_and_matches_pytorch(name, tmp_path, crops):
    model = init_model(masked_t(tmp_path, MASKINGS[name]), None, device='cpu').eval()
    out = export_onnx(model, str(tmp_path / f'{name}.onnx'))
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    with torch.no_grad():
        expected = model(crops, None, mode='tensor').numpy()
        # the masking is in effect: the same weights unmasked give other heatmaps
        selection, model.neck.token_selection = model.neck.token_selection, None
        unmasked = model(crops, None, mode='tensor').numpy()
        model.neck.token_selection = selection
    assert np.abs(expected - unmasked).max() > 1e-3
    for n in (1, 3):
        (got, ) = session.run(None, {'input': crops[:n].numpy()})
        assert got.shape == (n, 17, 64, 48)
        assert np.abs(got - expected[:n]).max() <= 1e-4
    # deterministic and independent of the batch: each crop alone gives its batched heatmaps
    with torch.no_grad():
        for i in range(3):
            alone = model(crops[i:i + 1], None, mode='tensor').numpy()
            assert np.abs(alone[0] - expected[i]).max() <= 1e-5


@pytest.mark.parametrize('strategy', ['random', 'block'])
def test_training_draws_fresh_subsets_eval_one_fixed_subset(strategy):
    masking = TokenMasking(strategy, 0.6)
    cpu = torch.device('cpu')
    train = [masking.train()(2, (16, 12), cpu) for _ in range(2)]
    assert not torch.equal(train[0], train[1]) and not torch.equal(train[0][0], train[0][1])
    evals = [masking.eval()(b, (16, 12), cpu) for b in (1, 3, 3)]
    assert all(torch.equal(e[i], evals[0][0]) for e in evals for i in range(len(e)))
    assert evals[0].shape == (1, 115)  # int(192 * 0.6)


def test_published_tmpose_config_exports_with_the_tool(tmp_path, capsys):
    """The published TMPose-B random 0.6 setting (two encoder layers here, for speed) exports
    through tools/deploy/export_onnx.py and passes its onnxruntime check."""
    config = osp.join(CONFIGS, 'tmpose/coco/td-hm_tmpose-b-random0.6_4xb32-300e_coco-256x192.py')
    model = init_model(config, None, device='cpu', cfg_options={'model.arch.depth': 2})
    checkpoint = str(tmp_path / 'tmpose-b.pth')
    save_checkpoint({'state_dict': model.state_dict()}, checkpoint)
    tool = load_tool('deploy', 'export_onnx')
    code = tool.main([config, checkpoint, str(tmp_path / 'tmpose-b.onnx'), '--images', IMAGES[0],
                      '--cfg-options', 'model.arch.depth=2'])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert 'onnxruntime vs PyTorch on 1 real crops: max abs diff' in captured.out
    assert len(captured.out.splitlines()) <= 3 and len(captured.err.splitlines()) <= 3


class _GeneratorMasking(TokenMasking):
    """The former eval-mode selection: a seeded torch.Generator, which torch.onnx cannot export."""

    def forward(self, batch, grid, device):
        noise = torch.rand(batch, grid[0] * grid[1], generator=torch.Generator().manual_seed(0))
        return noise.argsort(dim=1)[:, :100].sort(dim=1).values.to(device)


def test_export_failure_is_one_short_line(tmp_path, capsys, monkeypatch):
    config = masked_t(tmp_path, MASKINGS['random'])
    model = init_model(config, None, device='cpu')
    model.neck.token_selection = _GeneratorMasking('random', 0.6)
    with pytest.raises(OnnxExportError) as error:
        export_onnx(model, str(tmp_path / 'x.onnx'))
    message = str(error.value)
    assert message.startswith(f'cannot export {config!r} to ONNX: torch.onnx failed at op ')
    assert 'prim::Constant' in message and '\n' not in message and len(message) < 500
    # the tool prints that line, not the graph
    checkpoint = str(tmp_path / 't.pth')
    save_checkpoint({'state_dict': model.state_dict()}, checkpoint)
    monkeypatch.setattr(TokenMasking, 'forward', _GeneratorMasking.forward)
    tool = load_tool('deploy', 'export_onnx')
    assert tool.main([config, checkpoint, str(tmp_path / 'y.onnx'), '--images', IMAGES[0]]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f'error: cannot export {config!r} to ONNX')
    assert len(captured.err.splitlines()) == 1 and 'graph(' not in captured.out + captured.err
