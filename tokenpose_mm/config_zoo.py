"""The configs of the package and their model index: the one table of the variants.

The configs sit in ``tokenpose_mm/.mim/configs`` of an installed wheel (copied there by
``setup.py``, as MMPose ships its own) and in ``configs/`` beside the package in a checkout or an
editable install. ``configs/*/metafile.yml`` (MMPose's model-index format, listed by the root
``model-index.yml``) names each model's config, paper, parameters, GFLOPs and published AP; the
variant -> config map, the README's variant table, the complexity tool and the tests read it here.
"""
import importlib.util
import os.path as osp
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

import yaml

PACKAGE_DIR = osp.dirname(osp.abspath(__file__))
INSTALLED_CONFIGS = osp.join(PACKAGE_DIR, '.mim', 'configs')  # a wheel install
CHECKOUT_CONFIGS = osp.join(osp.dirname(PACKAGE_DIR), 'configs')  # a checkout, `pip install -e .`


def config_root() -> str:
    """The folder that holds the configs: the installed copy, else the checkout's ``configs/``.

    Raises:
        FileNotFoundError: neither exists (a wheel built without its configs).
    """
    for root in (INSTALLED_CONFIGS, CHECKOUT_CONFIGS):
        if osp.isdir(root):
            return root
    raise FileNotFoundError(f'tokenpose_mm configs not found: neither {INSTALLED_CONFIGS} (a '
                            f'wheel install) nor {CHECKOUT_CONFIGS} (a checkout) exists')


CONFIG_ROOT = config_root()


def package_config_folders(package: str) -> Tuple[str, ...]:
    """The folders where ``package::REL`` is looked up, in order: for tokenpose_mm its config
    root (installed or checkout); for another package, found where Python imports it from (an
    editable install too, which MMEngine's ``get_installed_path`` misses), its ``.mim/configs``,
    ``configs`` and ``.mim`` (MMPose's ``demo/`` files).

    Raises:
        FileNotFoundError: the package is not installed.
    """
    if package == 'tokenpose_mm':
        return (config_root(), )
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f'package {package!r} is not installed')
    root = list(spec.submodule_search_locations)[0]
    return (osp.join(root, '.mim', 'configs'), osp.join(root, 'configs'), osp.join(root, '.mim'))


@dataclass(frozen=True)
class ModelEntry:
    """One model of a metafile: ``config`` is relative to :data:`CONFIG_ROOT`; ``params`` counts
    every tensor (the fixed sine table too), ``gflops`` is the paper's counter, ``gmacs`` the true
    multiply-accumulates, ``ap`` the published COCO val2017 AP (a fraction) or None.
    ``gflops_t`` and ``transformer_gmacs`` are those counts over the neck and head (TMPose's
    GFLOPsT), where the metafile gives them; a TMPose model names its ``unmasked`` model and its
    ``token_masking`` setting in words."""
    name: str
    collection: str
    config: str
    variant: Optional[str]
    training_data: str
    architecture: Tuple[str, ...]
    params: int
    gflops: float
    gmacs: float
    ap: Optional[float]
    gflops_t: Optional[float] = None
    transformer_gmacs: Optional[float] = None
    unmasked: Optional[str] = None
    token_masking: Optional[str] = None


def _optional_float(meta: dict, key: str) -> Optional[float]:
    return None if meta.get(key) is None else float(meta[key])


def _entry(model: dict, metafile: str) -> ModelEntry:
    try:
        meta = model['Metadata']
        config = model['Config']
        prefix = 'configs/'
        if not config.startswith(prefix):
            raise ValueError(f'Config {config!r} does not start with {prefix!r}')
        ap = None
        for result in model.get('Results') or []:
            if result['Dataset'] == 'COCO' and 'AP' in result['Metrics']:
                ap = float(result['Metrics']['AP'])
        return ModelEntry(model['Name'], model['In Collection'], config[len(prefix):],
                          meta.get('Variant'), meta['Training Data'],
                          tuple(meta['Architecture']), int(meta['Parameters']),
                          float(meta['GFLOPs']), float(meta['GMACs']), ap,
                          _optional_float(meta, 'GFLOPsT'),
                          _optional_float(meta, 'Transformer GMACs'),
                          meta.get('Unmasked'), meta.get('Token Masking'))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f'{metafile}: model {model.get("Name", "?")!r} is not a complete '
                         f'model-index entry ({type(e).__name__}: {e})') from None


def read_model_index(root: str = CONFIG_ROOT) -> Tuple[ModelEntry, ...]:
    """Every model of every ``metafile.yml`` that ``model-index.yml`` imports, in file order.

    The index is the one beside the configs' folder (``.mim/model-index.yml`` of a wheel, the
    checkout's root file otherwise).
    """
    index = osp.join(osp.dirname(root), 'model-index.yml')
    with open(index) as f:
        imports = yaml.safe_load(f)['Import']
    entries = []
    for rel in imports:
        path = osp.join(osp.dirname(root), rel)
        with open(path) as f:
            entries += [_entry(m, path) for m in yaml.safe_load(f)['Models']]
    return tuple(entries)


MODELS: Tuple[ModelEntry, ...] = read_model_index()
# variant (tokenpose_mm.models.TOKENPOSE_ARCHS name) -> its model-index entry
VARIANTS: Mapping[str, ModelEntry] = MappingProxyType(
    {m.variant: m for m in MODELS if m.variant is not None})
VARIANT_CONFIGS: Mapping[str, str] = MappingProxyType(
    {name: m.config for name, m in VARIANTS.items()})


def variant_config(name: str) -> str:
    """Absolute path of the config of variant ``name`` (a clear error for an unknown one)."""
    if name not in VARIANT_CONFIGS:
        raise KeyError(f'unknown TokenPose variant {name!r}; '
                       f'expected one of {sorted(VARIANT_CONFIGS)}')
    return osp.join(CONFIG_ROOT, VARIANT_CONFIGS[name])


def variant_table() -> str:
    """The README's variant table (Markdown) from the model index, one row per variant."""
    lines = ['| variant | config | params | GMACs (true) | GFLOPs (paper\'s counter) | '
             'COCO val2017 AP (paper) |',
             '| --- | --- | ---: | ---: | ---: | ---: |']
    for name, m in VARIANTS.items():
        ap = '-' if m.ap is None else f'{100 * m.ap:.1f}'
        lines.append(f'| {name} | `{osp.splitext(osp.basename(m.config))[0]}` | {m.params:,} | '
                     f'{m.gmacs:.2f} | {m.gflops:.3f} | {ap} |')
    return '\n'.join(lines) + '\n'


def _display(variant: str) -> str:
    return 'TokenPose-' + variant.upper().replace('L-D', 'L/D').replace('-MPII', ' (MPII)')


def masking_table() -> str:
    """The README's TMPose table (Markdown) from the model index: each unmasked model, then its
    TMPose models, with the transformer's counts (paper's GFLOPsT, true GMACs) and their cut."""
    by_name = {m.name: m for m in MODELS}
    lines = ["| model | GFLOPsT (paper's counter, neck + head) | transformer GMACs (true) |",
             '| --- | ---: | ---: |']
    masked = [m for m in MODELS if m.unmasked is not None]
    for base_name in dict.fromkeys(m.unmasked for m in masked):
        base = by_name.get(base_name)
        if base is None or base.variant is None:
            raise ValueError(f'TMPose models name {base_name!r} as their unmasked model, which is '
                             f'no variant of the model index')
        for m in (base, *(m for m in masked if m.unmasked == base_name)):
            if m.gflops_t is None or m.transformer_gmacs is None:
                raise ValueError(f'model {m.name!r} of the model index has no GFLOPsT and '
                                 f'Transformer GMACs (its TMPose table row needs both)')
        lines.append(f'| {_display(base.variant)} | {base.gflops_t:.3f} | '
                     f'{base.transformer_gmacs:.2f} |')
        for m in (m for m in masked if m.unmasked == base_name):
            cut_f = 100 * (m.gflops_t / base.gflops_t - 1)
            cut_m = 100 * (m.transformer_gmacs / base.transformer_gmacs - 1)
            lines.append(f"| {_display(base.variant).replace('TokenPose', 'TMPose')}, "
                         f'{m.token_masking} | {m.gflops_t:.3f} ({cut_f:+.1f}%) | '
                         f'{m.transformer_gmacs:.2f} ({cut_m:+.1f}%) |')
    return '\n'.join(lines) + '\n'
