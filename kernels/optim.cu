// optim.cu -- fused, in-place optimizer steps over flat contiguous 1-D buffers: one launch updates every
// parameter of a (device, dtype) group, its gradient and all its optimizer state.
// Twins: gpugrad/kernels/optim.py (reference in plain xp with the same signatures, Numba CPU kernels, CuPy
// wrappers). The formulas are exactly torch.optim's (single-tensor form); g = -grad when maximize.
//
// Launch scheme: 1-D grid-stride loops; block = 256, grid = min(ceil(n / 256), 32 * #SMs); 64-bit indices.
// Scalars that combine hyper-parameters (1 - beta, lr / (1 - beta1^step), ...) are computed once on the host
// in double precision and passed already rounded to T, exactly as the reference sees them. Buffers an option
// does not use are null pointers and are never touched.
//
//   sgd_step:     g += wd p;  if momentum: buf = first ? g : momentum buf + (1 - dampening) g;
//                 g = nesterov ? g + momentum buf : buf;   p -= lr g
//   adam_step:    AdamW (decoupled): p *= 1 - lr wd,  else g += wd p;
//                 m += (1 - b1)(g - m);  v = b2 v + (1 - b2) g^2;  vmax = max(vmax, v) if amsgrad;
//                 p -= (lr / (1 - b1^t)) m / (sqrt(v or vmax) / sqrt(1 - b2^t) + eps)
//   rmsprop_step: g += wd p;  v = alpha v + (1 - alpha) g^2;  centered: ga += (1 - alpha)(g - ga), d = sqrt(v - ga^2)
//                 else d = sqrt(v);  d += eps;  momentum: buf = momentum buf + g / d, p -= lr buf;  else p -= lr g / d
//   adagrad_step: g += wd p;  s = (t == 1 ? init : s) + g^2;  p -= (lr / (1 + (t - 1) lr_decay)) g / (sqrt(s) + eps)
//   fill:         x = value (zeroing flat gradient buffers in one launch)

template <typename T>
__global__ void sgd_step(T* __restrict__ p, const T* __restrict__ grad, T* __restrict__ buf, long long n,
                         T lr, T momentum, T one_minus_dampening, T weight_decay, int nesterov, int maximize,
                         int first_step) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T g = maximize ? -grad[i] : grad[i];
        if (weight_decay != T(0)) g = g + weight_decay * p[i];
        if (buf != nullptr) {
            T b = first_step ? g : momentum * buf[i] + one_minus_dampening * g;
            buf[i] = b;
            g = nesterov ? g + momentum * b : b;
        }
        p[i] = p[i] - lr * g;
    }
}

template <typename T>
__global__ void adam_step(T* __restrict__ p, const T* __restrict__ grad, T* __restrict__ exp_avg,
                          T* __restrict__ exp_avg_sq, T* __restrict__ max_exp_avg_sq, long long n,
                          T one_minus_beta1, T beta2, T one_minus_beta2, T eps, T weight_decay, T decay_factor,
                          T step_size, T bias_correction2_sqrt, int decoupled, int maximize) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T g = maximize ? -grad[i] : grad[i];
        T pi = p[i];
        if (weight_decay != T(0)) {
            if (decoupled) pi = pi * decay_factor;
            else g = g + weight_decay * pi;
        }
        T m = exp_avg[i];
        m = m + one_minus_beta1 * (g - m);
        T v = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g;
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        if (max_exp_avg_sq != nullptr) {
            v = v > max_exp_avg_sq[i] ? v : max_exp_avg_sq[i];
            max_exp_avg_sq[i] = v;
        }
        T denom = sqrt(v) / bias_correction2_sqrt + eps;
        p[i] = pi - step_size * m / denom;
    }
}

template <typename T>
__global__ void rmsprop_step(T* __restrict__ p, const T* __restrict__ grad, T* __restrict__ square_avg,
                             T* __restrict__ momentum_buf, T* __restrict__ grad_avg, long long n, T lr, T alpha,
                             T one_minus_alpha, T eps, T weight_decay, T momentum, int maximize) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T g = maximize ? -grad[i] : grad[i];
        if (weight_decay != T(0)) g = g + weight_decay * p[i];
        T v = alpha * square_avg[i] + one_minus_alpha * g * g;
        square_avg[i] = v;
        T d;
        if (grad_avg != nullptr) {
            T ga = grad_avg[i];
            ga = ga + one_minus_alpha * (g - ga);
            grad_avg[i] = ga;
            d = sqrt(v - ga * ga);
        } else {
            d = sqrt(v);
        }
        d = d + eps;
        if (momentum_buf != nullptr) {
            T b = momentum * momentum_buf[i] + g / d;
            momentum_buf[i] = b;
            p[i] = p[i] - lr * b;
        } else {
            p[i] = p[i] - lr * g / d;
        }
    }
}

template <typename T>
__global__ void adagrad_step(T* __restrict__ p, const T* __restrict__ grad, T* __restrict__ state_sum,
                             long long n, T clr, T weight_decay, T initial_accumulator_value, T eps,
                             int first_step, int maximize) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T g = maximize ? -grad[i] : grad[i];
        if (weight_decay != T(0)) g = g + weight_decay * p[i];
        T s = (first_step ? initial_accumulator_value : state_sum[i]) + g * g;
        state_sum[i] = s;
        p[i] = p[i] - clr * g / (sqrt(s) + eps);
    }
}

template <typename T>
__global__ void fill(T* __restrict__ x, long long n, T value) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) x[i] = value;
}
