#include "http/destination.h"

#include <array>
#include <cstdint>

namespace deconflict::http {

namespace {

namespace ip = boost::asio::ip;

bool In(uint32_t v, uint32_t net, int bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (v & mask) == (net & mask);
}

constexpr uint32_t Ip4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

std::string KindV4(const ip::address_v4& a) {
  const uint32_t v = a.to_uint();
  if (In(v, Ip4(0, 0, 0, 0), 8)) return "unspecified";
  if (In(v, Ip4(127, 0, 0, 0), 8)) return "loopback";
  if (In(v, Ip4(169, 254, 0, 0), 16)) return "link-local";
  if (In(v, Ip4(10, 0, 0, 0), 8) || In(v, Ip4(172, 16, 0, 0), 12) ||
      In(v, Ip4(192, 168, 0, 0), 16)) {
    return "private";
  }
  if (In(v, Ip4(100, 64, 0, 0), 10)) return "shared (CGNAT)";
  if (In(v, Ip4(224, 0, 0, 0), 4)) return "multicast";
  if (v == Ip4(255, 255, 255, 255)) return "broadcast";
  if (In(v, Ip4(240, 0, 0, 0), 4) || In(v, Ip4(192, 0, 0, 0), 24) ||
      In(v, Ip4(198, 18, 0, 0), 15)) {
    return "reserved";
  }
  return "";
}

// The IPv4 address embedded in bytes [at, at + 4) of `b`.
ip::address_v4 Embedded(const ip::address_v6::bytes_type& b, size_t at) {
  return ip::address_v4(ip::address_v4::bytes_type{b[at], b[at + 1], b[at + 2], b[at + 3]});
}

std::string KindV6(const ip::address_v6& a) {
  if (a.is_v4_mapped()) return KindV4(ip::make_address_v4(ip::v4_mapped, a));
  const ip::address_v6::bytes_type b = a.to_bytes();
  if (a.is_unspecified()) return "unspecified";
  if (a.is_loopback()) return "loopback";
  bool first12_zero = true;  // ::a.b.c.d (IPv4-compatible, deprecated)
  for (size_t i = 0; i < 12; ++i) first12_zero &= b[i] == 0;
  if (first12_zero) return KindV4(Embedded(b, 12)).empty() ? "reserved" : KindV4(Embedded(b, 12));
  if ((b[0] & 0xfe) == 0xfc) return "private";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";
  if (b[0] == 0xff) return "multicast";
  const std::array<uint8_t, 12> nat64 = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  bool is_nat64 = true;
  for (size_t i = 0; i < 12; ++i) is_nat64 &= b[i] == nat64[i];
  if (is_nat64) return KindV4(Embedded(b, 12));
  if (b[0] == 0x20 && b[1] == 0x02) return KindV4(Embedded(b, 2));  // 6to4
  return "";
}

}  // namespace

std::string RefusedAddressKind(const ip::address& a) {
  return a.is_v4() ? KindV4(a.to_v4()) : KindV6(a.to_v6());
}

std::string RefusedHostReason(std::string_view host) {
  boost::system::error_code ec;
  const ip::address a = ip::make_address(std::string(host), ec);
  if (ec) return "";
  std::string kind = RefusedAddressKind(a);
  return kind.empty() ? "" : "a " + kind + " address";
}

}  // namespace deconflict::http
