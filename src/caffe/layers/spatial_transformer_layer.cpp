#include "caffe/layers/spatial_transformer_layer.hpp"

#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "caffe/layer_factory.hpp"
#include "caffe/util/side.hpp"

// The per-tile loops below are compiled twice on x86-64 with GCC: for AVX2/FMA (gathers,
// 8 floats a vector) and for the baseline; the loader picks the one the CPU runs. Not in a
// ThreadSanitizer build: GCC instruments the clones' resolver, which the dynamic loader
// runs before TSan is initialised, so every program linked to the library crashed at start.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define ST_CPU_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ST_CPU_CLONES
#endif

namespace caffe {

namespace {

using st::Sample;

// Per-thread structure-of-arrays buffers holding the bilinear sample of a tile of
// output pixels: indices and weights are computed once per pixel, then reused by
// every channel (and the channel loops over a tile vectorise as gathers).
template <typename Dtype>
struct Tile {
  int cap = 0;
  // One array per corner k (order of st::Sample): separate allocations keep the
  // stores independent for the vectoriser.
  std::vector<int> idx[4];
  std::vector<Dtype> w[4], wx[4], wy[4];
  std::vector<Dtype> gx, gy;  // dL/dx_s, dL/dy_s per pixel

  void reserve(int pixels) {
    if (pixels <= cap) return;
    cap = pixels;
    for (int k = 0; k < 4; ++k) {
      idx[k].resize(cap);
      w[k].resize(cap);
      wx[k].resize(cap);
      wy[k].resize(cap);
    }
    gx.resize(cap);
    gy.resize(cap);
  }
  static Tile& local() {
    static thread_local Tile tile;
    return tile;
  }
};

constexpr int kTilePixels = 512;

template <typename Geometry>
int rows_per_tile(const Geometry& g) { return std::max(1, kTilePixels / g.W_out); }

// Fills the tile with the samples of output rows [r0, r1) for one theta.
template <bool kWithGrad, typename Dtype, typename Geometry>
ST_CPU_CLONES void fill_tile(Tile<Dtype>& tile, const Geometry& g, const Dtype* theta, const Dtype* xt_tab,
               const Dtype* yt_tab, int r0, int r1) {
  const int Wo = g.W_out, H = g.H, W = g.W;
  const bool ac = g.align_corners, border = g.border;
  Dtype th[6];
  for (int j = 0; j < 6; ++j) th[j] = theta[j];
  for (int s = r0; s < r1; ++s) {
    const Dtype xt = xt_tab[s];
    const int q0 = (s - r0) * Wo;
    int* __restrict i0 = tile.idx[0].data() + q0;
    int* __restrict i1 = tile.idx[1].data() + q0;
    int* __restrict i2 = tile.idx[2].data() + q0;
    int* __restrict i3 = tile.idx[3].data() + q0;
    Dtype* __restrict w0 = tile.w[0].data() + q0;
    Dtype* __restrict w1 = tile.w[1].data() + q0;
    Dtype* __restrict w2 = tile.w[2].data() + q0;
    Dtype* __restrict w3 = tile.w[3].data() + q0;
    Dtype* __restrict x0 = tile.wx[0].data() + q0;
    Dtype* __restrict x1 = tile.wx[1].data() + q0;
    Dtype* __restrict x2 = tile.wx[2].data() + q0;
    Dtype* __restrict x3 = tile.wx[3].data() + q0;
    Dtype* __restrict y0 = tile.wy[0].data() + q0;
    Dtype* __restrict y1 = tile.wy[1].data() + q0;
    Dtype* __restrict y2 = tile.wy[2].data() + q0;
    Dtype* __restrict y3 = tile.wy[3].data() + q0;
#pragma GCC ivdep
    for (int t = 0; t < Wo; ++t) {
      Dtype xs, ys;
      st::source_coords(th, xt, yt_tab[t], &xs, &ys);
      const Sample<Dtype> S = st::bilinear_sample(xs, ys, H, W, ac, border);
      i0[t] = S.idx[0]; i1[t] = S.idx[1]; i2[t] = S.idx[2]; i3[t] = S.idx[3];
      w0[t] = S.w[0]; w1[t] = S.w[1]; w2[t] = S.w[2]; w3[t] = S.w[3];
      if (kWithGrad) {
        x0[t] = S.wx[0]; x1[t] = S.wx[1]; x2[t] = S.wx[2]; x3[t] = S.wx[3];
        y0[t] = S.wy[0]; y1[t] = S.wy[1]; y2[t] = S.wy[2]; y3[t] = S.wy[3];
      }
    }
  }
}

// V[q] for the tile's pixels q < n, one channel plane U -> V.
template <typename Dtype>
ST_CPU_CLONES void gather_plane(const Tile<Dtype>& tile, int n, const Dtype* __restrict U,
                  Dtype* __restrict V) {
  const int *__restrict i0 = tile.idx[0].data(), *__restrict i1 = tile.idx[1].data();
  const int *__restrict i2 = tile.idx[2].data(), *__restrict i3 = tile.idx[3].data();
  const Dtype *__restrict w0 = tile.w[0].data(), *__restrict w1 = tile.w[1].data();
  const Dtype *__restrict w2 = tile.w[2].data(), *__restrict w3 = tile.w[3].data();
  for (int q = 0; q < n; ++q)
    V[q] = st::bilinear_combine(U[i0[q]], U[i1[q]], U[i2[q]], U[i3[q]], w0[q], w1[q], w2[q], w3[q]);
}

// dU[neighbour] += weight * dV for the tile's pixels (serial: neighbours collide).
template <typename Dtype>
ST_CPU_CLONES void scatter_plane(const Tile<Dtype>& tile, int n, const Dtype* __restrict dV,
                   Dtype* __restrict dU) {
  const int *i0 = tile.idx[0].data(), *i1 = tile.idx[1].data();
  const int *i2 = tile.idx[2].data(), *i3 = tile.idx[3].data();
  const Dtype *w0 = tile.w[0].data(), *w1 = tile.w[1].data();
  const Dtype *w2 = tile.w[2].data(), *w3 = tile.w[3].data();
  for (int q = 0; q < n; ++q) {
    const Dtype d = dV[q];
    dU[i0[q]] += w0[q] * d;
    dU[i1[q]] += w1[q] * d;
    dU[i2[q]] += w2[q] * d;
    dU[i3[q]] += w3[q] * d;
  }
}

// Deterministic mode: the same scatter as exact fixed-point sums (kernels/fixed_point.hpp)
// of the products, each computed exactly in double; e is the plane's exponent.
template <typename Dtype>
void scatter_plane_fixed(const Tile<Dtype>& tile, int n, const Dtype* __restrict dV,
                         kernels::Fixed128* __restrict acc, int e) {
  for (int k = 0; k < 4; ++k) {
    const int* idx = tile.idx[k].data();
    const Dtype* w = tile.w[k].data();
    for (int q = 0; q < n; ++q) {
      const double v = static_cast<double>(w[q]) * static_cast<double>(dV[q]);
      if (v != 0) kernels::fixed_add(acc + idx[q], kernels::fixed_encode(v, e));
    }
  }
}

// gx[q] += dV * dV/dx_s, gy[q] += dV * dV/dy_s for one channel plane.
template <typename Dtype>
ST_CPU_CLONES void coord_grad_plane(Tile<Dtype>& tile, int n, const Dtype* __restrict U,
                      const Dtype* __restrict dV) {
  const int *__restrict i0 = tile.idx[0].data(), *__restrict i1 = tile.idx[1].data();
  const int *__restrict i2 = tile.idx[2].data(), *__restrict i3 = tile.idx[3].data();
  const Dtype *__restrict a0 = tile.wx[0].data(), *__restrict a1 = tile.wx[1].data();
  const Dtype *__restrict a2 = tile.wx[2].data(), *__restrict a3 = tile.wx[3].data();
  const Dtype *__restrict b0 = tile.wy[0].data(), *__restrict b1 = tile.wy[1].data();
  const Dtype *__restrict b2 = tile.wy[2].data(), *__restrict b3 = tile.wy[3].data();
  Dtype* __restrict gx = tile.gx.data();
  Dtype* __restrict gy = tile.gy.data();
#pragma GCC ivdep
  for (int q = 0; q < n; ++q) {
    const Dtype u0 = U[i0[q]], u1 = U[i1[q]], u2 = U[i2[q]], u3 = U[i3[q]];
    const Dtype d = dV[q];
    gx[q] += d * st::bilinear_combine(u0, u1, u2, u3, a0[q], a1[q], a2[q], a3[q]);
    gy[q] += d * st::bilinear_combine(u0, u1, u2, u3, b0[q], b1[q], b2[q], b3[q]);
  }
}

template <typename Dtype>
std::vector<Dtype> target_table(int size, bool align_corners) {
  std::vector<Dtype> tab(size);
  for (int i = 0; i < size; ++i) tab[i] = st::target_coord<Dtype>(i, size, align_corners);
  return tab;
}

}  // namespace

template <typename Dtype>
void SpatialTransformerLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                                const vector<Blob<Dtype>*>& top) {
  const SpatialTransformerParameter& p = this->layer_param_.st_param();
  const std::string& type = p.transform_type();
  if (type == "affine") spec_.type = st::kAffine;
  else if (type == "rotation") spec_.type = st::kRotation;
  else if (type == "translation") spec_.type = st::kTranslation;
  else if (type == "similarity") spec_.type = st::kSimilarity;
  else
    CAFFE_THROW_AS(ParseError, this->where(), "unknown st_param.transform_type '", type,
                   "'; expected \"affine\", \"rotation\", \"translation\" or \"similarity\"");
  CAFFE_ENFORCE_AS(ParseError, p.sampler_type() == "bilinear", this->where(),
                   "unknown st_param.sampler_type '", p.sampler_type(), "'; expected \"bilinear\"");
  CAFFE_ENFORCE_AS(ParseError, p.padding_mode() == "zeros" || p.padding_mode() == "border",
                   this->where(), "unknown st_param.padding_mode '", p.padding_mode(),
                   "'; expected \"zeros\" or \"border\"");

  const bool has[6] = {p.has_theta_1_1(), p.has_theta_1_2(), p.has_theta_1_3(),
                       p.has_theta_2_1(), p.has_theta_2_2(), p.has_theta_2_3()};
  const double val[6] = {p.theta_1_1(), p.theta_1_2(), p.theta_1_3(),
                         p.theta_2_1(), p.theta_2_2(), p.theta_2_3()};
  int num_fixed = 0;
  spec_.k = 0;
  for (int i = 0; i < 6; ++i) {
    spec_.fixed[i] = has[i] ? static_cast<Dtype>(val[i]) : Dtype(0);
    if (has[i]) ++num_fixed;
    else spec_.free_pos[spec_.k++] = i;
  }
  if (spec_.type != st::kAffine) {
    CAFFE_ENFORCE_AS(ParseError, num_fixed == 0, this->where(), "transform_type \"", type,
                     "\" takes no fixed theta_i_j entries, but ", num_fixed,
                     " are set; fixed entries need transform_type \"affine\"");
    spec_.k = spec_.type == st::kRotation ? 1 : spec_.type == st::kTranslation ? 2 : 4;
  }
  CAFFE_ENFORCE_AS(ParseError, !p.has_output_h() || p.output_h() > 0, this->where(),
                   "st_param.output_H must be positive, got ", p.output_h());
  CAFFE_ENFORCE_AS(ParseError, !p.has_output_w() || p.output_w() > 0, this->where(),
                   "st_param.output_W must be positive, got ", p.output_w());
  output_H_ = p.has_output_h() ? p.output_h() : 0;
  output_W_ = p.has_output_w() ? p.output_w() : 0;
  to_compute_dU_ = p.to_compute_du();
  geom_.align_corners = p.align_corners();
  geom_.border = p.padding_mode() == "border";
  CAFFE_ENFORCE_AS(ParseError, spec_.k == 0 || bottom.size() == 2, this->where(),
                   "expected 2 bottoms (U and theta with ", spec_.k,
                   " numbers per sample), got ", bottom.size());
}

template <typename Dtype>
void SpatialTransformerLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                             const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& U = *bottom[0];
  LAYER_ENFORCE(U.num_axes() == 4, "expected U (bottom 0) of shape N x C x H x W, got ",
                U.shape_string());
  LAYER_ENFORCE(U.count() > 0, "expected a non-empty U (bottom 0), got ", U.shape_string());
  geom_.N = U.shape(0);
  geom_.C = U.shape(1);
  geom_.H = U.shape(2);
  geom_.W = U.shape(3);
  geom_.H_out = output_H_ > 0 ? output_H_ : geom_.H;
  geom_.W_out = output_W_ > 0 ? output_W_ : geom_.W;
  if (bottom.size() > 1) {
    const Blob<Dtype>& theta = *bottom[1];
    LAYER_ENFORCE(theta.num_axes() >= 1 && theta.shape(0) == geom_.N,
                  "expected theta (bottom 1) with batch size ", geom_.N, " like U, got ",
                  theta.shape_string());
    const std::string why = spec_.type == st::kAffine
        ? str_cat("6 minus ", 6 - spec_.k, " fixed theta_i_j entries")
        : str_cat("transform_type \"", this->layer_param_.st_param().transform_type(), "\"");
    LAYER_ENFORCE(theta.count(1) == spec_.k, "expected theta (bottom 1) with ", spec_.k,
                  " numbers per sample (", why, "), got shape ", theta.shape_string());
  }
  top[0]->Reshape({geom_.N, geom_.C, geom_.H_out, geom_.W_out});
  theta_full_.Reshape({geom_.N, 6});
  dtheta_full_.Reshape({geom_.N, 6});
}

template <typename Dtype>
const Dtype* SpatialTransformerLayer<Dtype>::full_theta_cpu(const Dtype* params) {
  Dtype* th = theta_full_.mutable_cpu_data();
  for (int n = 0; n < geom_.N; ++n) {
    st::build_theta(spec_, params ? params + n * spec_.k : nullptr, th + 6 * n);
  }
  return th;
}

template <typename Dtype>
void SpatialTransformerLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>& bottom,
                                                 const vector<Blob<Dtype>*>& top) {
  const Geometry g = geom_;
  const Dtype* params = bottom.size() > 1 ? bottom[1]->cpu_data() : nullptr;
  const Dtype* th = full_theta_cpu(params);

  const std::vector<Dtype> xt = target_table<Dtype>(g.H_out, g.align_corners);
  const std::vector<Dtype> yt = target_table<Dtype>(g.W_out, g.align_corners);
  const Dtype* U = bottom[0]->cpu_data();
  Dtype* V = top[0]->mutable_cpu_data();
  const int rows = rows_per_tile(g);
  const int tiles = (g.H_out + rows - 1) / rows;
  const int64_t plane_in = int64_t(g.H) * g.W, plane_out = int64_t(g.H_out) * g.W_out;
  const int64_t work = int64_t(g.N) * g.C * plane_out;
#pragma omp parallel for schedule(dynamic, 1) if (work > 32768)
  for (int task = 0; task < g.N * tiles; ++task) {
    const int n = task / tiles, r0 = (task % tiles) * rows, r1 = std::min(g.H_out, r0 + rows);
    Tile<Dtype>& tile = Tile<Dtype>::local();
    tile.reserve(rows * g.W_out);
    fill_tile<false>(tile, g, th + 6 * n, xt.data(), yt.data(), r0, r1);
    const int npx = (r1 - r0) * g.W_out;
    for (int c = 0; c < g.C; ++c) {
      const int64_t nc = int64_t(n) * g.C + c;
      gather_plane(tile, npx, U + nc * plane_in, V + nc * plane_out + int64_t(r0) * g.W_out);
    }
  }
}

template <typename Dtype>
void SpatialTransformerLayer<Dtype>::Backward_cpu(const vector<Blob<Dtype>*>& top,
                                                  const vector<bool>& propagate_down,
                                                  const vector<Blob<Dtype>*>& bottom) {
  const Geometry g = geom_;
  const int k = spec_.k;
  const bool do_dU = propagate_down[0] && to_compute_dU_;
  const bool do_dth = bottom.size() > 1 && propagate_down[1] && k > 0;
  if (propagate_down[0] && !to_compute_dU_) caffe_set(bottom[0]->count(), Dtype(0), bottom[0]->mutable_cpu_diff());
  if (!do_dU && !do_dth) return;

  const std::vector<Dtype> xt = target_table<Dtype>(g.H_out, g.align_corners);
  const std::vector<Dtype> yt = target_table<Dtype>(g.W_out, g.align_corners);
  // theta again from the parameters, not from forward's buffer: forward may have run on
  // the GPU (which builds theta inside its kernel), leaving the host copy stale.
  const Dtype* params = bottom.size() > 1 ? bottom[1]->cpu_data() : nullptr;
  const Dtype* th = full_theta_cpu(params);
  const Dtype* U = bottom[0]->cpu_data();
  const Dtype* dV = top[0]->cpu_diff();
  Dtype* dU = do_dU ? bottom[0]->mutable_cpu_diff() : nullptr;
  const int64_t plane_in = int64_t(g.H) * g.W, plane_out = int64_t(g.H_out) * g.W_out;
  // Deterministic mode: dU as exact fixed-point sums, one exponent per (n, c) plane from
  // the sum of |dV| over the plane (which bounds every partial sum into that plane).
  const bool exact_dU = do_dU && Caffe::deterministic();
  kernels::Fixed128* sums = nullptr;
  int* exponents = nullptr;
  if (exact_dU) {
    exponents = static_cast<int*>(
        scratch(&fixed_exponents_, sizeof(int) * size_t(g.N) * g.C)->mutable_cpu_data());
    CpuSide::reduce<kernels::SumOp>(kernels::Segments::rows(int64_t(g.N) * g.C, plane_out),
                                    kernels::Magnitude<Dtype>{dV},
                                    kernels::StoreFixedExponent{exponents});
    sums = static_cast<kernels::Fixed128*>(
        scratch(&fixed_sums_, sizeof(kernels::Fixed128) * bottom[0]->count())->mutable_cpu_data());
  }
  // Tasks: (sample, part). With dU, a part is a chunk of channels over all rows: the
  // tiles of a task run in order, so dU's scatter needs no atomics. Without dU, a part
  // is a band of rows over all channels. Parts exist to feed every thread when N is small.
  const int threads = omp_get_max_threads();
  const int rows = rows_per_tile(g);
  const int tiles = (g.H_out + rows - 1) / rows;
  const int want = g.N >= 2 * threads ? 1 : (2 * threads + g.N - 1) / g.N;
  const int parts = std::min(do_dU ? g.C : tiles, want);
  const int per_part = ((do_dU ? g.C : tiles) + parts - 1) / parts;
  const int64_t work = int64_t(g.N) * g.C * plane_out;
  std::vector<double> partial(size_t(g.N) * parts * 6, 0.0);
#pragma omp parallel for schedule(dynamic, 1) if (work > 32768)
  for (int task = 0; task < g.N * parts; ++task) {
    const int n = task / parts, part = task % parts;
    const int c0 = do_dU ? part * per_part : 0;
    const int c1 = do_dU ? std::min(g.C, c0 + per_part) : g.C;
    const int row_begin = do_dU ? 0 : part * per_part * rows;
    const int row_end = do_dU ? g.H_out : std::min(g.H_out, row_begin + per_part * rows);
    Tile<Dtype>& tile = Tile<Dtype>::local();
    tile.reserve(rows * g.W_out);
    if (exact_dU) {
      std::fill(sums + (int64_t(n) * g.C + c0) * plane_in,
                sums + (int64_t(n) * g.C + c1) * plane_in, kernels::Fixed128{0, 0});
    } else if (do_dU) {
      std::fill(dU + (int64_t(n) * g.C + c0) * plane_in, dU + (int64_t(n) * g.C + c1) * plane_in, Dtype(0));
    }
    double* acc = partial.data() + size_t(task) * 6;
    for (int r0 = row_begin; r0 < row_end; r0 += rows) {
      const int r1 = std::min(row_end, r0 + rows), npx = (r1 - r0) * g.W_out;
      if (do_dth) {
        fill_tile<true>(tile, g, th + 6 * n, xt.data(), yt.data(), r0, r1);
        std::fill(tile.gx.begin(), tile.gx.begin() + npx, Dtype(0));
        std::fill(tile.gy.begin(), tile.gy.begin() + npx, Dtype(0));
      } else {
        fill_tile<false>(tile, g, th + 6 * n, xt.data(), yt.data(), r0, r1);
      }
      for (int c = c0; c < c1; ++c) {
        const int64_t nc = int64_t(n) * g.C + c;
        const Dtype* dVc = dV + nc * plane_out + int64_t(r0) * g.W_out;
        if (exact_dU) {
          scatter_plane_fixed(tile, npx, dVc, sums + nc * plane_in, exponents[nc]);
        } else if (do_dU) {
          scatter_plane(tile, npx, dVc, dU + nc * plane_in);
        }
        if (do_dth) coord_grad_plane(tile, npx, U + nc * plane_in, dVc);
      }
      if (!do_dth) continue;
      for (int s = r0; s < r1; ++s) {
        Dtype row[6] = {0, 0, 0, 0, 0, 0};
        const Dtype* gx = tile.gx.data() + (s - r0) * g.W_out;
        const Dtype* gy = tile.gy.data() + (s - r0) * g.W_out;
        for (int t = 0; t < g.W_out; ++t) st::accumulate_theta_grad(gx[t], gy[t], xt[s], yt[t], row);
        for (int j = 0; j < 6; ++j) acc[j] += row[j];
      }
    }
  }
  if (exact_dU) {
    cpu_for(bottom[0]->count(), kernels::FixedToValue<Dtype>{sums, exponents, plane_in, dU}, 8);
  }
  if (!do_dth) return;
  Dtype* dth = dtheta_full_.mutable_cpu_data();
  Dtype* dparams = bottom[1]->mutable_cpu_diff();
  for (int n = 0; n < g.N; ++n) {
    st::finish_theta_grad(spec_, params + n * k, partial.data() + size_t(n) * parts * 6, parts,
                          dth + 6 * n, dparams + n * k);
  }
}

INSTANTIATE_CLASS(SpatialTransformerLayer);
REGISTER_LAYER_CLASS(SpatialTransformer);

}  // namespace caffe
