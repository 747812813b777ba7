"""Phase 5b, `train_vae` and `cluster`: who wrote it. The two-bottleneck VAE, its measures, writer
clustering, and its model folder."""
