#include "caffe/layers/spatial_transformer_layer.hpp"

#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "caffe/layer_factory.hpp"

namespace caffe {

namespace {

using st::Sample;

// Per-thread structure-of-arrays buffers holding the bilinear sample of a tile of
// output pixels: indices and weights are computed once per pixel, then reused by
// every channel (and the channel loops over a tile vectorise as gathers).
template <typename Dtype>
struct Tile {
  int cap = 0;
  std::vector<int> idx;              // 4 x cap
  std::vector<Dtype> w, wx, wy;      // 4 x cap each
  std::vector<Dtype> gx, gy;         // cap: dL/dx_s, dL/dy_s per pixel

  void reserve(int pixels) {
    if (pixels <= cap) return;
    cap = pixels;
    idx.resize(4 * static_cast<size_t>(cap));
    w.resize(4 * static_cast<size_t>(cap));
    wx.resize(4 * static_cast<size_t>(cap));
    wy.resize(4 * static_cast<size_t>(cap));
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
void fill_tile(Tile<Dtype>& tile, const Geometry& g, const Dtype* th, const Dtype* xt_tab,
               const Dtype* yt_tab, int r0, int r1) {
  const int cap = tile.cap, Wo = g.W_out;
  int* __restrict i0 = tile.idx.data();
  Dtype* __restrict w0 = tile.w.data();
  Dtype* __restrict x0 = tile.wx.data();
  Dtype* __restrict y0 = tile.wy.data();
  const Dtype th0 = th[0], th1 = th[1], th2 = th[2], th3 = th[3], th4 = th[4], th5 = th[5];
  const Dtype local_th[6] = {th0, th1, th2, th3, th4, th5};
  for (int s = r0; s < r1; ++s) {
    const Dtype xt = xt_tab[s];
    const int q0 = (s - r0) * Wo;
    for (int t = 0; t < Wo; ++t) {
      Dtype xs, ys;
      st::source_coords(local_th, xt, yt_tab[t], &xs, &ys);
      const Sample<Dtype> S = st::bilinear_sample(xs, ys, g.H, g.W, g.align_corners, g.border);
      const int q = q0 + t;
      for (int k = 0; k < 4; ++k) {
        i0[k * cap + q] = S.idx[k];
        w0[k * cap + q] = S.w[k];
        if (kWithGrad) {
          x0[k * cap + q] = S.wx[k];
          y0[k * cap + q] = S.wy[k];
        }
      }
    }
  }
}

// V[c, q] for the tile's pixels q < n, one channel plane U -> V.
template <typename Dtype>
void gather_plane(const Tile<Dtype>& tile, int n, const Dtype* __restrict U,
                  Dtype* __restrict V) {
  const int cap = tile.cap;
  const int* __restrict i = tile.idx.data();
  const Dtype* __restrict w = tile.w.data();
  for (int q = 0; q < n; ++q) {
    V[q] = st::bilinear_combine(U[i[q]], U[i[cap + q]], U[i[2 * cap + q]], U[i[3 * cap + q]],
                                w[q], w[cap + q], w[2 * cap + q], w[3 * cap + q]);
  }
}

// dU[neighbour] += weight * dV for the tile's pixels (serial: neighbours collide).
template <typename Dtype>
void scatter_plane(const Tile<Dtype>& tile, int n, const Dtype* __restrict dV,
                   Dtype* __restrict dU) {
  const int cap = tile.cap;
  const int* i = tile.idx.data();
  const Dtype* w = tile.w.data();
  for (int q = 0; q < n; ++q) {
    const Dtype d = dV[q];
    dU[i[q]] += w[q] * d;
    dU[i[cap + q]] += w[cap + q] * d;
    dU[i[2 * cap + q]] += w[2 * cap + q] * d;
    dU[i[3 * cap + q]] += w[3 * cap + q] * d;
  }
}

// gx[q] += dV * dV/dx_s, gy[q] += dV * dV/dy_s for one channel plane.
template <typename Dtype>
void coord_grad_plane(Tile<Dtype>& tile, int n, const Dtype* __restrict U,
                      const Dtype* __restrict dV) {
  const int cap = tile.cap;
  const int* __restrict i = tile.idx.data();
  const Dtype* __restrict a = tile.wx.data();
  const Dtype* __restrict b = tile.wy.data();
  Dtype* __restrict gx = tile.gx.data();
  Dtype* __restrict gy = tile.gy.data();
  for (int q = 0; q < n; ++q) {
    const Dtype u0 = U[i[q]], u1 = U[i[cap + q]], u2 = U[i[2 * cap + q]], u3 = U[i[3 * cap + q]];
    const Dtype d = dV[q];
    gx[q] += d * st::bilinear_combine(u0, u1, u2, u3, a[q], a[cap + q], a[2 * cap + q], a[3 * cap + q]);
    gy[q] += d * st::bilinear_combine(u0, u1, u2, u3, b[q], b[cap + q], b[2 * cap + q], b[3 * cap + q]);
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
void SpatialTransformerLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>& bottom,
                                                 const vector<Blob<Dtype>*>& top) {
  const Geometry g = geom_;
  const int k = spec_.k;
  const Dtype* params = bottom.size() > 1 ? bottom[1]->cpu_data() : nullptr;
  Dtype* th = theta_full_.mutable_cpu_data();
  for (int n = 0; n < g.N; ++n) st::build_theta(spec_, params ? params + n * k : nullptr, th + 6 * n);

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
  const Dtype* th = theta_full_.cpu_data();
  const Dtype* U = bottom[0]->cpu_data();
  const Dtype* dV = top[0]->cpu_diff();
  Dtype* dU = do_dU ? bottom[0]->mutable_cpu_diff() : nullptr;
  // Tasks: (sample, channel chunk). Chunks exist only to feed every thread when N is
  // small; within a task the tiles run in order, so dU's scatter needs no atomics.
  const int threads = omp_get_max_threads();
  const int chunks = g.N >= 2 * threads ? 1 : std::min(g.C, (2 * threads + g.N - 1) / g.N);
  const int per_chunk = (g.C + chunks - 1) / chunks;
  const int rows = rows_per_tile(g);
  const int64_t plane_in = int64_t(g.H) * g.W, plane_out = int64_t(g.H_out) * g.W_out;
  const int64_t work = int64_t(g.N) * g.C * plane_out;
  std::vector<double> partial(size_t(g.N) * chunks * 6, 0.0);
#pragma omp parallel for schedule(dynamic, 1) if (work > 32768)
  for (int task = 0; task < g.N * chunks; ++task) {
    const int n = task / chunks;
    const int c0 = (task % chunks) * per_chunk, c1 = std::min(g.C, c0 + per_chunk);
    Tile<Dtype>& tile = Tile<Dtype>::local();
    tile.reserve(rows * g.W_out);
    if (do_dU) std::fill(dU + (int64_t(n) * g.C + c0) * plane_in, dU + (int64_t(n) * g.C + c1) * plane_in, Dtype(0));
    double* acc = partial.data() + size_t(task) * 6;
    for (int r0 = 0; r0 < g.H_out; r0 += rows) {
      const int r1 = std::min(g.H_out, r0 + rows), npx = (r1 - r0) * g.W_out;
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
        if (do_dU) scatter_plane(tile, npx, dVc, dU + nc * plane_in);
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
  if (!do_dth) return;
  const Dtype* params = bottom[1]->cpu_data();
  Dtype* dth = dtheta_full_.mutable_cpu_data();
  Dtype* dparams = bottom[1]->mutable_cpu_diff();
  for (int n = 0; n < g.N; ++n) {
    for (int j = 0; j < 6; ++j) {
      double sum = 0;
      for (int ch = 0; ch < chunks; ++ch) sum += partial[(size_t(n) * chunks + ch) * 6 + j];
      dth[6 * n + j] = static_cast<Dtype>(sum);
    }
    st::theta_param_grad(spec_, params + n * k, dth + 6 * n, dparams + n * k);
  }
}

INSTANTIATE_CLASS(SpatialTransformerLayer);
REGISTER_LAYER_CLASS(SpatialTransformer);

}  // namespace caffe
