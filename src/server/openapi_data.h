// docs/openapi.json, embedded at build time (served at /openapi.json).
#pragma once

#include <string_view>

namespace deconflict::server {

extern const std::string_view kOpenApiJson;

}  // namespace deconflict::server
