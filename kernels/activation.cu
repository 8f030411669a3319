// activation.cu -- fused activations, forward and backward, with an optional fused bias add.
// Twins: gpugrad/kernels/activation.py (reference in plain xp, Numba CPU kernel, CuPy wrapper).
//
// Launch scheme: 1-D grid-stride loops; block = 256 threads, grid = min(ceil(n / 256), 32 * #SMs) blocks,
// so each thread handles every (gridDim.x * blockDim.x)-th element and any n is covered by one launch.
// Indices are 64-bit (n may exceed 2^31). Elementwise and memory bound: one read and one write per element
// (plus the bias row, which stays in L1/L2).
//
//   act_fwd<Act, T>(x, bias, y, n, cols, a, b):   y[i] = f(x[i] + bias[i % cols])   (bias null: f(x[i]))
//       the bias add of a Linear layer fused into its activation: x is the matmul output (rows of length cols)
//   act_bwd<Act, T>(g, s, bias, dx, n, cols, a, b):   dx[i] = g[i] * f'(s[i] + bias[i % cols])
//       s is the saved value: the output y for relu/tanh/sigmoid (their derivatives are functions of y; bias
//       null), the input x for the others (with the same bias as forward, so x + b is never stored).
//
// Why the input and not the derivative is saved: forward would write y and f'(x) (3 memory passes), backward
// would read g and f'(x) and write dx (3 passes): 6. Saving x (already in memory) costs 2 + 3 = 5 passes and
// no extra buffer; recomputing f'(x) is free while the kernel waits on memory. For the same reason the biased
// pre-activation x + b is recomputed in backward rather than written by forward. The double-backward path in
// gpugrad.ops.nn_ops differentiates the same saved value.
//
// Math (a, b are the activation's parameters):
//   relu        f = max(x, 0) (NaN passes)          f'(y) = [y > 0], selected: y <= 0 ? 0 : g
//   leaky_relu  f = x > 0 ? x : a x                 f'(x) = x > 0 ? 1 : a            (a = negative_slope)
//   elu         f = x > 0 ? x : a (e^x - 1)         f'(x) = x > 0 ? 1 : a e^x        (a = alpha)
//   gelu        f = x Phi(x) = x/2 (1 + erf(x/sqrt2))        f'(x) = Phi(x) + x phi(x), phi(x) = e^(-x^2/2)/sqrt(2 pi)
//   gelu_tanh   u = k (x + c x^3), k = sqrt(2/pi), c = 0.044715;  f = x/2 (1 + tanh u)
//               f'(x) = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) k (1 + 3 c x^2)
//   silu        s = sigmoid(x); f = x s              f'(x) = s (1 + x (1 - s))
//   tanh        f = tanh x                           f'(y) = 1 - y^2
//   sigmoid     f = 1 / (1 + e^-x) (never overflows)  f'(y) = y (1 - y)
//   softplus    f = a x > b ? x : log(1 + e^(a x)) / a       f'(x) = a x > b ? 1 : sigmoid(a x)
//               (a = beta, b = threshold)

// sigmoid without overflow: e^-|x| <= 1
template <typename T> __device__ __forceinline__ T gg_sigmoid(T x) {
    T e = exp(-fabs(x));
    return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
}

template <typename T> struct Relu {
    __device__ static T f(T x, T, T) { return x <= T(0) ? T(0) : x; }
    __device__ static T df(T y, T, T) { return y <= T(0) ? T(0) : T(1); }
};

// relu's mask selects instead of multiplying (as PyTorch's threshold_backward): dx = y <= 0 ? 0 : g, so a
// NaN or inf upstream gradient does not leak through the zero (NaN * 0 is NaN)
template <typename A> struct gg_selects { static const bool value = false; };
template <typename T> struct gg_selects<Relu<T> > { static const bool value = true; };

template <typename T> struct LeakyRelu {
    __device__ static T f(T x, T a, T) { return x > T(0) ? x : a * x; }
    __device__ static T df(T x, T a, T) { return x > T(0) ? T(1) : a; }
};

template <typename T> struct Elu {
    __device__ static T f(T x, T a, T) { return x > T(0) ? x : a * expm1(x); }
    __device__ static T df(T x, T a, T) { return x > T(0) ? T(1) : a * exp(x); }
};

template <typename T> struct Gelu {
    __device__ static T f(T x, T, T) { return T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440))); }
    __device__ static T df(T x, T, T) {
        T cdf = T(0.5) * (T(1) + erf(x * T(0.70710678118654752440)));
        return cdf + x * T(0.39894228040143267794) * exp(T(-0.5) * x * x);
    }
};

template <typename T> struct GeluTanh {
    __device__ static T f(T x, T, T) {
        T u = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
        return T(0.5) * x * (T(1) + tanh(u));
    }
    __device__ static T df(T x, T, T) {
        T u = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
        T t = tanh(u);
        T du = T(0.79788456080286535588) * (T(1) + T(3) * T(0.044715) * x * x);
        return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du;
    }
};

template <typename T> struct Silu {
    __device__ static T f(T x, T, T) { return x * gg_sigmoid(x); }
    __device__ static T df(T x, T, T) {
        T s = gg_sigmoid(x);
        return s * (T(1) + x * (T(1) - s));
    }
};

template <typename T> struct Tanh {
    __device__ static T f(T x, T, T) { return tanh(x); }
    __device__ static T df(T y, T, T) { return T(1) - y * y; }
};

template <typename T> struct Sigmoid {
    __device__ static T f(T x, T, T) { return gg_sigmoid(x); }
    __device__ static T df(T y, T, T) { return y * (T(1) - y); }
};

template <typename T> struct Softplus {
    // log(1 + e^bx) = max(bx, 0) + log1p(e^-|bx|): no overflow for any bx
    __device__ static T f(T x, T beta, T threshold) {
        T bx = beta * x;
        return bx > threshold ? x : ((bx > T(0) ? bx : T(0)) + log1p(exp(-fabs(bx)))) / beta;
    }
    __device__ static T df(T x, T beta, T threshold) {
        T bx = beta * x;
        return bx > threshold ? T(1) : gg_sigmoid(bx);
    }
};

template <template <typename> class Act, typename T>
__global__ void act_fwd(const T* __restrict__ x, const T* __restrict__ bias, T* __restrict__ y, long long n,
                        long long cols, T a, T b) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T v = x[i];
        if (bias != nullptr) v += bias[i % cols];
        y[i] = Act<T>::f(v, a, b);
    }
}

template <template <typename> class Act, typename T>
__global__ void act_bwd(const T* __restrict__ g, const T* __restrict__ s, const T* __restrict__ bias,
                        T* __restrict__ dx, long long n, long long cols, T a, T b) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T v = s[i];
        if (bias != nullptr) v += bias[i % cols];
        T d = Act<T>::df(v, a, b);
        dx[i] = gg_selects<Act<T> >::value ? (d == T(0) ? T(0) : g[i]) : g[i] * d;
    }
}
