"""Training data: synthesized and real (source, target) pairs, and the torch Dataset that serves them.

- ``curves``: monotonic 1D curves with exact inverses (S-curve, offset power, rational-quadratic spline)
- ``detune``: controlled detunings (exposure, white balance, tint, contrast, ...) and their exact inverses
- ``looks``: ``.cube`` looks from disk and random parametric looks with exact inverses
- ``photos``: listing and caching the photos pairs are made from
- ``rgb``: the input check and the luma-preserving saturation that detunings and looks share
- ``pairs``: ``Pair`` and its sources (real folders, side-by-side images, synthesis), frame sequences
- ``augment``: spatial augmentation (crop, flip); colour is the label and is never augmented
- ``torch_dataset``: ``PairDataset`` and ``worker_init_fn`` (the only torch code here)
- ``make_pairs``: write pairs to disk with a contact sheet, to look at what training sees
"""
