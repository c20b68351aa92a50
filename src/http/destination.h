// Which network addresses the server may POST notices to (webhooks, contact pagers): the one
// check against server-side request forgery, used when a destination is registered (a URL whose
// host is an IP literal) and again after every DNS resolution, before connecting (client.h
// ClientLimits::allow_address), so that a name cannot resolve to a refused address later.
//
//   if (http::IsRefusedDestination(boost::asio::ip::make_address("169.254.169.254"))) ...;
//   std::string why = http::RefusedHostReason("10.0.0.1");   // "a private address", or ""
//
// Thread-safety: pure functions.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>

namespace deconflict::http {

// What kind of refused address `a` is ("loopback", "link-local", "private", "unspecified",
// "multicast", "shared (CGNAT)", "reserved", "broadcast"), or "" when the server may connect to
// it. An IPv4-mapped or IPv4-compatible IPv6 address is judged as its IPv4 address. Refused:
// 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.168/16,
// 198.18/15, 224/4, 240/4 (incl. 255.255.255.255); ::, ::1, fc00::/7, fe80::/10, ff00::/8,
// 64:ff9b::/96 with a refused IPv4 address, 2002::/16 (6to4) with a refused IPv4 address.
std::string RefusedAddressKind(const boost::asio::ip::address& a);
inline bool IsRefusedDestination(const boost::asio::ip::address& a) {
  return !RefusedAddressKind(a).empty();
}

// For a URL host: when it is an IP literal ("10.0.0.1", "::1", without brackets) of a refused
// kind, "a <kind> address"; "" for a public IP literal or a name (names are checked after
// resolution, at delivery).
std::string RefusedHostReason(std::string_view host);

}  // namespace deconflict::http
