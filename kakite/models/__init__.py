"""Keras 2 models (tf_keras, never Keras 3): what TF.js loadLayersModel can read.

Every model that leaves Python (the CNN, the VAE encoder and decoder) is a plain functional model
of standard layers, saved as .h5, so `tensorflowjs_converter --input_format keras` converts it.
"""
