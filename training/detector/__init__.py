"""Formula-region detector: a DBNet-style probability map of formula cores (see docs/CONTRACTS.md).

Modules: `geometry` (core inset, rasterised targets, a port of src/detector/postprocess.rs, polygon IoU),
`model` (the network), `data` (pages -> augmented crops + targets), `train` (resumable trainer),
`evaluate` (P/R/F1 at quad IoU >= 0.5 per noise cell), `export` (ONNX + manifest)."""
