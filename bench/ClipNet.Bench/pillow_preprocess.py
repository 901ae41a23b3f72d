"""Pillow + NumPy's side of bench/ClipNet.Bench/PreprocessBench.cs.

Runs clip.clip._transform(224) the way the reference does (Pillow decode, Resize(224, BICUBIC) in the image's own
mode, CenterCrop(224), convert("RGB")) with torchvision's ToTensor and Normalize done in NumPy, on one thread, over
the JPEGs in the folder given, from bytes already in memory. Prints milliseconds of the thread's CPU time per image:
decode, the rest, whole.
"""
import glob
import io
import os
import statistics
import sys
import time

import numpy as np
from PIL import Image

SIZE = 224
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32).reshape(3, 1, 1)
REPEATS = 9


def decode(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def resize_crop_normalise(image):
    width, height = image.size
    # torchvision's Resize(224): the short side becomes 224, the long side int(224 * long / short).
    size = (SIZE, int(SIZE * height / width)) if width <= height else (int(SIZE * width / height), SIZE)
    image = image.resize(size, Image.BICUBIC)
    left, top = int(round((size[0] - SIZE) / 2.0)), int(round((size[1] - SIZE) / 2.0))
    image = image.crop((left, top, left + SIZE, top + SIZE)).convert("RGB")
    chw = np.asarray(image).transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    return np.ascontiguousarray((chw - MEAN) / STD)


def per_image_ms(function, items):
    function(items[0])
    times = []
    for _ in range(REPEATS):
        start = time.thread_time()
        for item in items:
            function(item)
        times.append((time.thread_time() - start) / len(items))
    return statistics.median(times) * 1e3


def main():
    files = sorted(glob.glob(os.path.join(sys.argv[1], "*.jpg")))
    encoded = [open(f, "rb").read() for f in files]
    decoded = [decode(data) for data in encoded]
    print(per_image_ms(decode, encoded), per_image_ms(resize_crop_normalise, decoded),
          per_image_ms(lambda data: resize_crop_normalise(decode(data)), encoded))


if __name__ == "__main__":
    main()
