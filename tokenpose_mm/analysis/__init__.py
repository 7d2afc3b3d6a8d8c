"""Model analysis: complexity (exported here); the TokenPose paper's attention maps
(:mod:`.attention`) and their figures (:mod:`.attention_figures`, matplotlib)."""
from .complexity import Complexity, count_parameters, model_complexity, paper_flops, true_macs

__all__ = ["Complexity", "count_parameters", "model_complexity", "paper_flops", "true_macs"]
