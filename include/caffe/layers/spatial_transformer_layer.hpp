// SpatialTransformer: warps an image batch with one 2x3 transform per sample
// (Jaderberg et al., "Spatial Transformer Networks"), compatible with the
// st_param of the Caffe fork used in the seed article.
//
// Bottoms: U (N x C x H x W) and theta (N x k, or any N x ... with k numbers per
// sample). Top: V (N x C x H_out x W_out).
//
// Coordinates (the fork's, the default). Output pixel (s, t) -- row s < H_out,
// column t < W_out -- has target coordinates
//     x_t = 2*s/H_out - 1   (ROW axis)        y_t = 2*t/W_out - 1   (column axis)
//     (x_s, y_s) = theta . (x_t, y_t, 1)       theta = [[t11 t12 t13], [t21 t22 t23]]
// and is read from source row X = (x_s + 1) * H/2, column Y = (y_s + 1) * W/2:
//     V[s, t] = sum_{m, n} U[m, n] * max(0, 1 - |X - m|) * max(0, 1 - |Y - n|)
// over the pixels inside the image (outside ones count as zero). So the identity
// reproduces U exactly when the sizes agree, and t13 = 2/H shifts the picture up by
// one row (output row s reads input row s + 1).
//
// st_param fields (src/caffe/proto/caffe.proto, SpatialTransformerParameter):
//   transform_type  "affine" (default): theta bottom holds the 6 - #fixed free entries
//                   of theta, in the order t11 t12 t13 t21 t22 t23; theta_i_j fields
//                   fix entries (the seed's st_train.prototxt fixes t11 t12 t21 t22 and
//                   feeds N x 2 translations).
//                   "rotation": k = 1, beta; a = pi*beta, theta = [[cos a, -sin a, 0],
//                   [sin a, cos a, 0]] (the seed's rotation-only transformer).
//                   "translation": k = 2, (tx, ty); theta = [[1, 0, tx], [0, 1, ty]].
//                   "similarity": k = 4, (scale, beta, tx, ty); theta =
//                   [[s cos a, -s sin a, tx], [s sin a, s cos a, ty]], a = pi*beta.
//                   theta_i_j fields are rejected for the non-affine types.
//   sampler_type    "bilinear" (the only one).
//   output_H/_W     output size; unset means the input's H / W; 0 is an error.
//   to_compute_dU   false: backward computes the theta gradient only (U's diff is
//                   zero-filled if the net asks for it; no sampling work is spent).
//   align_corners   opt-in: x_t = -1 + 2*s/(H_out-1), X = (x_s + 1) * (H-1)/2 (and the
//                   same for columns): PyTorch's align_corners=True (0 for a size of 1).
//   padding_mode    "zeros" (default) or "border" (source coordinates are clamped to the
//                   edge pixels, with zero gradient in the clamped part, like PyTorch).
// A NaN or infinite source coordinate samples nothing: that pixel is 0 and passes no
// gradient. Gradients flow to theta (the bottom's shape: one value per free number)
// and, when to_compute_dU, to U.
//
// PyTorch equivalent. F.affine_grid/F.grid_sample use grid = (x = column, y = row),
// so theta_pt swaps both the rows and the first two columns of theta:
//     theta_pt = [[t22, t21, t23], [t12, t11, t13]]
// With align_corners: true here, grid_sample(U, affine_grid(theta_pt, size,
// align_corners=True), align_corners=True, padding_mode=same) equals this layer.
// The default convention equals PyTorch's align_corners=False once the translations
// are shifted before the swap: t13 -> t13 - t11/H_out - t12/W_out + 1/H and
// t23 -> t23 - t21/H_out - t22/W_out + 1/W.
//
// Memory: forward and backward need only N x 6 extra numbers (the full theta and its
// gradient); per-pixel weights live in per-thread tiles (CPU) or registers (CUDA). The GPU
// backward keeps N x 6 doubles per block of partial theta gradients, and deterministic
// mode 16 bytes per element of U (below); both are kept between passes.
//
// Summation. dL/dtheta adds every output pixel's contribution in double partial sums that
// are combined in a fixed order, on both sides, so it repeats bit for bit. dL/dU scatters
// each output pixel's gradient to its four source neighbours: the CPU adds them in a fixed
// order; the GPU, by default, with float atomics (fast; the order of additions, and so the
// last bits, vary between runs). With Caffe::set_deterministic(true) (pycaffe
// caffe.set_deterministic(True)) both sides add the exact products in 128-bit fixed point
// per channel plane (kernels/fixed_point.hpp) and round once: the same bits on every run,
// at least as precise as adding in double, for about twice the backward time. A NaN or
// infinite dV then makes its whole dU plane NaN.
#pragma once

#include <memory>
#include <vector>

#include "caffe/kernels/fixed_point.hpp"
#include "caffe/kernels/spatial_transformer.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SpatialTransformerLayer : public Layer<Dtype> {
 public:
  explicit SpatialTransformerLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  // Its passes read the input while writing the output: never in place.
  bool AllowInPlace() const override { return false; }
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "SpatialTransformer"; }
  // The theta bottom may be left out when all six entries are fixed.
  int MinBottomBlobs() const override { return 1; }
  int MaxBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  // The two sides loop differently (per-thread tiles of sample weights on the CPU,
  // several channels per thread on the GPU) around the same per-pixel math.
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override;
  CAFFE_DECLARE_GPU_PASSES(Dtype)

  // Geometry of the current shapes, as the kernels take it.
  struct Geometry {
    int N, C, H, W, H_out, W_out;
    bool align_corners, border;
  };

  st::ThetaSpec<Dtype> spec_;
  Geometry geom_;
  int output_H_ = 0, output_W_ = 0;  // 0: follow the input
  bool to_compute_dU_ = true;
  // Fills theta_full_ on the host from the theta parameters (null: all entries fixed).
  const Dtype* full_theta_cpu(const Dtype* params);
  Blob<Dtype> theta_full_;   // N x 6: theta of every sample
  Blob<Dtype> dtheta_full_;  // N x 6: dL/dtheta before the chain rule to the parameters
  // Scratch kept between passes, grown when a pass needs more: deterministic dU's
  // fixed-point sums (one kernels::Fixed128 per element of U) and exponents (one int per
  // plane); the GPU's per-block partial dL/dtheta (doubles).
  std::shared_ptr<SyncedMemory> fixed_sums_, fixed_exponents_, theta_partials_;
  static SyncedMemory* scratch(std::shared_ptr<SyncedMemory>* m, size_t bytes) {
    if (!*m || (*m)->size() < bytes) *m = std::make_shared<SyncedMemory>(bytes);
    return m->get();
  }
};

}  // namespace caffe
