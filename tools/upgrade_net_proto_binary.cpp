// upgrade_net_proto_binary: rewrites trained weights (.caffemodel) stored in the V0 or V1
// layer format -- as many published models, e.g. BVLC's reference CaffeNet, are -- in the
// current format, as BVLC Caffe's tool of the same name does.
//   upgrade_net_proto_binary OLD.caffemodel NEW.caffemodel
#include <iostream>

#include "caffe/common.hpp"
#include "caffe/util/io.hpp"
#include "caffe/util/upgrade_proto.hpp"

int main(int argc, char** argv) {
  caffe::GlobalInit(&argc, &argv);
  if (argc != 3) {
    std::cerr << "usage: upgrade_net_proto_binary OLD.caffemodel NEW.caffemodel\n";
    return 1;
  }
  try {
    caffe::NetParameter param;
    caffe::ReadProtoFromBinaryFile(argv[1], &param);
    if (!caffe::UpgradeNetAsNeeded(argv[1], &param)) {
      LOG(INFO) << argv[1] << " is already in the current format";
    }
    caffe::WriteProtoToBinaryFile(param, argv[2]);
    LOG(INFO) << "Wrote upgraded NetParameter binary proto to " << argv[2];
  } catch (const std::exception& e) {
    std::cerr << "upgrade_net_proto_binary: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
