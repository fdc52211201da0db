"""cvgen: deterministic synthesis of cvbundle 1.0 samples, conformance cases and
benchmark corpora (realistic French CVs as .docx and legacy .doc)."""

from .corpus import corpus_bundle, write_corpus

__all__ = ["corpus_bundle", "write_corpus"]
