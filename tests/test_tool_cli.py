"""Every tool that takes ``--cfg-options`` parses it with ``CfgOptionsAction``: a malformed item
is an argparse error naming it, before anything loads (never MMEngine's traceback)."""
import pytest

from .conftest import load_tool

TOOLS = [  # (folder under tools/, script, positional arguments)
    ('', 'train', ['CONFIG']),
    ('', 'test', ['CONFIG', 'CKPT']),
    ('', 'main_job', []),
    ('', 'convert_official_checkpoint', ['CONFIG', 'SRC', 'DST']),
    ('demo', 'topdown_demo', ['CONFIG', 'CKPT', 'INPUT']),
    ('deploy', 'export_onnx', ['CONFIG', 'CKPT', 'OUT.onnx']),
    ('analysis', 'attention_maps', ['CONFIG', 'CKPT', 'IMAGE']),
    ('analysis', 'complexity', ['t']),
    ('analysis', 'compare', ['t']),
]


@pytest.mark.parametrize('folder,name,positional', TOOLS, ids=[t[1] for t in TOOLS])
@pytest.mark.parametrize('item,message', [('k', "'k' is not KEY=VALUE"),
                                          ('k=[1,2', 'unbalanced brackets')])
def test_malformed_cfg_options_is_a_named_argparse_error(folder, name, positional, item, message,
                                                          capsys):
    tool = load_tool(folder, name)
    with pytest.raises(SystemExit) as exit_info:
        tool.main([*positional, '--cfg-options', item])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    assert 'argument --cfg-options: ' in err and message in err, err
