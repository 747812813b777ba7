"""Phases 3 and 4, `audit` and `split`: label audit, class weights, and leak-checked train/val/test."""
