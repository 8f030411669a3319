"""The layers of gpugrad.nn, by family."""
from .linear import Identity, Linear, Flatten
from .containers import Sequential, ModuleList, ModuleDict
from .activation import ReLU, LeakyReLU, ELU, GELU, SiLU, Tanh, Sigmoid, Softplus, Softmax, LogSoftmax
from .activation_more import (ReLU6, Hardtanh, Hardsigmoid, Hardswish, Mish, SELU, CELU, LogSigmoid, Softsign,
                              Softshrink, Hardshrink, Tanhshrink, Threshold, Softmin, GLU, PReLU, RReLU, Softmax2d)
from .dropout import Dropout
from .normalization import BatchNorm1d, LayerNorm
from .sync_batchnorm import SyncBatchNorm
from .loss import (MSELoss, L1Loss, HuberLoss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, BCELoss,
                   BCEWithLogitsLoss)
from .mlp import MLP
from .embedding import Embedding, EmbeddingBag
from .distance import CosineSimilarity, PairwiseDistance
from .loss_more import (KLDivLoss, GaussianNLLLoss, PoissonNLLLoss, MarginRankingLoss, HingeEmbeddingLoss,
                        CosineEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, MultiLabelMarginLoss,
                        MultiMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss)

__all__ = ["Identity", "Linear", "Flatten", "Sequential", "ModuleList", "ModuleDict", "ReLU", "LeakyReLU", "ELU",
           "GELU", "SiLU", "Tanh", "Sigmoid", "Softplus", "Softmax", "LogSoftmax", "Dropout", "BatchNorm1d",
           "SyncBatchNorm", "LayerNorm", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "CrossEntropyLoss",
           "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MLP", "Embedding", "EmbeddingBag"]
__all__ += ["CosineSimilarity", "PairwiseDistance", "KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss",
            "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "SoftMarginLoss",
            "MultiLabelSoftMarginLoss", "MultiLabelMarginLoss", "MultiMarginLoss", "TripletMarginLoss",
            "TripletMarginWithDistanceLoss"]

# general-purpose layers beyond the basics: parameter containers, more normalization and dropout, lazy layers
from .container_params import ParameterList, ParameterDict
from .linear_more import Bilinear, LazyLinear, Unflatten
from .normalization_more import RMSNorm, GroupNorm, InstanceNorm1d
from .dropout_more import Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout

__all__ += ["ParameterList", "ParameterDict", "Bilinear", "LazyLinear", "Unflatten", "RMSNorm", "GroupNorm",
            "InstanceNorm1d", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]
__all__ += ["ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish", "Mish", "SELU", "CELU", "LogSigmoid", "Softsign",
            "Softshrink", "Hardshrink", "Tanhshrink", "Threshold", "Softmin", "GLU", "PReLU", "RReLU", "Softmax2d"]

from .conv import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d,  # noqa: E402
                   LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d)

__all__ += ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "LazyConv1d",
            "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d"]
from .fold import Unfold, Fold  # noqa: E402

__all__ += ["Unfold", "Fold"]
from .normalization_nd import (BatchNorm2d, BatchNorm3d, InstanceNorm2d, InstanceNorm3d, LazyBatchNorm1d,  # noqa: E402
                               LazyBatchNorm2d, LazyBatchNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d,
                               LazyInstanceNorm3d, LocalResponseNorm, Container, UninitializedBuffer)

__all__ += ["BatchNorm2d", "BatchNorm3d", "InstanceNorm2d", "InstanceNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
            "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
            "LocalResponseNorm", "Container", "UninitializedBuffer"]

from . import module  # noqa: E402,F401  (PyTorch's torch.nn.modules.module path: Module and the global hooks)

# attention and the Transformer layers
from .attention import MultiheadAttention  # noqa: E402
__all__ += ["MultiheadAttention"]
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder,  # noqa: E402
                          TransformerEncoderLayer, TransformerDecoderLayer)
__all__ += ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
            "TransformerDecoderLayer"]
# recurrent layers and their cells
from .rnn_cells import RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: E402
from .rnn import RNNBase, RNN, LSTM, GRU  # noqa: E402

__all__ += ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNN", "LSTM", "GRU"]
# pooling layers (pooling.py)
from .pooling import (MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d,  # noqa: E402
                      LPPool2d, LPPool3d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d,
                      AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)

__all__ += ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "LPPool1d", "LPPool2d",
            "LPPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
            "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]

# padding layers (padding.py)
from .padding import (ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d,  # noqa: E402
                      ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d,
                      ReplicationPad3d, CircularPad1d, CircularPad2d, CircularPad3d)

__all__ += ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
            "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
            "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]

# resampling and rearranging layers (upsampling.py)
from .upsampling import (Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle,  # noqa: E402
                         PixelUnshuffle, ChannelShuffle)

__all__ += ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
            "ChannelShuffle"]
from .loss_ctc import CTCLoss  # noqa: E402
__all__ += ["CTCLoss"]
from .loss import NLLLoss2d  # noqa: E402
__all__ += ["NLLLoss2d"]
from .adaptive import AdaptiveLogSoftmaxWithLoss  # noqa: E402
__all__ += ["AdaptiveLogSoftmaxWithLoss"]
from .pooling_fractional import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402
__all__ += ["FractionalMaxPool2d", "FractionalMaxPool3d"]
