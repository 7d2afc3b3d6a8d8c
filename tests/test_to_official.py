"""Our checkpoints convert back into the official TokenPose layout, exactly."""
import os

import pytest
import torch

from tokenpose_mm.config_zoo import VARIANT_CONFIGS
from tokenpose_mm.converters import (CheckpointMismatchError, convert_official_state_dict,
                                     official_state_dict, rename_official_key,
                                     to_official_state_dict)
from tokenpose_mm.utils import load_checkpoint_file

from .conftest import build_model, config_path, converted_s_v1, load_tool, reference
from .test_official_equivalence import FIXTURES


@pytest.mark.parametrize('fixture', sorted(FIXTURES))
def test_official_to_ours_to_official_is_exact(fixture):
    """The fixture's keys are the official model class's state_dict keys (saved by the official
    code): the round trip gives exactly them, with bit-identical values (B is stored in float16;
    ours holds the lossless float32 upcast, which casts back to the same bits)."""
    arch, overrides = FIXTURES[fixture]
    official = official_state_dict(load_checkpoint_file(reference(f'{fixture}.pth')))
    ours = convert_official_state_dict(official, build_model(arch, overrides), arch)
    back = to_official_state_dict(ours)
    assert set(back) == set(official)
    for key, value in official.items():
        assert back[key].shape == value.shape, key
        assert torch.equal(back[key].to(value.dtype), value), key
        assert torch.equal(back[key], value.to(back[key].dtype)), key


@pytest.mark.parametrize('variant', sorted(VARIANT_CONFIGS))
def test_every_variant_has_the_official_layout(variant):
    """Each variant (one layer per stack: the names do not depend on the depth) maps onto the
    official names of its model class and back onto every key of ours."""
    model = build_model(variant, {'model.arch.depth': 1})
    state = model.state_dict()
    official = to_official_state_dict(state)
    assert {rename_official_key(k) for k in official} == set(state)
    prefixes = {k.split('.')[0] for k in official}
    stacks = {k.split('.')[1] for k in official if '.layers.' in k}
    expected = {  # DESIGN.md "Official checkpoint key layout"
        't': ({'transformer'}, {'transformer'}),
        's-v1': ({'features'}, {'transformer'}), 's-v2': ({'features'}, {'transformer'}),
        'b': ({'transformer', 'pre_feature'}, {'transformer'}),
    }.get(variant, ({'transformer', 'pre_feature'}, {'transformer1', 'transformer2',
                                                      'transformer3'}))
    assert (prefixes, stacks) == expected


def test_cli_writes_official_file_and_refuses_to_overwrite_its_input(tmp_path, capsys):
    config, ours, _ = converted_s_v1(tmp_path)
    out = tmp_path / 'final_state.pth'
    main = load_tool('', 'convert_official_checkpoint').main
    assert main(['--to-official', config, ours, str(out)]) == 0
    written = torch.load(out, weights_only=True)  # a flat state dict, as the official code saves
    official = official_state_dict(load_checkpoint_file(reference('tokenpose_s_v1_depth3.pth')))
    assert set(written) == set(official)
    assert all(torch.equal(written[k], v) for k, v in official.items())

    link = tmp_path / 'link.pth'
    link.symlink_to(ours)
    before = open(ours, 'rb').read()
    capsys.readouterr()
    for dst in (ours, str(link), os.path.join(str(tmp_path), '.', 'converted.pth')):
        assert main(['--to-official', config, ours, dst]) == 1, dst
        err = capsys.readouterr().err
        assert 'is the input' in err and 'another file' in err, err
    assert main([config, str(out), str(out)]) == 1  # the other direction too
    assert 'is the input' in capsys.readouterr().err
    assert open(ours, 'rb').read() == before


def test_checkpoint_of_another_variant_is_refused(tmp_path, capsys):
    _, ours, _ = converted_s_v1(tmp_path)
    main = load_tool('', 'convert_official_checkpoint').main
    assert main(['--to-official', config_path('b'), ours, str(tmp_path / 'out.pth')]) == 1
    assert 'missing in the checkpoint: backbone.transition1' in capsys.readouterr().err
    assert not (tmp_path / 'out.pth').exists()


def test_keys_without_official_name_are_listed():
    state = build_model('t', {'model.arch.depth': 1}).state_dict()
    state['neck.extra.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError, match=r'no official TokenPose name for 1 '
                       r'tensors of the checkpoint: neck\.extra\.weight'):
        to_official_state_dict(state)
