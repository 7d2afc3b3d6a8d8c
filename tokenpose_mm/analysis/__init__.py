"""Model analysis: complexity."""
from .complexity import Complexity, count_parameters, model_complexity, paper_flops, true_macs

__all__ = ["Complexity", "count_parameters", "model_complexity", "paper_flops", "true_macs"]
