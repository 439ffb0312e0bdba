#!/usr/bin/env python3
"""Draw a network definition as a picture (Graphviz, through pydot), as BVLC's draw_net.py.

    python3 tools/draw_net.py net.prototxt net.png [--rankdir LR|TB|BT|RL]
                              [--phase ALL|TRAIN|TEST] [--display_lrm]

The output format follows the extension (png, svg, pdf, dot). Old V0/V1 definitions are
upgraded first. Needs pycaffe, pydot and Graphviz's `dot` (scripts/setup installs them).
"""
import argparse
import sys

from google.protobuf import text_format

import caffe
import caffe.draw
from caffe.proto import caffe_pb2


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input_net_proto_file', help='the network definition (prototxt)')
    parser.add_argument('output_image_file', help='the picture to write')
    parser.add_argument('--rankdir', default='LR', choices=['LR', 'TB', 'BT', 'RL'],
                        help='direction of the graph: LR (left to right, default), TB, BT, RL')
    parser.add_argument('--phase', default='ALL', choices=['ALL', 'TRAIN', 'TEST'],
                        help='draw only the layers of a TRAIN or TEST net (default: ALL)')
    parser.add_argument('--display_lrm', action='store_true',
                        help='show the lr_mult of each layer\'s parameters')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    net = caffe_pb2.NetParameter()
    try:
        with open(args.input_net_proto_file) as f:
            text_format.Merge(f.read(), net)
        phase = {'ALL': None, 'TRAIN': caffe.TRAIN, 'TEST': caffe.TEST}[args.phase]
        print(f'Drawing net to {args.output_image_file}')
        caffe.draw.draw_net_to_file(net, args.output_image_file, args.rankdir, phase,
                                    args.display_lrm)
    except (OSError, text_format.ParseError, ValueError, caffe.CaffeError) as e:
        print(f'draw_net: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
