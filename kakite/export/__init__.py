"""Phase 6, `export_tfjs`: the trained models in the browser's format."""
