// Data: reads serialized Datum records (raw CHW bytes, floats, or encoded images) from an
// LMDB or LevelDB database (data_param.source; data_param.backend: LMDB, or LEVELDB, BVLC's
// default), applies transform_param, and outputs
// data (N x C x H x W) and label (N). The cursor wraps around at the end of the database;
// rand_skip skips a random number of records at start. Loading runs on a prefetch thread.
#pragma once

#include <memory>

#include "caffe/layers/base_data_layer.hpp"
#include "caffe/util/db.hpp"

namespace caffe {

template <typename Dtype>
class DataLayer : public BasePrefetchingDataLayer<Dtype> {
 public:
  explicit DataLayer(const LayerParameter& param) : BasePrefetchingDataLayer<Dtype>(param) {}
  ~DataLayer() override { this->StopPrefetching(); }
  void DataLayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Data"; }

 protected:
  void load_batch(Batch<Dtype>* batch) override;
  // Parses the record under the cursor.
  void ReadCurrent(Datum* datum) const;

  std::unique_ptr<DBReader> db_;
};

}  // namespace caffe
