"""Pure generation rules: output sizes, prompt styles, seeds, the adapter cache. No torch."""
