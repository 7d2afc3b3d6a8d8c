from .positional_encoding import sine_positional_encoding
from .transformer import Attention, EncoderLayer, FeedForward, TransformerStack

__all__ = [
    'Attention', 'EncoderLayer', 'FeedForward', 'TransformerStack', 'sine_positional_encoding'
]
from .token_masking import (AttentionPruning, TokenMasking, build_token_selection,
                            gather_tokens)

__all__ += ['AttentionPruning', 'TokenMasking', 'build_token_selection', 'gather_tokens']
