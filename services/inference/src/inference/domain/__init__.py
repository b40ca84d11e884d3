"""Pure generation rules: prompt styles, seeds (sizes: contracts.sampling). No torch."""
