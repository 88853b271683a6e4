"""One secret per purpose: independent subkeys derived with HKDF-SHA256 (RFC 5869) from SECRET_KEY.

Upload URLs, delivery URLs and the pepper of API key digests each use their own subkey, so what
one purpose is given (for example a delivery key handed to an edge that signs playback URLs)
cannot sign for another (uploads). Rotation: set TONEARM_PREVIOUS_SECRET_KEY to the old secret
and SECRET_KEY to the new one; URLs signed with the old subkeys stay valid until they expire
(keep the previous secret at least as long as the longest URL lifetime), and API keys are found
under either pepper and stored again under the new one.
"""

from __future__ import annotations

import base64
import functools
from enum import StrEnum

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tonearm.settings import Settings

SALT = b"tonearm/keyring/v1"


class Purpose(StrEnum):
    UPLOAD_URL = "upload-url"  # /u/… upload, cover and completion URLs
    DELIVERY_URL = "delivery-url"  # /d/… playback and download URLs
    API_KEY_PEPPER = "api-key-pepper"  # HMAC pepper of stored API key digests
    SIGNING_KEY_STORAGE = "signing-key-storage"  # encrypts URL Signing key secrets at rest
    ANALYTICS_TOKEN = "analytics-token"  # keyed digests of podcast feed tokens in analytics events


@functools.lru_cache(maxsize=64)
def derive(secret: str, purpose: str) -> str:
    """The subkey of `secret` for `purpose` (hex; deterministic)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=f"tonearm:{purpose}".encode())
    return hkdf.derive(secret.encode()).hex()


class Keyring:
    def __init__(self, secret: str, previous: str = ""):
        if not secret:
            raise ValueError("the keyring needs a secret")
        self._secrets = [secret] + ([previous] if previous and previous != secret else [])

    @classmethod
    def of(cls, settings: Settings) -> "Keyring":
        return cls(settings.ensure_secret_key(), settings.previous_secret_key)

    def key(self, purpose: Purpose) -> str:
        """The subkey to sign with now."""
        return derive(self._secrets[0], purpose)

    def keys(self, purpose: Purpose) -> list[str]:
        """Every subkey a signature may have been made with (current first, then the previous)."""
        return [derive(s, purpose) for s in self._secrets]

    def vault(self) -> MultiFernet:
        """Encrypts secrets that must be read back (URL Signing keys); decrypts under any secret."""
        return MultiFernet([Fernet(base64.urlsafe_b64encode(bytes.fromhex(k)))
                            for k in self.keys(Purpose.SIGNING_KEY_STORAGE)])

    def peppers(self) -> list[str]:
        """Peppers an API key digest may have been stored with: the subkeys, then the raw secrets
        that digests made before the keyring used. A match under any but the first is stored anew."""
        return self.keys(Purpose.API_KEY_PEPPER) + list(self._secrets)
