"""Official checkpoints convert strictly and reproduce the official outputs within 1e-4."""
import subprocess
import sys

import pytest
import torch
import yaml
from mmpose.registry import MODELS

from tokenpose_mm.converters import (CheckpointMismatchError, convert_official_state_dict,
                                     official_state_dict, rename_official_key)
from tokenpose_mm.utils import load_checkpoint_file

from .conftest import REPO, build_model, config_path, reference

FIXTURES = {  # fixture -> (our variant, overrides matching the fixture's lowered depth)
    'tokenpose_s_v1_depth3': ('s-v1', {'model.arch.depth': 3}),
    'tokenpose_b_depth3': ('b', {'model.arch.depth': 3}),
}


@pytest.mark.parametrize('fixture', sorted(FIXTURES))
def test_converted_checkpoint_reproduces_official_output(fixture, tmp_path):
    arch, overrides = FIXTURES[fixture]
    out = tmp_path / 'converted.pth'
    cmd = [sys.executable, f'{REPO}/tools/convert_official_checkpoint.py', config_path(arch),
           reference(f'{fixture}.pth'), str(out), '--cfg-options',
           *[f'{k}={v}' for k, v in overrides.items()]]
    subprocess.run(cmd, check=True, cwd=REPO)
    # load the converted file through MMPose's init_model (weights-only under torch 2.13)
    model = build_model(arch, overrides, checkpoint=str(out)).eval()
    io = torch.load(reference(f'{fixture}_io.pt'), weights_only=True)
    with torch.no_grad():
        heatmaps = model(io['input'], None, mode='tensor')
    assert heatmaps.shape == io['output'].shape
    assert (heatmaps - io['output']).abs().max() < 1e-4


@pytest.mark.parametrize('fixture', sorted(FIXTURES))
def test_fresh_sine_table_equals_the_official_one(fixture):
    """Our neck, built fresh (no weights loaded), holds the official model's fixed sine table."""
    arch, _ = FIXTURES[fixture]
    official = official_state_dict(load_checkpoint_file(reference(f'{fixture}.pth')))
    table, = (v for k, v in official.items() if k.endswith('.pos_embedding'))
    with open(reference(f'{fixture}.yaml')) as f:
        pos_encoding = yaml.safe_load(f)['MODEL']['POS_EMBEDDING_TYPE']
    neck = MODELS.build(dict(type='TokenPoseNeck', arch=dict(name=arch, depth=3),
                             pos_encoding=pos_encoding))
    neck.init_weights()
    ours = neck.pos_embedding.detach()
    assert (pos_encoding, ours.shape, ours.dtype) == ('sine-full', table.shape, torch.float32)
    if table.dtype == torch.float32:  # S-v1: bit-exact (so also within 1e-6)
        assert torch.equal(ours, table)
    else:  # B stores float16: ours rounds to exactly the stored values
        assert table.dtype == torch.float16 and torch.equal(ours.half(), table)


def test_checkpoint_pth_with_module_prefix(tmp_path):
    official = load_checkpoint_file(reference('tokenpose_s_v1_depth3.pth'))
    wrapped = {'epoch': 3, 'perf': 0.5,
               'state_dict': {'module.' + k: v for k, v in official.items()},
               'best_state_dict': official}
    model = build_model('s-v1', {'model.arch.depth': 3})
    state = convert_official_state_dict(official_state_dict(wrapped), model, 's-v1')
    assert torch.equal(state['neck.keypoint_tokens'], official['features.keypoint_token'])


def test_l_keys_map_to_three_stacks():
    assert rename_official_key('transformer.transformer3.layers.1.0.fn.fn.to_qkv.weight') == \
        'neck.stacks.2.layers.1.attn.qkv.weight'
    assert rename_official_key('transformer.transformer.layers.0.1.fn.fn.net.3.bias') == \
        'neck.stacks.0.layers.0.ffn.fc2.bias'
    assert rename_official_key('pre_feature.stage3.3.fuse_layers.0.1.0.weight') == \
        'backbone.stage3.3.fuse_layers.0.1.0.weight'


def test_wrong_variant_names_every_problem():
    official = official_state_dict(load_checkpoint_file(reference('tokenpose_b_depth3.pth')))
    model = build_model('s-v1', {'model.arch.depth': 3})
    with pytest.raises(CheckpointMismatchError) as e:
        convert_official_state_dict(official, model, 's-v1')
    msg = str(e.value)
    assert "arch 's-v1'" in msg
    assert 'not in the model: backbone.transition1' in msg  # B's HRNet stages
    assert 'shape mismatch: neck.patch_embed.weight: checkpoint (192, 384) vs model (192, 3072)' in msg


def test_deeper_model_reports_missing_layers():
    official = official_state_dict(load_checkpoint_file(reference('tokenpose_s_v1_depth3.pth')))
    model = build_model('s-v1', {'model.arch.depth': 4})
    with pytest.raises(CheckpointMismatchError, match=r'missing in the checkpoint: neck.stacks.0.layers.3'):
        convert_official_state_dict(official, model, 's-v1')


def test_unknown_official_keys_and_non_checkpoints():
    model = build_model('s-v1', {'model.arch.depth': 3})
    official = official_state_dict(load_checkpoint_file(reference('tokenpose_s_v1_depth3.pth')))
    official['features.extra_thing.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError, match='unknown official keys: features.extra_thing'):
        convert_official_state_dict(official, model, 's-v1')
    with pytest.raises(CheckpointMismatchError, match='is a dict, got list'):
        official_state_dict([1, 2])
    with pytest.raises(CheckpointMismatchError, match='no state dict of tensors'):
        official_state_dict({'epoch': 3})


def test_converter_cli_reports_errors(tmp_path):
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'not a checkpoint')
    result = subprocess.run(
        [sys.executable, f'{REPO}/tools/convert_official_checkpoint.py', config_path('b'),
         str(bad), str(tmp_path / 'out.pth')], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1
    assert 'truncated, corrupt or not a torch checkpoint' in result.stderr
    assert not (tmp_path / 'out.pth').exists()
