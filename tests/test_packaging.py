"""A plain (not editable) install carries the configs and the model index: an installed config
trains and tests by its ``tokenpose_mm::`` name from another folder; the metafiles are the one
table of the variants, and the README's table is theirs."""
import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from tokenpose_mm import config_zoo
from tokenpose_mm.models import TOKENPOSE_ARCHS

from .conftest import COCO_TINY, CONFIGS, REPO

SAMPLE = 'tokenpose_mm::tokenpose/coco/td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py'
# one step of one epoch, the bundled data named explicitly (the installed copy of the sample
# config has no tests/data beside it)
DATA = (f'train_dataloader.dataset.dataset.data_root={COCO_TINY}/',
        f'val_dataloader.dataset.data_root={COCO_TINY}/',
        f'test_dataloader.dataset.data_root={COCO_TINY}/',
        f'val_evaluator.ann_file={COCO_TINY}/test_coco.json',
        f'test_evaluator.ann_file={COCO_TINY}/test_coco.json')
ONE_STEP = ('train_cfg.max_epochs=1', 'train_dataloader.dataset.times=1', 'randomness.seed=0')


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """``pip install --target`` of the checkout: a wheel build, as ``pip install .`` does (from
    a copy without build outputs, so that a stale ``build/`` cannot supply the files)."""
    source, target = tmp_path_factory.mktemp('source') / 'src', tmp_path_factory.mktemp('site')
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        '.venv', '.git', 'build', 'work_dirs', 'outputs', '*.egg-info', '__pycache__', '.mim'))
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation',
                    '--no-compile', '--quiet', '--target', str(target), str(source)],
                   check=True, capture_output=True, timeout=300)
    return target


def _run(installed, tmp_path, tool: str, *argv: str) -> subprocess.CompletedProcess:
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir(exist_ok=True)
    env = {**os.environ, 'PYTHONPATH': str(installed)}
    result = subprocess.run([sys.executable, os.path.join(REPO, 'tools', tool), *argv],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_wheel_carries_configs_and_model_index(installed):
    mim = installed / 'tokenpose_mm' / '.mim'
    shipped = {os.path.relpath(p, mim / 'configs')
               for p in glob.glob(str(mim / 'configs' / '**' / '*.*'), recursive=True)}
    ours = {os.path.relpath(p, CONFIGS)
            for p in glob.glob(os.path.join(CONFIGS, '**', '*.*'), recursive=True)
            if '__pycache__' not in p}
    assert shipped == ours and (mim / 'model-index.yml').is_file()
    env = {**os.environ, 'PYTHONPATH': str(installed)}
    code = ('import tokenpose_mm.config_zoo as z, os; print(z.__file__); '
            'print(z.CONFIG_ROOT); print(os.path.isfile(z.variant_config("b")))')
    lines = subprocess.run([sys.executable, '-c', code], env=env, cwd=str(installed.parent),
                           capture_output=True, text=True, check=True).stdout.split()
    assert lines == [str(installed / 'tokenpose_mm' / 'config_zoo.py'), str(mim / 'configs'),
                     'True']


def test_installed_config_trains_and_tests_by_its_package_name(installed, tmp_path):
    work = tmp_path / 'work'
    _run(installed, tmp_path, 'train.py', SAMPLE, '--work-dir', str(work), '--cfg-options',
         *DATA, *ONE_STEP)
    checkpoint = work / 'epoch_1.pth'
    assert checkpoint.is_file()
    result = _run(installed, tmp_path, 'test.py', SAMPLE, str(checkpoint), '--work-dir',
                  str(work), '--cfg-options', *DATA)
    assert re.search(r'coco/AP: [0-9.]+', result.stdout + result.stderr)


# config files under configs/ that are no models of the index (besides _base_/, which holds
# the recipes and MMDeploy's deploy config): the smoke-run configs of the bundled sample
NON_MODEL_CONFIGS = (
    'tokenpose/coco/td-hm_tokenpose-s-v1_1xb8-80e_coco-tiny-256x192.py',
    'tokenpose/coco/td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py',
)
# MMPose's metafile names of the training sets (OCHuman is a test set: trained on COCO)
TRAINING_DATA = ('COCO', 'MPII', 'COCO-WholeBody', 'CrowdPose', 'AI Challenger', 'OneHand10K',
                 'RHD', 'FreiHand', 'WFLW', '300W', 'COFW', 'AP-10K', 'Animal-Pose',
                 'MacaquePose', 'DeepFashion2')


def test_metafiles_index_every_model_config():
    """Every config under configs/ but _base_/ and NON_MODEL_CONFIGS has one model-index entry
    (a new config without one fails here), and every entry names an existing config."""
    assert set(config_zoo.VARIANTS) == set(TOKENPOSE_ARCHS)
    listed = [m.config for m in config_zoo.MODELS]
    assert len(set(listed)) == len(listed), 'a config is indexed twice'
    configs = {os.path.relpath(p, CONFIGS)
               for p in glob.glob(os.path.join(CONFIGS, '**', '*.py'), recursive=True)}
    configs = {c for c in configs if not c.startswith('_base_' + os.sep)}
    assert set(NON_MODEL_CONFIGS) <= configs, 'a listed non-model config does not exist'
    missing = configs - set(NON_MODEL_CONFIGS) - set(listed)
    assert not missing, f'configs without a model-index entry (configs/*/metafile.yml): ' \
        f'{sorted(missing)}'
    assert not set(listed) - configs, f'entries of no config: {sorted(set(listed) - configs)}'
    for m in config_zoo.MODELS:
        assert m.name == os.path.splitext(os.path.basename(m.config))[0]
        assert m.collection in ('TokenPose', 'TMPose') and m.training_data in TRAINING_DATA


@pytest.mark.parametrize('block, table', [('variant-table', config_zoo.variant_table),
                                          ('masking-table', config_zoo.masking_table)])
def test_readme_tables_are_the_metafiles(block, table):
    """The README's variant and TMPose tables are the model index's."""
    readme = open(os.path.join(REPO, 'README.md')).read()
    found = re.search(rf'<!-- {block}:start -->\n(.*?)<!-- {block}:end -->', readme, re.S)
    assert found, f'README.md has no <!-- {block}:start/end --> block'
    assert found.group(1) == table(), (
        f'README {block} differs from the metafiles: run '
        'python tools/analysis/variant_table.py --update-readme')


def test_mim_search_lists_the_installed_models(installed):
    """``mim search`` reads ``.mim/model-index.yml`` of the installed package (offline)."""
    mim = os.path.join(os.path.dirname(sys.executable), 'mim')
    result = subprocess.run([mim, 'search', 'tokenpose_mm'], capture_output=True, text=True,
                            env={**os.environ, 'PYTHONPATH': str(installed)}, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    listed = re.findall(r'config id: (\S+)', result.stdout)
    assert sorted(listed) == sorted(m.name for m in config_zoo.MODELS)
