#!/usr/bin/env python3
"""Writes a `path label` list file (for ImageData layers and convert_imageset) from a
folder that holds one sub-folder of images per class:

    make_list_file.py DATA_ROOT LIST_FILE [--shuffle] [--seed N] [--absolute]

Labels are the class folder's index in sorted order, or the folder's name when every
class folder is named by an integer (e.g. 0/ ... 9/). Paths are relative to DATA_ROOT
(use it as ImageData's root_folder or convert_imageset's ROOTFOLDER) unless --absolute.
"""
import argparse
import os
import random
import sys

IMAGE_EXTENSIONS = {'.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.ppm', '.pgm', '.webp'}


def class_labels(folders):
    """{folder: label}: integers when all names are integers, else sorted indices."""
    try:
        return {f: int(f) for f in folders}
    except ValueError:
        return {f: i for i, f in enumerate(sorted(folders))}


def list_images(root, absolute=False):
    """[(path, label)] for the images under each class sub-folder of root."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f'{root!r} is not a folder')
    folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    if not folders:
        raise ValueError(f'{root!r} has no class sub-folders')
    labels = class_labels(folders)
    entries = []
    for folder in sorted(folders, key=lambda f: labels[f]):
        base = os.path.join(root, folder)
        for dirpath, _, files in sorted(os.walk(base)):
            for name in sorted(files):
                if os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
                    continue
                full = os.path.join(dirpath, name)
                path = os.path.abspath(full) if absolute else os.path.relpath(full, root)
                entries.append((path, labels[folder]))
    return entries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('root', help='folder with one sub-folder per class')
    parser.add_argument('list_file', help='the list file to write')
    parser.add_argument('--shuffle', action='store_true', help='shuffle the lines')
    parser.add_argument('--seed', type=int, default=None, help='seed for --shuffle')
    parser.add_argument('--absolute', action='store_true', help='write absolute paths')
    args = parser.parse_args(argv)
    try:
        entries = list_images(args.root, args.absolute)
    except (OSError, ValueError) as e:
        print(f'make_list_file: {e}', file=sys.stderr)
        return 1
    if args.shuffle:
        random.Random(args.seed).shuffle(entries)
    with open(args.list_file, 'w') as f:
        for path, label in entries:
            f.write(f'{path} {label}\n')
    classes = len({label for _, label in entries})
    print(f'wrote {len(entries)} images in {classes} classes to {args.list_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
