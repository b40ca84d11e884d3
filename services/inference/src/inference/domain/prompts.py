"""Style presets shape the prompt; the user's words come first and are kept whole."""

from contracts.events.common import StylePreset

STYLE_SUFFIXES: dict[str, str] = {
    "none": "",
    "cinematic": "cinematic film still, dramatic lighting, shallow depth of field",
    "photographic": "professional photograph, natural light, sharp focus",
    "anime": "anime artwork, cel shading, vibrant colours",
    "illustration": "digital illustration, clean lines, detailed",
    "3d-render": "3d render, octane render, soft global illumination",
}


def styled(prompt: str, style: StylePreset) -> str:
    suffix = STYLE_SUFFIXES[style]
    return f"{prompt}, {suffix}" if suffix else prompt
