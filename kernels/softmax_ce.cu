// softmax_ce.cu -- fused softmax + cross-entropy from class indices, with ignore_index and label smoothing.
// Twins: gpugrad/kernels/softmax_ce.py (reference in plain xp, Numba CPU kernel, CuPy wrapper).
//
// Math, for one row x (C logits), target t, smoothing eps, q = (1 - eps) onehot(t) + eps / C:
//   m = max_c x_c,  ls = log sum_c e^(x_c - m),  log p_c = (x_c - m) - ls        (stable for any magnitude:
//   every exponent is <= 0, and x_c - m is formed before anything is added to it)
//   loss = -sum_c q_c log p_c = -(1 - eps) log p_t - eps / C * sum_c log p_c
//        = -(1 - eps) ((x_t - m) - ls) - eps / C * (sum_c (x_c - m) - C ls)
//   dloss/dx_c = g (p_c - q_c)   with p_c = e^((x_c - m) - ls)
//   rows with t == ignore_index have loss 0 and gradient 0; a target outside [0, C) (which the ops reject before
//   launching) gives NaN instead of a read out of bounds.
// Forward keeps (m, ls) per row -- 2 N values instead of the N x C log-probabilities -- for the backward.
//
// Launch schemes (block 256; grid-stride loops, grid capped at 32 * #SMs):
//   softmax_ce_fwd: one thread per row, two sweeps over its row (max, then the sums; the second sweep
//       hits L1). For narrow classifier heads (C < 128, e.g. 10 classes), where a block per row would idle.
//   softmax_ce_fwd_block: one block per row (grid-stride over rows), its threads striding over the columns
//       (coalesced), then shared-memory tree reductions of the max and of the two sums. For wide rows
//       (C >= 128, up to vocabulary sizes). Needs blockDim.x a power of two <= 256.
//   softmax_ce_bwd: one thread per element of the N x C gradient (coalesced reads and writes).
// Both forwards compute the same values in a different order of summation.

// one row's loss from its statistics (m, ls = log sum e^(x - m), zsum = sum (x - m)) and its target
template <typename T>
__device__ __forceinline__ T row_loss(const T* x, long long t, long long c, long long ignore_index, T eps, T m,
                                      T ls, T zsum) {
    if (t == ignore_index) return T(0);
    if (t < 0 || t >= c) return zsum * T(0) / T(0);    // NaN, not a read out of bounds
    return -(T(1) - eps) * ((x[t] - m) - ls) - eps / T(c) * (zsum - T(c) * ls);
}

template <typename T>
__global__ void softmax_ce_fwd(const T* __restrict__ logits, const long long* __restrict__ target,
                               T* loss, T* row_max, T* row_ls, long long n, long long c,
                               long long ignore_index, T eps) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long r = (long long)blockIdx.x * blockDim.x + threadIdx.x; r < n; r += stride) {
        const T* x = logits + r * c;
        T m = x[0];
        for (long long j = 1; j < c; ++j) m = x[j] > m ? x[j] : m;
        T s = T(0), zsum = T(0);
        for (long long j = 0; j < c; ++j) {
            T zj = x[j] - m;
            s += exp(zj);
            zsum += zj;
        }
        T ls = log(s);
        row_max[r] = m;
        row_ls[r] = ls;
        loss[r] = row_loss(x, target[r], c, ignore_index, eps, m, ls, zsum);
    }
}

template <typename T>
__global__ void softmax_ce_fwd_block(const T* __restrict__ logits, const long long* __restrict__ target,
                                     T* loss, T* row_max, T* row_ls, long long n, long long c,
                                     long long ignore_index, T eps) {
    __shared__ T red[2][256];
    const unsigned tid = threadIdx.x;
    for (long long r = blockIdx.x; r < n; r += gridDim.x) {
        const T* x = logits + r * c;
        T m = x[0];
        for (long long j = tid; j < c; j += blockDim.x) m = x[j] > m ? x[j] : m;
        red[0][tid] = m;
        __syncthreads();
        for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {      // tree reduction: max
            if (tid < s) red[0][tid] = red[0][tid + s] > red[0][tid] ? red[0][tid + s] : red[0][tid];
            __syncthreads();
        }
        m = red[0][0];
        __syncthreads();                                        // everyone has read m before red is reused
        T s_exp = T(0), zsum = T(0);
        for (long long j = tid; j < c; j += blockDim.x) {
            T zj = x[j] - m;
            s_exp += exp(zj);
            zsum += zj;
        }
        red[0][tid] = s_exp;
        red[1][tid] = zsum;
        __syncthreads();
        for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {      // tree reduction: both sums
            if (tid < s) {
                red[0][tid] += red[0][tid + s];
                red[1][tid] += red[1][tid + s];
            }
            __syncthreads();
        }
        if (tid == 0) {
            T ls = log(red[0][0]);
            row_max[r] = m;
            row_ls[r] = ls;
            loss[r] = row_loss(x, target[r], c, ignore_index, eps, m, ls, red[1][0]);
        }
        __syncthreads();                                        // red is reused by the next row
    }
}

template <typename T>
__global__ void softmax_ce_bwd(const T* __restrict__ logits, const long long* __restrict__ target,
                               const T* __restrict__ row_max, const T* __restrict__ row_ls,
                               const T* __restrict__ g, T* dx, long long n, long long c,
                               long long ignore_index, T eps) {
    long long total = n * c;
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        long long r = i / c;
        long long j = i - r * c;
        long long t = target[r];
        if (t == ignore_index) {
            dx[i] = T(0);
        } else if (t < 0 || t >= c) {
            dx[i] = g[r] * T(0) / T(0);        // NaN, as the loss
        } else {
            T p = exp((logits[i] - row_max[r]) - row_ls[r]);
            T q = eps / T(c) + (j == t ? T(1) - eps : T(0));
            dx[i] = g[r] * (p - q);
        }
    }
}
