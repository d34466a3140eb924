"""The deterministic recognizer input the onnxruntime reference scripts share: stripes of ink on the
left 180 columns of the manifest's input size (or of a wider canvas, all but its last 76 columns)."""
import numpy as np


def reference_image(recognizer, width=None):
    h, w = recognizer["input_height"], width or recognizer["input_width"]
    yy, xx = np.mgrid[0:h, 0:w]
    return (((xx // 7 + yy // 5) % 3 == 0) & (xx < w - 76)).astype(np.float32)[None, None]


def decoder_feeds(memory, keys):
    """The GRU step's crop inputs from the encoder's outputs: training's export.decoder_feeds, the one
    definition of that layout (imported here so that these scripts need torch only through it)."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from training.mathsnap_train.export import decoder_feeds as feeds
    return feeds(memory, keys)
