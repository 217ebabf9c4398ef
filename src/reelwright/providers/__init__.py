"""Providers: pluggable text, image and speech back ends, looked up by ``kind:name``."""

from reelwright.providers.base import Audio, Provider, SpeechProvider
from reelwright.providers.registry import available, get_provider, provider_class

__all__ = ["Audio", "Provider", "SpeechProvider", "available", "get_provider", "provider_class"]
