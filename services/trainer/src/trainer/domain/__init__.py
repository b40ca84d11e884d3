"""Pure training rules: presets and plans, progress pacing, object keys. No torch, no I/O."""
