"""Serving the trained models to users: the `kakite` console script."""
