"""Training machinery shared by both models: strategy, batches, augmentation, resumable fits."""
