"""Data: datasets, the DataLoader, data sets (digits, MNIST, synthetic) and standardization.

>>> import gpugrad as gg
>>> from gpugrad.data import TensorDataset, DataLoader, xor
>>> X, y = xor(64, seed=0)
>>> loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, seed=0)
>>> len(loader), sum(len(xb) for xb, yb in loader)
(4, 64)
"""
from .dataset import (Dataset, IterableDataset, TensorDataset, ConcatDataset, StackDataset, ChainDataset, Subset,
                      random_split, as_generator)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
                      BatchSampler)
from .loader import DataLoader, default_collate, default_convert, get_worker_info
from .distributed import DistributedSampler
from .transforms import Standardizer, standardize
from .datasets import (digits, mnist, read_idx, write_idx, two_spirals, xor, regression, load, DataBundle,
                       DATASETS, MNIST_FILES, download, default_cache_dir)
from .tabular import load_csv, load_npz, load_arrays, load_file

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "StackDataset", "ChainDataset",
           "Subset", "random_split",
           "as_generator", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler", "DataLoader", "default_collate",
           "default_convert",
           "get_worker_info", "Standardizer", "standardize", "digits", "mnist", "read_idx", "write_idx",
           "two_spirals", "xor", "regression", "load", "DataBundle", "DATASETS", "MNIST_FILES", "download",
           "default_cache_dir", "load_csv", "load_npz", "load_arrays", "load_file"]
