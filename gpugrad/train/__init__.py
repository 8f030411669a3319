"""Training tools: the fit loop and its history, convergence plots, gradient health, the learning-rate range
test, loss along a line in parameter space, the random-label check and hyperparameter sweeps."""
from .history import History
from .metrics import Metric, Accuracy, MeanSquaredError, MeanAbsoluteError, R2Score, get_metric
from .loop import fit, evaluate, Callback, EarlyStopping, TerminateOnNaN, TrainState, grad_norm
from .plots import (plot_convergence, plot_lr_find, plot_interpolation, plot_gradient_health, plot_sweep,
                    divergence_epoch)
from .health import GradientHealth
from .checkpoint import save_checkpoint, load_checkpoint, Checkpoint, CheckpointMismatch
from .tensorboard import TensorBoardLogger
from .lr_finder import lr_find, LRFinderResult, snapshot, restore
from .interpolation import interpolate, InterpolationResult
from .experiments import (random_label_check, summarize_random_labels, sweep, log_grid, pow2_grid,
                          format_table, epochs_to_reach)

__all__ = ["History", "Metric", "Accuracy", "MeanSquaredError", "MeanAbsoluteError", "R2Score", "get_metric",
           "fit", "evaluate", "Callback", "EarlyStopping", "TrainState", "grad_norm", "plot_convergence",
           "plot_lr_find", "plot_interpolation", "plot_gradient_health", "GradientHealth", "lr_find",
           "LRFinderResult", "snapshot", "restore", "interpolate", "InterpolationResult", "random_label_check",
           "summarize_random_labels", "sweep", "log_grid", "pow2_grid", "format_table", "epochs_to_reach",
           "save_checkpoint", "load_checkpoint", "Checkpoint", "CheckpointMismatch", "TensorBoardLogger", "plot_sweep",
           "divergence_epoch", "TerminateOnNaN"]
