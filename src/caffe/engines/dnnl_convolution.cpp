#include "caffe/engines/dnnl_convolution.hpp"

#include <optional>

#include "caffe/util/dnnl_util.hpp"

namespace caffe {

using namespace dnnl_util;  // NOLINT
using dnnl::algorithm;
using dnnl::convolution_backward_data;
using dnnl::convolution_backward_weights;
using dnnl::convolution_forward;
using dnnl::prop_kind;

bool DnnlConvShape::operator==(const DnnlConvShape& o) const {
  auto same2 = [](const int* a, const int* b) { return a[0] == b[0] && a[1] == b[1]; };
  return num == o.num && groups == o.groups && in_c == o.in_c && in_h == o.in_h &&
         in_w == o.in_w && out_c == o.out_c && out_h == o.out_h && out_w == o.out_w &&
         same2(kernel, o.kernel) && same2(stride, o.stride) && same2(pad, o.pad) &&
         same2(dilation, o.dilation) && bias == o.bias;
}

namespace {

// Which layouts a pass computes in. oneDNN's fastest kernels work on channels in blocks
// (nChw16c with AVX-512, nChw8c without); a channel count that fills its blocks badly runs
// faster on oneDNN's GEMM-based kernels in Caffe's own layouts, and a first layer (a few
// input channels) keeps its input plain with blocked weights and output.
// Measured (2 threads, batch 64 unless said):
// - AVX-512, blocks of 16: 1->32 channels 60x60 backward data 27 ms blocked vs 3.7 ms
//   plain, backward weights 3.6 blocked vs 9.5 plain; 32->32 at 28x28 9/11/13 ms blocked
//   vs 16/20/27 plain; 20->50 at 12x12 (20 channels in 32 lanes, 50 in 64) 2.0/2.0/2.9
//   blocked vs 1.6/1.9/1.7 plain.
// - AVX2, blocks of 8: 20->20 5x5 at 13x13 (20 channels in 24 lanes) forward 2.7 ms
//   blocked vs 4.6 plain, backward 4.3-5.0 vs 7.5; 20->50 at 12x12 forward 2.5-2.7 vs 3.4,
//   backward 7.4-7.8 vs 7.3. oneDNN has no blocked backward-weights kernel for a first
//   layer here and falls back on GEMM, slower than the portable pass: 1->32 channels
//   48x48, backward 12.9 ms on oneDNN against 8.0 ms portable; such a layer runs its
//   backward pass portably (portable_backward()). Its forward pass: 3.6 ms blocked plus
//   4.0 ms to reorder the 64x32x44x44 output into Caffe's layout, against 4.9 ms on
//   oneDNN's GEMM-based kernel writing the plain layout (1->20 channels 30x30: 1.05 +
//   0.59 ms against 1.16); but GoogLeNet's first layer (3->64 channels, 7x7, stride 2,
//   224x224, batch 8), with six times the products per output, 18-21 ms blocked with
//   its reorder against 32-35 on GEMM.
// So a channel count fills its blocks when padding it to whole blocks adds at most a
// quarter, or when it is large (64 and more).
enum class Layout { kBlocked, kPlain, kPlainSource };

// The channel block of oneDNN's direct kernels on this machine.
int channel_block() {
  static const int block = [] {
    const unsigned isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    auto has = [isa](dnnl_cpu_isa_t family) {
      return (isa & static_cast<unsigned>(family)) == static_cast<unsigned>(family);
    };
    return has(dnnl_cpu_isa_avx512_core) || has(dnnl_cpu_isa_avx512_mic) ? 16 : 8;
  }();
  return block;
}

bool fills_blocks(int channels) {
  const int block = channel_block();
  const int padded = (channels + block - 1) / block * block;
  return channels >= 64 || padded * 4 <= channels * 5;
}

struct LayoutPlan {
  Layout forward, backward_data, backward_weights;
};

LayoutPlan plan_layouts(const DnnlConvShape& s) {
  const int in = s.in_c / s.groups, out = s.out_c / s.groups;
  if (in < 8) {
    // Without AVX-512, when each output takes few products (a small kernel), reordering
    // the blocked output into Caffe's layout costs more than oneDNN's GEMM-based kernel
    // takes to write it plain.
    const bool few_products = in * s.kernel[0] * s.kernel[1] < 64;
    const Layout forward =
        channel_block() == 8 && few_products ? Layout::kPlain : Layout::kPlainSource;
    return {forward, Layout::kPlain, Layout::kPlainSource};
  }
  const Layout all = fills_blocks(in) && fills_blocks(out) ? Layout::kBlocked : Layout::kPlain;
  return {all, all, all};
}

}  // namespace

struct DnnlConvolution::Impl {
  DnnlConvShape shape;
  dnnl::memory::desc src_user, dst_user, wei_user, bias_user;
  dims strides, dilates, pad_l, pad_r;
  std::optional<convolution_forward::primitive_desc> fwd_pd;
  convolution_forward fwd;
  Staged fwd_src, fwd_wei, fwd_dst;
  // Backward primitives are created on first use (test nets never need them).
  std::optional<convolution_backward_data::primitive_desc> bwd_data_pd;
  convolution_backward_data bwd_data;
  Staged bd_dst, bd_wei, bd_src;
  std::optional<convolution_backward_weights::primitive_desc> bwd_wei_pd;
  convolution_backward_weights bwd_wei;
  Staged bw_src, bw_dst, bw_wei, bw_bias;

  explicit Impl(const DnnlConvShape& s) : shape(s), plan(plan_layouts(s)) {
    const int g = s.groups;
    src_user = plain_desc({s.num, s.in_c, s.in_h, s.in_w}, tag::nchw);
    dst_user = plain_desc({s.num, s.out_c, s.out_h, s.out_w}, tag::nchw);
    wei_user = g == 1 ? plain_desc({s.out_c, s.in_c, s.kernel[0], s.kernel[1]}, tag::oihw)
                      : plain_desc({g, s.out_c / g, s.in_c / g, s.kernel[0], s.kernel[1]},
                                   tag::goihw);
    bias_user = plain_desc({s.out_c}, tag::x);
    strides = {s.stride[0], s.stride[1]};
    dilates = {s.dilation[0] - 1, s.dilation[1] - 1};  // oneDNN counts the gaps
    pad_l = {s.pad[0], s.pad[1]};
    // Caffe rounds the output size down, so the right/bottom padding actually used may be
    // less than pad (even negative: trailing input rows no window reaches).
    pad_r.resize(2);
    const int in[2] = {s.in_h, s.in_w}, out[2] = {s.out_h, s.out_w};
    for (int i = 0; i < 2; ++i) {
      const int extent = s.dilation[i] * (s.kernel[i] - 1) + 1;
      pad_r[i] = (out[i] - 1) * s.stride[i] + extent - in[i] - s.pad[i];
    }
  }

  LayoutPlan plan;
  // The operand descriptors a pass is created with, for its layout.
  dnnl::memory::desc src_md(Layout l) const {
    return l == Layout::kBlocked ? any_desc(src_user.dims()) : src_user;
  }
  dnnl::memory::desc wei_md(Layout l) const {
    return l == Layout::kPlain ? wei_user : any_desc(wei_user.dims());
  }
  dnnl::memory::desc dst_md(Layout l) const {
    return l == Layout::kPlain ? dst_user : any_desc(dst_user.dims());
  }

  void make_forward() {
    const Layout l = plan.forward;
    auto d = shape.bias
                 ? convolution_forward::desc(prop_kind::forward_training,
                                             algorithm::convolution_direct, src_md(l), wei_md(l),
                                             bias_user, dst_md(l), strides, dilates, pad_l, pad_r)
                 : convolution_forward::desc(prop_kind::forward_training,
                                             algorithm::convolution_direct, src_md(l), wei_md(l),
                                             dst_md(l), strides, dilates, pad_l, pad_r);
    fwd_pd.emplace(d, scratchpad_attr(), cpu_engine());
    fwd = convolution_forward(*fwd_pd);
    fwd_src = Staged(src_user, fwd_pd->src_desc(), kScratchIn0);
    fwd_wei = Staged(wei_user, fwd_pd->weights_desc(), kScratchIn1);
    fwd_dst = Staged(dst_user, fwd_pd->dst_desc(), kScratchOut);
  }
  void make_backward_data() {
    const Layout l = plan.backward_data;
    convolution_backward_data::desc d(algorithm::convolution_direct, src_md(l), wei_md(l),
                                      dst_md(l), strides, dilates, pad_l, pad_r);
    bwd_data_pd.emplace(d, scratchpad_attr(), cpu_engine(), *fwd_pd);
    bwd_data = convolution_backward_data(*bwd_data_pd);
    bd_dst = Staged(dst_user, bwd_data_pd->diff_dst_desc(), kScratchIn0);
    bd_wei = Staged(wei_user, bwd_data_pd->weights_desc(), kScratchIn1);
    bd_src = Staged(src_user, bwd_data_pd->diff_src_desc(), kScratchOut);
  }
  // The backward-weights primitive's description alone (no kernel generated yet).
  void describe_backward_weights() {
    const Layout l = plan.backward_weights;
    auto d = shape.bias
                 ? convolution_backward_weights::desc(algorithm::convolution_direct, src_md(l),
                                                      wei_md(l), bias_user, dst_md(l), strides,
                                                      dilates, pad_l, pad_r)
                 : convolution_backward_weights::desc(algorithm::convolution_direct, src_md(l),
                                                      wei_md(l), dst_md(l), strides, dilates,
                                                      pad_l, pad_r);
    bwd_wei_pd.emplace(d, scratchpad_attr(), cpu_engine(), *fwd_pd);
  }
  void make_backward_weights() {
    if (!bwd_wei_pd) describe_backward_weights();
    bwd_wei = convolution_backward_weights(*bwd_wei_pd);
    bw_src = Staged(src_user, bwd_wei_pd->src_desc(), kScratchIn0);
    bw_dst = Staged(dst_user, bwd_wei_pd->diff_dst_desc(), kScratchIn1);
    bw_wei = Staged(wei_user, bwd_wei_pd->diff_weights_desc(), kScratchOut, true);
    if (shape.bias) bw_bias = Staged(bias_user, bwd_wei_pd->diff_bias_desc(), kScratchAux, true);
  }
};

DnnlConvolution::DnnlConvolution(std::string where) : where_(std::move(where)) {}
DnnlConvolution::~DnnlConvolution() = default;

bool DnnlConvolution::Prepare(const DnnlConvShape& shape) {
  if (impl_ && impl_->shape == shape) return true;
  impl_.reset();
  portable_backward_ = false;
  std::unique_ptr<Impl> impl(new Impl(shape));
  if (!prepare_or_decline(where_, "convolution", [&] {
        impl->make_forward();
        return true;
      })) {
    return false;
  }
  // oneDNN's reference kernels are far slower than the portable im2col + GEMM pass.
  if (std::string(impl->fwd_pd->impl_info_str()).rfind("ref", 0) == 0) return false;
  if (impl->plan.backward_weights == Layout::kPlainSource) {
    portable_backward_ = !prepare_or_decline(where_, "convolution's backward pass", [&] {
      impl->describe_backward_weights();
      return std::string(impl->bwd_wei_pd->impl_info_str()).find("gemm") == std::string::npos;
    });
  }
  impl_ = std::move(impl);
  return true;
}

std::string DnnlConvolution::implementation() const {
  return impl_ ? impl_->fwd_pd->impl_info_str() : std::string("none");
}

void DnnlConvolution::Forward(const float* x, const float* w, const float* b, float* y) {
  Impl& m = *impl_;
  CAFFE_DNNL_TRY(where_, {
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, m.fwd_src.in(x)},
                                               {DNNL_ARG_WEIGHTS, m.fwd_wei.in(w)},
                                               {DNNL_ARG_DST, m.fwd_dst.out(y)}};
    if (m.shape.bias) {
      args[DNNL_ARG_BIAS] = dnnl::memory(m.bias_user, cpu_engine(), const_cast<float*>(b));
    }
    execute(m.fwd, *m.fwd_pd, args);
    m.fwd_dst.finish();
  });
}

void DnnlConvolution::BackwardData(const float* dy, const float* w, float* dx) {
  Impl& m = *impl_;
  CAFFE_DNNL_TRY(where_, {
    if (!m.bwd_data_pd) m.make_backward_data();
    execute(m.bwd_data, *m.bwd_data_pd, {{DNNL_ARG_DIFF_DST, m.bd_dst.in(dy)},
                                         {DNNL_ARG_WEIGHTS, m.bd_wei.in(w)},
                                         {DNNL_ARG_DIFF_SRC, m.bd_src.out(dx)}});
    m.bd_src.finish();
  });
}

void DnnlConvolution::BackwardWeights(const float* x, const float* dy, float* dw, float* db) {
  Impl& m = *impl_;
  CAFFE_ASSERT(db == nullptr || m.shape.bias);
  CAFFE_DNNL_TRY(where_, {
    if (!m.bwd_wei) m.make_backward_weights();
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, m.bw_src.in(x)},
                                               {DNNL_ARG_DIFF_DST, m.bw_dst.in(dy)},
                                               {DNNL_ARG_DIFF_WEIGHTS, m.bw_wei.out(dw)}};
    // oneDNN computes the bias gradient whenever the primitive has a bias; it lands in
    // scratch (bw_bias always stages) and reaches db only through finish().
    if (m.shape.bias) args[DNNL_ARG_DIFF_BIAS] = m.bw_bias.out(db ? db : dw);
    execute(m.bwd_wei, *m.bwd_wei_pd, args);
    m.bw_wei.finish();
    if (db) m.bw_bias.finish();
  });
}

}  // namespace caffe
