// The web console's static assets (web/, issue 4), served by deconflictd itself so that a party's
// HQ needs nothing but a browser: GET / is index.html, GET /ui/NAME is any other file of the
// console's flat build folder.
//
//   Result<ConsoleAssets> assets = ConsoleAssets::Load("/usr/share/deconflict/web");
//   const ConsoleAssets::File* f = assets->Find("app.js");
//
// The folder is read once, at start: a request never touches the disk, a half-written rebuild is
// never served, and no request path ever reaches the file system (names are looked up in a map of
// what was loaded, so "../" has nothing to match).
// Thread-safety: immutable after Load.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace deconflict::server {

class ConsoleAssets {
 public:
  struct File {
    std::string body;
    std::string content_type;
    std::string etag;  // quoted strong validator: "sha256 prefix"
  };

  // An empty set: every console route answers 404 with a problem saying how to build it.
  ConsoleAssets() = default;
  // Every regular file directly in `dir` whose name is safe (letters, digits, '.', '_', '-', not
  // starting with '.'). NotFound if `dir` is missing or has no index.html; IoError if a file
  // cannot be read; InvalidArgument if the folder holds more than 64 MiB.
  static Result<ConsoleAssets> Load(const std::string& dir);

  const File* Find(std::string_view name) const;
  bool empty() const { return files_.empty(); }
  const std::string& dir() const { return dir_; }
  size_t size() const { return files_.size(); }

  // The Content-Security-Policy of every console response: only this origin's scripts, styles,
  // images and API; no framing.
  static constexpr std::string_view kContentSecurityPolicy =
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
      "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
      "form-action 'self'";

  // Content type by file extension (application/octet-stream when unknown).
  static std::string ContentTypeFor(std::string_view name);
  static bool SafeName(std::string_view name);

 private:
  std::string dir_;
  std::map<std::string, File, std::less<>> files_;
};

}  // namespace deconflict::server
