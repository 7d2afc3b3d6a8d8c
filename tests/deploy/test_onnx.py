"""ONNX export: image crops -> heatmaps with a dynamic batch, checked with onnxruntime against
PyTorch on real preprocessed sample images; a mismatch fails loudly."""
import json
import os.path as osp

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from tokenpose_mm.deploy import OnnxMismatchError, export_onnx, sample_inputs, verify_onnx

from ..conftest import COCO_TINY, MPII_TINY, converted_s_v1, run_tool


@pytest.fixture(scope='module')
def pose(tmp_path_factory):
    return converted_s_v1(tmp_path_factory.mktemp('onnx'))


def export_tool(*argv) -> int:
    return run_tool('deploy', 'export_onnx', argv)


def test_tool_exports_and_matches_pytorch_on_real_images(pose, tmp_path, capsys):
    out = tmp_path / 'tokenpose.onnx'
    assert export_tool(pose[0], pose[1], out, '--images', COCO_TINY) == 0
    printed = capsys.readouterr().out
    assert 'onnxruntime vs PyTorch on 4 real crops: max abs diff' in printed
    diff = float(printed.split('max abs diff ')[1].split()[0])
    assert diff <= 1e-4
    proto = onnx.load(str(out))
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta['mean']) == [123.675, 116.28, 103.53]
    assert meta['channel_order'] == 'rgb' and json.loads(meta['input_size_hw']) == [256, 192]
    assert json.loads(meta['keypoint_names'])[16] == 'right_ankle'
    batch = proto.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param == 'batch'


def test_dynamic_batch_and_mpii_crops(pose, tmp_path):
    model = pose[2]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    out = export_onnx(model, str(tmp_path / 'm.onnx'))
    # exporting leaves the model as it was: eval mode, BatchNorm statistics untouched
    assert not any(m.training for m in model.modules())
    assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())
    images = [osp.join(MPII_TINY, n) for n in ('004645041.jpg', '051423444.jpg')]
    inputs = sample_inputs(model, images, [[[20, 10, 300, 400], [50, 60, 200, 300]], None])
    assert inputs.shape == (3, 3, 256, 192)
    # the crops are the test pipeline's: normalised RGB, roughly zero-mean
    assert -2.5 < float(inputs.mean()) < 2.5 and float(inputs.std()) > 0.3
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    for n in (1, 3):
        (got, ) = session.run(None, {'input': inputs[:n].numpy()})
        with torch.no_grad():
            expected = model(inputs[:n], None, mode='tensor').numpy()
        assert got.shape == (n, 17, 64, 48)
        assert np.abs(got - expected).max() <= 1e-4


def test_mismatch_fails_loudly(pose, tmp_path, capsys):
    model = pose[2]
    out = export_onnx(model, str(tmp_path / 'm.onnx'))
    inputs = sample_inputs(model, [osp.join(COCO_TINY, '000000000785.jpg')])
    assert verify_onnx(out, model, inputs) <= 1e-4
    with torch.no_grad():
        model.head.mlp[-1].bias.add_(1e-2)
    try:
        with pytest.raises(OnnxMismatchError, match=r'differ by up to 0.01 \(tolerance 0.0001\)'):
            verify_onnx(out, model, inputs)
    finally:
        with torch.no_grad():
            model.head.mlp[-1].bias.sub_(1e-2)
    assert export_tool(pose[0], pose[1], tmp_path / 'x.onnx', '--images',
                       tmp_path / 'nothing') == 1
    assert "input not found: '" in capsys.readouterr().err
