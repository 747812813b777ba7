"""Phase 1, `fetch`: download the real datasets safely, or synthesise the embedded default from KanjiVG
strokes and fonts."""
