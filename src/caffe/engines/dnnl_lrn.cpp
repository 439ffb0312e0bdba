#include "caffe/engines/dnnl_lrn.hpp"

#include <optional>

#include "caffe/util/dnnl_util.hpp"

namespace caffe {

using namespace dnnl_util;  // NOLINT
using dnnl::lrn_backward;
using dnnl::lrn_forward;

bool DnnlLRNShape::operator==(const DnnlLRNShape& o) const {
  return num == o.num && channels == o.channels && height == o.height && width == o.width &&
         size == o.size && within_channel == o.within_channel && alpha == o.alpha &&
         beta == o.beta && k == o.k && training == o.training;
}

struct DnnlLRN::Impl {
  DnnlLRNShape shape;
  dnnl::algorithm alg = dnnl::algorithm::lrn_across_channels;
  dnnl::memory::desc plain;
  // Test phase: forward in the plain layout.
  std::optional<lrn_forward::primitive_desc> infer_pd;
  lrn_forward infer;
  dnnl::memory x_mem, y_mem;
  // Training (also made on demand when a test-phase net runs backward): blocked layout.
  std::optional<lrn_forward::primitive_desc> train_pd;
  lrn_forward train;
  dnnl::memory workspace;
  Staged train_src, train_dst;
  std::optional<lrn_backward::primitive_desc> bwd_pd;
  lrn_backward bwd;
  Staged bwd_src, bwd_diff_dst, bwd_diff_src;
  bool workspace_fresh = false;  // a training forward ran since the last shape change

  explicit Impl(const DnnlLRNShape& s) : shape(s) {
    alg = s.within_channel ? dnnl::algorithm::lrn_within_channel
                           : dnnl::algorithm::lrn_across_channels;
    plain = plain_desc({s.num, s.channels, s.height, s.width}, tag::nchw);
  }
  lrn_forward::desc forward_desc(dnnl::prop_kind kind, const dnnl::memory::desc& md) const {
    return lrn_forward::desc(kind, alg, md, shape.size, shape.alpha, shape.beta, shape.k);
  }
  void make_inference() {
    infer_pd.emplace(forward_desc(dnnl::prop_kind::forward_inference, plain), scratchpad_attr(),
                     cpu_engine());
    infer = lrn_forward(*infer_pd);
    x_mem = dnnl::memory(plain, cpu_engine(), DNNL_MEMORY_NONE);
    y_mem = dnnl::memory(plain, cpu_engine(), DNNL_MEMORY_NONE);
  }
  void make_training() {
    const auto& d = plain.dims();
    // Blocks of 16 channels when they fill them; otherwise the plain layout.
    const dnnl::memory::desc md =
        shape.channels % 16 == 0 ? plain_desc(d, tag::nChw16c) : plain;
    train_pd.emplace(forward_desc(dnnl::prop_kind::forward_training, md), scratchpad_attr(),
                     cpu_engine());
    train = lrn_forward(*train_pd);
    workspace = dnnl::memory(train_pd->workspace_desc(), cpu_engine());
    train_src = Staged(plain, train_pd->src_desc(), kScratchIn0);
    train_dst = Staged(plain, train_pd->dst_desc(), kScratchOut);
    bwd_pd.emplace(lrn_backward::desc(alg, md, md, shape.size, shape.alpha, shape.beta, shape.k),
                   scratchpad_attr(), cpu_engine(), *train_pd);
    bwd = lrn_backward(*bwd_pd);
    bwd_src = Staged(plain, bwd_pd->src_desc(), kScratchIn0);
    bwd_diff_dst = Staged(plain, bwd_pd->diff_dst_desc(), kScratchIn1);
    bwd_diff_src = Staged(plain, bwd_pd->diff_src_desc(), kScratchOut);
  }
  void forward_training(const float* x, float* y) {
    execute(train, *train_pd, {{DNNL_ARG_SRC, train_src.in(x)},
                                 {DNNL_ARG_DST, train_dst.out(y)},
                                 {DNNL_ARG_WORKSPACE, workspace}});
    train_dst.finish();
    workspace_fresh = true;
  }
};

DnnlLRN::DnnlLRN(std::string where) : where_(std::move(where)) {}
DnnlLRN::~DnnlLRN() = default;

bool DnnlLRN::Prepare(const DnnlLRNShape& shape) {
  if (impl_ && impl_->shape == shape) return true;
  impl_.reset();
  std::unique_ptr<Impl> impl(new Impl(shape));
  if (!prepare_or_decline(where_, "LRN", [&] {
        if (shape.training) impl->make_training();
        else impl->make_inference();
        return true;
      })) {
    return false;
  }
  impl_ = std::move(impl);
  return true;
}

std::string DnnlLRN::implementation() const {
  if (!impl_) return "none";
  return impl_->train_pd ? impl_->train_pd->impl_info_str() : impl_->infer_pd->impl_info_str();
}

void DnnlLRN::Forward(const float* x, float* y) {
  Impl& m = *impl_;
  CAFFE_DNNL_TRY(where_, {
    if (m.shape.training) {
      m.forward_training(x, y);
    } else {
      m.x_mem.set_data_handle(const_cast<float*>(x));
      m.y_mem.set_data_handle(y);
      execute(m.infer, *m.infer_pd, {{DNNL_ARG_SRC, m.x_mem}, {DNNL_ARG_DST, m.y_mem}});
      m.workspace_fresh = false;
    }
  });
}

void DnnlLRN::Backward(const float* x, const float* dy, float* dx) {
  Impl& m = *impl_;
  CAFFE_DNNL_TRY(where_, {
    if (!m.train_pd) m.make_training();
    if (!m.workspace_fresh) {
      // A test-phase net asked for gradients: redo the forward pass in training mode for
      // the workspace backward needs (its output lands in dx, overwritten below).
      m.forward_training(x, dx);
    }
    execute(m.bwd, *m.bwd_pd, {{DNNL_ARG_SRC, m.bwd_src.in(x)},
                                 {DNNL_ARG_DIFF_DST, m.bwd_diff_dst.in(dy)},
                                 {DNNL_ARG_WORKSPACE, m.workspace},
                                 {DNNL_ARG_DIFF_SRC, m.bwd_diff_src.out(dx)}});
    m.bwd_diff_src.finish();
  });
}

}  // namespace caffe
