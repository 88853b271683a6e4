"""Tonearm: a self-hosted audio delivery server speaking the AudioDN v1 HTTP API."""

__version__ = "0.1.0"
