#include "record/crypto.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace deconflict::record {
namespace {

void EnsureSodium() {
  static const bool initialized = [] {
    // sodium_init returns 0 on the first call, 1 when already initialized, -1 on failure (no
    // usable entropy source): nothing in this module is safe without it.
    if (sodium_init() < 0) std::abort();
    return true;
  }();
  (void)initialized;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string ErrnoText() { return std::strerror(errno); }

// Writes `data` to a new file `path` with mode 0600 and fsyncs it. IoError on failure.
Status WriteNewFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot create " + path + ": " + ErrnoText());
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Status::IoError("cannot write " + path + ": " + ErrnoText());
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Status::IoError("cannot sync " + path + ": " + ErrnoText());
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Status::IoError("cannot close " + path + ": " + ErrnoText());
  return Status::Ok();
}

Result<KeyPair> ParseKeyFile(const std::string& path, const std::string& text) {
  std::string hex = text;
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) {
    hex.pop_back();
  }
  Result<std::string> sk = FromHex(hex);
  if (!sk.ok() || sk->size() != crypto_sign_SECRETKEYBYTES) {
    return Status::InvalidArgument(path + " is not a deconflict key file (expected " +
                                   std::to_string(2 * crypto_sign_SECRETKEYBYTES) +
                                   " hex characters on one line)");
  }
  // The secret key is seed || public key: re-derive both from the seed to reject a damaged file.
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char check[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, check, Bytes(*sk));
  if (sodium_memcmp(check, Bytes(*sk), sizeof check) != 0) {
    sodium_memzero(check, sizeof check);
    return Status::InvalidArgument(path + " is not a valid Ed25519 secret key");
  }
  sodium_memzero(check, sizeof check);
  KeyPair k;
  k.public_key_hex = ToHex(std::string_view(reinterpret_cast<const char*>(pk), sizeof pk));
  k.secret_key = std::move(*sk);
  return k;
}

Result<std::optional<std::string>> ReadIfExists(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Status::IoError("cannot read " + path + ": " + ErrnoText());
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IoError("cannot read " + path + ": " + ErrnoText());
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 1 << 16) {
      ::close(fd);
      return Status::InvalidArgument(path + " is not a deconflict key file (too large)");
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(text));
}

}  // namespace

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * bytes.size(), '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

Result<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex string has an odd length");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("not a hex string");
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

bool IsLowerHex(std::string_view s, size_t bytes) {
  if (s.size() != 2 * bytes) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string Sha256Hex(std::string_view data) {
  EnsureSodium();
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, Bytes(data), data.size());
  return ToHex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

static_assert(sizeof(crypto_hash_sha256_state) <= 128);

Sha256::Sha256() {
  EnsureSodium();
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}

void Sha256::Update(std::string_view data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), Bytes(data),
                            data.size());
}

std::string Sha256::Hex() const {
  crypto_hash_sha256_state copy;
  std::memcpy(&copy, state_, sizeof copy);
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&copy, out);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  EnsureSodium();
  crypto_auth_hmacsha256_state state;
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  // _init accepts keys of any length (longer than the block size: hashed first, as RFC 2104).
  crypto_auth_hmacsha256_init(&state, Bytes(key), key.size());
  crypto_auth_hmacsha256_update(&state, Bytes(data), data.size());
  crypto_auth_hmacsha256_final(&state, out);
  sodium_memzero(&state, sizeof state);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  EnsureSodium();
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomHex(size_t bytes) {
  EnsureSodium();
  std::string raw(bytes, '\0');
  if (bytes > 0) randombytes_buf(raw.data(), raw.size());
  return ToHex(raw);
}

KeyPair GenerateKeyPair() {
  EnsureSodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  std::string sk(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_keypair(pk, reinterpret_cast<unsigned char*>(sk.data()));
  KeyPair k;
  k.public_key_hex = ToHex(std::string_view(reinterpret_cast<const char*>(pk), sizeof pk));
  k.secret_key = std::move(sk);
  return k;
}

Result<KeyPair> LoadOrCreateKeyPair(const std::string& path) {
  EnsureSodium();
  Result<std::optional<std::string>> existing = ReadIfExists(path);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return ParseKeyFile(path, **existing);

  // Create atomically: write a private temporary file, then link it to `path`. link() fails if
  // `path` appeared meanwhile (another process won the race), and then that key is used; a crash
  // never leaves a half-written key file behind.
  KeyPair k = GenerateKeyPair();
  std::string text = ToHex(k.secret_key) + "\n";
  std::string tmp = path + ".tmp-" + RandomHex(8);
  Status w = WriteNewFile(tmp, text);
  sodium_memzero(text.data(), text.size());
  if (!w.ok()) {
    ::unlink(tmp.c_str());
    return w;
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (link_errno == EEXIST) {
      Result<std::optional<std::string>> raced = ReadIfExists(path);
      if (!raced.ok()) return raced.status();
      if (raced->has_value()) return ParseKeyFile(path, **raced);
    }
    return Status::IoError("cannot create " + path + ": " + std::strerror(link_errno));
  }
  // Make the new directory entry durable too.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return k;
}

std::string Sign(const KeyPair& key, std::string_view message) {
  EnsureSodium();
  unsigned char sig[crypto_sign_BYTES];
  if (key.secret_key.size() != crypto_sign_SECRETKEYBYTES) return std::string();
  crypto_sign_detached(sig, nullptr, Bytes(message), message.size(), Bytes(key.secret_key));
  return ToHex(std::string_view(reinterpret_cast<const char*>(sig), sizeof sig));
}

bool Verify(std::string_view public_key_hex, std::string_view message,
            std::string_view signature_hex) {
  EnsureSodium();
  Result<std::string> pk = FromHex(public_key_hex);
  Result<std::string> sig = FromHex(signature_hex);
  if (!pk.ok() || !sig.ok() || pk->size() != crypto_sign_PUBLICKEYBYTES ||
      sig->size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(Bytes(*sig), Bytes(message), message.size(), Bytes(*pk)) == 0;
}

}  // namespace deconflict::record
