"""Writing: premise or novel → bible and season plan → episode scripts, with a text provider."""
