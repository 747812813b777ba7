"""Shared vocabulary, lowest in the graph: errors, atomic writes, params, label sets, the record and domain
names, image decoding and THE preprocessing spec. Imports nothing else from kakite."""
