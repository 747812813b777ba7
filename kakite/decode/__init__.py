"""Phase 2, `grayscale`: raw records → grey arrays in the one on-disk format every later stage reads."""
