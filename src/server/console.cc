#include "server/console.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "record/crypto.h"

namespace deconflict::server {

namespace fs = std::filesystem;

bool ConsoleAssets::SafeName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string ConsoleAssets::ContentTypeFor(std::string_view name) {
  struct Kind {
    std::string_view ext, type;
  };
  static constexpr Kind kKinds[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".geojson", "application/geo+json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const Kind& k : kKinds) {
    if (name.size() > k.ext.size() && name.substr(name.size() - k.ext.size()) == k.ext) {
      return std::string(k.type);
    }
  }
  return "application/octet-stream";
}

Result<ConsoleAssets> ConsoleAssets::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::NotFound("web console folder " + dir + " does not exist");
  if (!fs::is_regular_file(fs::path(dir) / "index.html", ec)) {
    return Status::NotFound("web console folder " + dir + " has no index.html");
  }
  ConsoleAssets out;
  out.dir_ = dir;
  size_t total = 0;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !SafeName(name)) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    if (!in || !(ss << in.rdbuf())) return Status::IoError("cannot read " + e.path().string());
    File f;
    f.body = ss.str();
    total += f.body.size();
    if (total > (64u << 20)) {
      return Status::InvalidArgument("web console folder " + dir + " holds more than 64 MiB");
    }
    f.content_type = ContentTypeFor(name);
    f.etag = "\"" + record::Sha256Hex(f.body).substr(0, 32) + "\"";
    out.files_.emplace(name, std::move(f));
  }
  if (ec) return Status::IoError("cannot list " + dir + ": " + ec.message());
  return out;
}

const ConsoleAssets::File* ConsoleAssets::Find(std::string_view name) const {
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace deconflict::server
