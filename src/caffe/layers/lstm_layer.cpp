// LSTM's passes are LstmCore's (lstm_core.hpp); its bottoms and tops RecurrentLayer's.
#include "caffe/layers/lstm_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

INSTANTIATE_CLASS(LSTMLayer);
REGISTER_LAYER_CLASS(LSTM);

}  // namespace caffe
