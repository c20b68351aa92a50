// Cryptographic primitives of the record, all from libsodium: SHA-256, HMAC-SHA256, Ed25519,
// random tokens. Byte strings travel as lower-case hex.
//
//   std::string h = Sha256Hex("abc");                       // "ba7816bf..."
//   KeyPair k = *LoadOrCreateKeyPair("/var/lib/deconflict/server.key");
//   std::string sig = Sign(k, "message");  CHECK(Verify(k.public_key_hex, "message", sig));
//
// Thread-safety: all functions are thread-safe (sodium_init is called once, internally).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace deconflict::record {

std::string ToHex(std::string_view bytes);
// InvalidArgument unless `hex` has an even number of [0-9a-fA-F] characters.
Result<std::string> FromHex(std::string_view hex);
// True if `s` is exactly 2 * `bytes` characters of [0-9a-f] (the canonical form of every hash,
// key and signature in the record: upper-case hex is rejected where this is checked).
bool IsLowerHex(std::string_view s, size_t bytes);

std::string Sha256Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// SHA-256 over data given in pieces: Sha256 h; h.Update("ab"); h.Update("c"); h.Hex() ==
// Sha256Hex("abc"). Copyable (a copy continues from the same state). Not thread-safe.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  std::string Hex() const;  // of everything given so far; Update may go on after it

 private:
  alignas(16) unsigned char state_[128];  // crypto_hash_sha256_state (104 bytes in libsodium)
};
// Constant-time comparison of two equal-length strings (false if lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `bytes` random bytes as hex (2 * bytes characters).
std::string RandomHex(size_t bytes);

struct KeyPair {
  std::string public_key_hex;  // 32 bytes
  std::string secret_key;      // 64 raw bytes (libsodium Ed25519 secret key)
};

KeyPair GenerateKeyPair();
// Reads the key file (hex secret key, one line), or creates it with mode 0600 if missing.
// IoError if it cannot be read or written; InvalidArgument if the file is not a key.
// Creation is atomic (a temporary file linked into place): a crash never leaves a partial key,
// and when two processes race the one that loses loads the winner's key. The parent directory
// must exist.
Result<KeyPair> LoadOrCreateKeyPair(const std::string& path);
// Detached Ed25519 signature, hex (64 bytes). Deterministic (RFC 8032).
// REQUIRES: key.secret_key is 64 bytes (as made by GenerateKeyPair); returns "" otherwise.
std::string Sign(const KeyPair& key, std::string_view message);
// False on any malformed input.
bool Verify(std::string_view public_key_hex, std::string_view message,
            std::string_view signature_hex);

}  // namespace deconflict::record
