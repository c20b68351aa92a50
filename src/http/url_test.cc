#include "http/url.h"

#include <gtest/gtest.h>

#include <string>

#include "testsupport/status_macros.h"

namespace deconflict::http {
namespace {

TEST(ParseUrl, SchemesHostsPortsAndTargets) {
  Result<Url> u = ParseUrl("https://example.com/v1/plans?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/v1/plans?x=1");
  u = ParseUrl("ws://127.0.0.1:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/");
  u = ParseUrl("http://[::1]:9/x");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9);
  EXPECT_EQ(ParseUrl("ftp://x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseUrl("http://").ok());
  EXPECT_FALSE(ParseUrl("http://h:0").ok());
  EXPECT_FALSE(ParseUrl("no-scheme").ok());
}

TEST(ParseUrl, DefaultPorts) {
  EXPECT_EQ(ParseUrl("http://h")->port, 80);
  EXPECT_EQ(ParseUrl("ws://h/x")->port, 80);
  EXPECT_EQ(ParseUrl("https://h")->port, 443);
  EXPECT_EQ(ParseUrl("wss://h/x")->port, 443);
  EXPECT_EQ(ParseUrl("http://h:/x")->port, 80);  // an empty port is the default
  EXPECT_EQ(ParseUrl("https://h:8443")->port, 8443);
  EXPECT_EQ(ParseUrl("http://h:65535")->port, 65535);
  EXPECT_TRUE(ParseUrl("wss://h")->tls);
  EXPECT_FALSE(ParseUrl("ws://h")->tls);
  EXPECT_FALSE(ParseUrl("http://h:-1").ok());
  EXPECT_FALSE(ParseUrl("http://h:8o").ok());
  for (const char* bad : {"http://h:0", "http://h:65536", "http://h:99999"}) {
    Result<Url> u = ParseUrl(bad);
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(u.status().message().find("port"), std::string::npos) << u.status().message();
  }
}

TEST(ParseUrl, Ipv6Hosts) {
  Result<Url> u = ParseUrl("https://[2001:db8::7]/hook");
  ASSERT_OK(u);
  EXPECT_EQ(u->host, "2001:db8::7");  // without brackets: what the resolver takes
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/hook");
  u = ParseUrl("http://[::ffff:10.0.0.1]:8080");
  ASSERT_OK(u);
  EXPECT_EQ(u->host, "::ffff:10.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_FALSE(ParseUrl("http://[::1/x").ok());   // unclosed
  EXPECT_FALSE(ParseUrl("http://[::1]x/").ok());  // junk after ']'
  EXPECT_FALSE(ParseUrl("http://[not-an-ip]/").ok());
  EXPECT_FALSE(ParseUrl("http://[v1.x]/").ok());  // IPvFuture
  EXPECT_EQ(ParseUrl("http://10.1.2.3:81")->host, "10.1.2.3");
}

TEST(ParseUrl, TargetsStayEncodedAndDropTheFragment) {
  Result<Url> u = ParseUrl("http://h/a%20b/c%2Fd?q=x+y%26z#frag");
  ASSERT_OK(u);
  EXPECT_EQ(u->target, "/a%20b/c%2Fd?q=x+y%26z");
  EXPECT_EQ(ParseUrl("http://h?x=1")->target, "/?x=1");
  EXPECT_EQ(ParseUrl("http://h#f")->target, "/");
  EXPECT_EQ(ParseUrl("HTTPS://Example.COM/")->host, "Example.COM");  // the scheme is any case
  EXPECT_TRUE(ParseUrl("HTTPS://Example.COM/")->tls);
}

TEST(ParseUrl, ControlCharactersAreRefused) {
  // CR/LF would end the request line and let the rest become headers of the request.
  Result<Url> u = ParseUrl("http://h/a\r\nX-Injected: 1");
  EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(u.status().message(), "URL holds a control character 0x0D at offset 10");
  EXPECT_EQ(ParseUrl("http://h/a?x=\n").status().message(),
            "URL holds a control character 0x0A at offset 13");
  EXPECT_FALSE(ParseUrl("http://h\r\n/").ok());
  EXPECT_FALSE(ParseUrl(std::string("http://h/\0", 10)).ok());
  EXPECT_FALSE(ParseUrl("http://h/\t").ok());
  EXPECT_FALSE(ParseUrl("http://h/\x7f").ok());
  EXPECT_EQ(ParseUrl("http://h/a b").status().message(), "URL holds a space at offset 10");
  // Escaped, they are data the server decodes.
  EXPECT_EQ(ParseUrl("http://h/a%0D%0A")->target, "/a%0D%0A");
}

TEST(ParseUrl, ClearReasons) {
  auto reason = [](const char* url) { return ParseUrl(url).status().message(); };
  EXPECT_EQ(reason("no-scheme"), "URL without a scheme: no-scheme");
  EXPECT_EQ(reason("ftp://x"), "unsupported URL scheme 'ftp': ftp://x");
  EXPECT_EQ(reason("mailto:a@b"), "unsupported URL scheme 'mailto': mailto:a@b");
  EXPECT_EQ(reason("http://"), "URL without a host: http://");
  EXPECT_EQ(reason("http:///x"), "URL without a host: http:///x");
  EXPECT_EQ(reason("http:x"), "URL without a host: http:x");
  EXPECT_EQ(reason("http://u:p@h/"), "user information in URLs is not supported: http://u:p@h/");
  EXPECT_EQ(reason("http://h/a%zz"),
            "malformed percent-escape ('%' must be followed by two hex digits): http://h/a%zz");
  EXPECT_EQ(reason("http://h/%"),
            "malformed percent-escape ('%' must be followed by two hex digits): http://h/%");
  EXPECT_EQ(reason("http://ex%41mple.com/"),
            "percent-escapes in host names are not supported: http://ex%41mple.com/");
  EXPECT_EQ(reason("http://h:8o/x"), "bad host or port: http://h:8o/x");
  EXPECT_EQ(reason("http://[::1]x/"), "bad host or port: http://[::1]x/");
  EXPECT_EQ(reason("http://h:80:80/"), "bad host or port: http://h:80:80/");
  EXPECT_EQ(reason("http://h/{x}").rfind("malformed URL (", 0), 0u) << reason("http://h/{x}");
}

TEST(ParseWebUrl, OnlyHttpAndHttps) {
  Result<Url> u = ParseWebUrl("https://ops.example:8443/hooks/deconflict?k=1");
  ASSERT_OK(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "ops.example");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/hooks/deconflict?k=1");
  u = ParseWebUrl("http://10.0.0.7:9000/in");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(ParseWebUrl("http://[::1]/x")->host, "::1");
  EXPECT_EQ(ParseWebUrl("https://h")->target, "/");

  EXPECT_EQ(ParseWebUrl("ws://h/x").status().message(),
            "'ws://h/x' is not an http:// or https:// URL");
  EXPECT_EQ(ParseWebUrl("wss://h/x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseWebUrl("ftp://x").status().message(), "unsupported URL scheme 'ftp': ftp://x");
  EXPECT_EQ(ParseWebUrl("not a url").status().message(), "URL holds a space at offset 3");
  EXPECT_EQ(ParseWebUrl("https://h/a\r\nb").status().message(),
            "URL holds a control character 0x0D at offset 11");
  EXPECT_FALSE(ParseWebUrl("https://").ok());
  EXPECT_FALSE(ParseWebUrl("https://u@h/").ok());
  EXPECT_FALSE(ParseWebUrl("https://h:0/").ok());
  EXPECT_FALSE(ParseWebUrl("").ok());
}

}  // namespace
}  // namespace deconflict::http
