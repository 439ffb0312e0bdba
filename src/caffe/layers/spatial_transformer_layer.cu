// CUDA path of SpatialTransformer. The per-pixel math comes from
// caffe/kernels/spatial_transformer.hpp, shared with the CPU loops.
#include <algorithm>

#include "caffe/layers/spatial_transformer_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

namespace {

// Channels handled by one thread: enough threads to fill the card, few enough that
// the bilinear sample computed per thread is reused over many channels.
inline int channels_per_thread(int64_t pixels, int C) {
  const int64_t target_threads = 1 << 18;
  int64_t cpt = (pixels * C + target_threads - 1) / target_threads;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(C, cpt)));
}

template <typename Dtype>
struct StArgs {
  st::ThetaSpec<Dtype> spec;
  const Dtype* params;  // N x k
  const Dtype* U;       // N x C x H x W
  int C, H, W, Ho, Wo;
  int cpt, chunks;      // channels per thread, chunks per sample
  bool align_corners, border;

  CAFFE_DEVICE void theta(int n, Dtype* th) const { st::build_theta(spec, params + n * spec.k, th); }
  CAFFE_DEVICE void coords(int p, Dtype* xt, Dtype* yt) const {
    *xt = st::target_coord<Dtype>(p / Wo, Ho, align_corners);
    *yt = st::target_coord<Dtype>(p % Wo, Wo, align_corners);
  }
};

// One thread per (sample, channel chunk, output pixel); pixels vary fastest so the
// writes to V coalesce.
template <typename Dtype>
struct StForward {
  StArgs<Dtype> a;
  Dtype* V;
  CAFFE_DEVICE void operator()(int64_t i) const {
    const int64_t plane_out = int64_t(a.Ho) * a.Wo, plane_in = int64_t(a.H) * a.W;
    const int p = static_cast<int>(i % plane_out);
    const int64_t rest = i / plane_out;
    const int chunk = static_cast<int>(rest % a.chunks), n = static_cast<int>(rest / a.chunks);
    Dtype th[6], xt, yt, xs, ys;
    a.theta(n, th);
    a.coords(p, &xt, &yt);
    st::source_coords(th, xt, yt, &xs, &ys);
    const st::Sample<Dtype> S = st::bilinear_sample(xs, ys, a.H, a.W, a.align_corners, a.border);
    const int c0 = chunk * a.cpt, c1 = min(a.C, c0 + a.cpt);
    for (int c = c0; c < c1; ++c) {
      const Dtype* Uc = a.U + (int64_t(n) * a.C + c) * plane_in;
      V[(int64_t(n) * a.C + c) * plane_out + p] = st::bilinear_combine(
          __ldg(Uc + S.idx[0]), __ldg(Uc + S.idx[1]), __ldg(Uc + S.idx[2]), __ldg(Uc + S.idx[3]),
          S.w[0], S.w[1], S.w[2], S.w[3]);
    }
  }
};

constexpr int kBackwardThreads = 256;
// Blocks per launch the backward aims at (split over the samples): enough to fill a large
// device; fewer per sample when there are many samples, so the partial sums stay small.
constexpr int64_t kBackwardBlocksWanted = 4096;

// Backward for the samples n_base + blockIdx.y, each over gridDim.x blocks. dU: float
// atomics (dU non-null) or, in deterministic mode, exact fixed-point atomics into
// dU_fixed with one exponent per plane. dL/dtheta: each thread adds its pixels' terms in
// double, the block combines its threads in a fixed order (warp shuffles, then the warps
// in turn) and writes 6 doubles to partial[(n * gridDim.x + blockIdx.x) * 6 + j];
// st::finish_theta_grad adds a sample's blocks in order. So dL/dtheta repeats exactly.
template <typename Dtype>
__global__ void st_backward_kernel(StArgs<Dtype> a, int n_base, const Dtype* dV, Dtype* dU,
                                   kernels::Fixed128* dU_fixed, const int* exponents,
                                   double* partial) {
  const int n = n_base + blockIdx.y;
  const int64_t plane_out = int64_t(a.Ho) * a.Wo, plane_in = int64_t(a.H) * a.W;
  const int64_t items = plane_out * a.chunks;
  Dtype th[6];
  a.theta(n, th);
  double acc[6] = {0, 0, 0, 0, 0, 0};
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < items;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int p = static_cast<int>(i % plane_out), chunk = static_cast<int>(i / plane_out);
    Dtype xt, yt, xs, ys;
    a.coords(p, &xt, &yt);
    st::source_coords(th, xt, yt, &xs, &ys);
    const st::Sample<Dtype> S = st::bilinear_sample(xs, ys, a.H, a.W, a.align_corners, a.border);
    Dtype gx = 0, gy = 0;
    const int c0 = chunk * a.cpt, c1 = min(a.C, c0 + a.cpt);
    for (int c = c0; c < c1; ++c) {
      const int64_t nc = int64_t(n) * a.C + c;
      const Dtype d = dV[nc * plane_out + p];
      if (dU) {
        Dtype* dUc = dU + nc * plane_in;
#pragma unroll
        for (int k = 0; k < 4; ++k)
          if (S.w[k] != Dtype(0)) atomicAdd(dUc + S.idx[k], S.w[k] * d);
      } else if (dU_fixed) {
        kernels::Fixed128* sums = dU_fixed + nc * plane_in;
        const int e = exponents[nc];
#pragma unroll
        for (int k = 0; k < 4; ++k) {
          const double v = static_cast<double>(S.w[k]) * static_cast<double>(d);
          if (v != 0) kernels::fixed_atomic_add(sums + S.idx[k], kernels::fixed_encode(v, e));
        }
      }
      if (partial) {
        const Dtype* Uc = a.U + nc * plane_in;
        const Dtype u0 = __ldg(Uc + S.idx[0]), u1 = __ldg(Uc + S.idx[1]);
        const Dtype u2 = __ldg(Uc + S.idx[2]), u3 = __ldg(Uc + S.idx[3]);
        gx += d * st::bilinear_combine(u0, u1, u2, u3, S.wx[0], S.wx[1], S.wx[2], S.wx[3]);
        gy += d * st::bilinear_combine(u0, u1, u2, u3, S.wy[0], S.wy[1], S.wy[2], S.wy[3]);
      }
    }
    if (partial) {
      st::accumulate_theta_grad(static_cast<double>(gx), static_cast<double>(gy),
                                static_cast<double>(xt), static_cast<double>(yt), acc);
    }
  }
  if (!partial) return;
  __shared__ double warp_sums[kBackwardThreads / 32][6];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
#pragma unroll
  for (int j = 0; j < 6; ++j) {
    for (int off = 16; off > 0; off /= 2) acc[j] += __shfl_down_sync(0xffffffffu, acc[j], off);
    if (lane == 0) warp_sums[warp][j] = acc[j];
  }
  __syncthreads();
  if (threadIdx.x < 6) {
    double sum = 0;
    for (int w = 0; w < kBackwardThreads / 32; ++w) sum += warp_sums[w][threadIdx.x];
    partial[(int64_t(n) * gridDim.x + blockIdx.x) * 6 + threadIdx.x] = sum;
  }
}

// dL/dtheta of sample n from its blocks' partial sums, then dL/dparams.
template <typename Dtype>
struct StThetaFinish {
  st::ThetaSpec<Dtype> spec;
  const Dtype* params;
  const double* partial;
  int parts;
  Dtype* dtheta;
  Dtype* dparams;
  CAFFE_DEVICE void operator()(int64_t n) const {
    st::finish_theta_grad(spec, params + n * spec.k, partial + n * parts * 6, parts,
                          dtheta + 6 * n, dparams + n * spec.k);
  }
};

}  // namespace

template <typename Dtype>
static StArgs<Dtype> make_args(const st::ThetaSpec<Dtype>& spec, const Dtype* params,
                               const Dtype* U, int C, int H, int W, int Ho, int Wo, int N,
                               bool align_corners, bool border) {
  StArgs<Dtype> a;
  a.spec = spec;
  a.params = params;
  a.U = U;
  a.C = C; a.H = H; a.W = W; a.Ho = Ho; a.Wo = Wo;
  a.cpt = channels_per_thread(int64_t(N) * Ho * Wo, C);
  a.chunks = (C + a.cpt - 1) / a.cpt;
  a.align_corners = align_corners;
  a.border = border;
  return a;
}

template <typename Dtype>
void SpatialTransformerLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                                 const vector<Blob<Dtype>*>& top) {
  const Geometry g = geom_;
  const Dtype* params = bottom.size() > 1 ? bottom[1]->gpu_data() : nullptr;
  StForward<Dtype> f;
  f.a = make_args(spec_, params, bottom[0]->gpu_data(), g.C, g.H, g.W, g.H_out, g.W_out, g.N,
                  g.align_corners, g.border);
  f.V = top[0]->mutable_gpu_data();
  gpu_for(int64_t(g.N) * f.a.chunks * g.H_out * g.W_out, f);
}

template <typename Dtype>
void SpatialTransformerLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                                  const vector<bool>& propagate_down,
                                                  const vector<Blob<Dtype>*>& bottom) {
  const Geometry g = geom_;
  const bool do_dU = propagate_down[0] && to_compute_dU_;
  const bool do_dth = bottom.size() > 1 && propagate_down[1] && spec_.k > 0;
  const bool exact_dU = do_dU && Caffe::deterministic();
  // The float atomics add into dU, and without to_compute_dU it stays zero.
  if (propagate_down[0] && !exact_dU) {
    caffe_gpu_set(bottom[0]->count(), Dtype(0), bottom[0]->mutable_gpu_diff());
  }
  if (!do_dU && !do_dth) return;
  const Dtype* params = bottom.size() > 1 ? bottom[1]->gpu_data() : nullptr;
  const StArgs<Dtype> a = make_args(spec_, params, bottom[0]->gpu_data(), g.C, g.H, g.W,
                                    g.H_out, g.W_out, g.N, g.align_corners, g.border);
  const Dtype* dV = top[0]->gpu_diff();
  const int64_t plane_in = int64_t(g.H) * g.W, plane_out = int64_t(g.H_out) * g.W_out;
  const int64_t count = bottom[0]->count();
  Dtype* dU = do_dU && !exact_dU ? bottom[0]->mutable_gpu_diff() : nullptr;
  kernels::Fixed128* sums = nullptr;
  int* exponents = nullptr;
  if (exact_dU) {
    exponents = static_cast<int*>(
        scratch(&fixed_exponents_, sizeof(int) * size_t(g.N) * g.C)->mutable_gpu_data());
    GpuSide::reduce<kernels::SumOp>(kernels::Segments::rows(int64_t(g.N) * g.C, plane_out),
                                    kernels::Magnitude<Dtype>{dV},
                                    kernels::StoreFixedExponent{exponents});
    sums = static_cast<kernels::Fixed128*>(
        scratch(&fixed_sums_, sizeof(kernels::Fixed128) * count)->mutable_gpu_data());
    CUDA_CHECK(cudaMemset(sums, 0, sizeof(kernels::Fixed128) * count));
  }
  const int64_t items = plane_out * a.chunks;
  const int blocks_x = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(
      (items + kBackwardThreads - 1) / kBackwardThreads,
      (kBackwardBlocksWanted + g.N - 1) / g.N)));
  double* partial = do_dth
      ? static_cast<double*>(scratch(&theta_partials_, sizeof(double) * 6 * size_t(g.N) * blocks_x)
                                 ->mutable_gpu_data())
      : nullptr;
  for (int n0 = 0; n0 < g.N; n0 += 65535) {
    const dim3 grid(blocks_x, std::min(65535, g.N - n0));
    st_backward_kernel<Dtype><<<grid, kBackwardThreads>>>(a, n0, dV, dU, sums, exponents, partial);
    CUDA_POST_KERNEL_CHECK;
  }
  if (exact_dU) {
    gpu_for(count, kernels::FixedToValue<Dtype>{sums, exponents, plane_in,
                                                bottom[0]->mutable_gpu_diff()});
  }
  if (!do_dth) return;
  gpu_for(g.N, StThetaFinish<Dtype>{spec_, params, partial, blocks_x,
                                    dtheta_full_.mutable_gpu_data(), bottom[1]->mutable_gpu_diff()});
}

INSTANTIATE_LAYER_GPU_PASSES(SpatialTransformerLayer);

}  // namespace caffe
