#include "http/destination.h"

#include <gtest/gtest.h>

namespace deconflict::http {
namespace {

std::string Kind(const char* text) {
  return RefusedAddressKind(boost::asio::ip::make_address(text));
}

TEST(Destination, RefusesLoopbackPrivateLinkLocalAndTheirMappedForms) {
  EXPECT_EQ(Kind("127.0.0.1"), "loopback");
  EXPECT_EQ(Kind("127.8.9.10"), "loopback");
  EXPECT_EQ(Kind("::1"), "loopback");
  EXPECT_EQ(Kind("0.0.0.0"), "unspecified");
  EXPECT_EQ(Kind("::"), "unspecified");
  EXPECT_EQ(Kind("169.254.169.254"), "link-local");
  EXPECT_EQ(Kind("fe80::1"), "link-local");
  EXPECT_EQ(Kind("10.0.0.1"), "private");
  EXPECT_EQ(Kind("172.16.0.1"), "private");
  EXPECT_EQ(Kind("172.31.255.255"), "private");
  EXPECT_EQ(Kind("192.168.1.1"), "private");
  EXPECT_EQ(Kind("fc00::1"), "private");
  EXPECT_EQ(Kind("fd12:3456::1"), "private");
  EXPECT_EQ(Kind("100.64.0.1"), "shared (CGNAT)");
  EXPECT_EQ(Kind("100.127.255.255"), "shared (CGNAT)");
  EXPECT_EQ(Kind("224.0.0.1"), "multicast");
  EXPECT_EQ(Kind("ff02::1"), "multicast");
  EXPECT_EQ(Kind("255.255.255.255"), "broadcast");
  EXPECT_EQ(Kind("::ffff:127.0.0.1"), "loopback");
  EXPECT_EQ(Kind("::ffff:169.254.169.254"), "link-local");
  EXPECT_EQ(Kind("::ffff:10.1.2.3"), "private");
  EXPECT_EQ(Kind("::127.0.0.1"), "loopback");
  EXPECT_EQ(Kind("64:ff9b::a9fe:a9fe"), "link-local");  // NAT64 of 169.254.169.254
  EXPECT_EQ(Kind("2002:7f00:1::1"), "loopback");        // 6to4 of 127.0.0.1
}

TEST(Destination, AllowsPublicAddresses) {
  for (const char* a : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.255.0.1",
                        "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_EQ(Kind(a), "") << a;
  }
}

TEST(Destination, HostReasonOnlyForIpLiterals) {
  EXPECT_EQ(RefusedHostReason("127.0.0.1"), "a loopback address");
  EXPECT_EQ(RefusedHostReason("::1"), "a loopback address");
  EXPECT_EQ(RefusedHostReason("169.254.169.254"), "a link-local address");
  EXPECT_EQ(RefusedHostReason("8.8.8.8"), "");
  EXPECT_EQ(RefusedHostReason("localhost"), "");  // a name: checked after resolution
}

}  // namespace
}  // namespace deconflict::http
