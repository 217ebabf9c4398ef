"""Pipeline stages: each a function from documents to documents (board, voice, cut, render)."""
