"""Phase 5a, `train_cnn`: what was written. The hiragana CNN, its recipes, and its model folder."""
