# Writes OUT (a .cc) defining deconflict::server::kOpenApiJson from the text of IN.
file(READ "${IN}" content)
file(WRITE "${OUT}" "// Generated from docs/openapi.json by src/server/embed.cmake. Do not edit.\n#include \"server/openapi_data.h\"\nnamespace deconflict::server {\nconst std::string_view kOpenApiJson = R\"OPENAPI_JSON(${content})OPENAPI_JSON\";\n}\n")
