// upgrade_net_proto_text: rewrites a net definition of any Caffe era (V0 `layers { layer
// {...} }`, V1 `layers { type: CONVOLUTION }`, legacy `input:` fields) in the current
// format, as BVLC Caffe's tool of the same name does.
//   upgrade_net_proto_text OLD.prototxt NEW.prototxt
#include <iostream>

#include "caffe/common.hpp"
#include "caffe/util/io.hpp"
#include "caffe/util/upgrade_proto.hpp"

int main(int argc, char** argv) {
  caffe::GlobalInit(&argc, &argv);
  if (argc != 3) {
    std::cerr << "usage: upgrade_net_proto_text OLD_NET.prototxt NEW_NET.prototxt\n";
    return 1;
  }
  try {
    caffe::NetParameter param;
    caffe::ReadProtoFromTextFile(argv[1], &param);
    if (!caffe::UpgradeNetAsNeeded(argv[1], &param)) {
      LOG(INFO) << argv[1] << " is already in the current format";
    }
    caffe::WriteProtoToTextFile(param, argv[2]);
    LOG(INFO) << "Wrote upgraded NetParameter text proto to " << argv[2];
  } catch (const std::exception& e) {
    std::cerr << "upgrade_net_proto_text: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
