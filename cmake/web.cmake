# The web console (web/, issue 4): npm installs its dependencies from package-lock.json, esbuild
# bundles it into a flat folder ${PROJECT_BINARY_DIR}/web that deconflictd serves (main.cc finds
# it there by default; installed copies go to share/deconflict/web). Its tests run under ctest:
# the i18n unit tests (node --test), the browser end-to-end test (playwright-core driving
# Debian's /usr/bin/chromium headless against the real deconflictd on loopback) and the check
# that the generated API types match docs/openapi.json.
find_program(NPM_EXECUTABLE npm REQUIRED)
find_program(NODE_EXECUTABLE node REQUIRED)

set(WEB_DIR ${PROJECT_SOURCE_DIR}/web)
set(WEB_OUT ${PROJECT_BINARY_DIR}/web)
# npm ci rewrites node_modules/.package-lock.json on every install: a stamp for "installed from
# this lock file".
set(WEB_STAMP ${WEB_DIR}/node_modules/.package-lock.json)
add_custom_command(
  OUTPUT ${WEB_STAMP}
  COMMAND ${NPM_EXECUTABLE} ci --no-audit --no-fund --loglevel=error
  WORKING_DIRECTORY ${WEB_DIR}
  DEPENDS ${WEB_DIR}/package.json ${WEB_DIR}/package-lock.json
  COMMENT "npm ci: the web console's dependencies")
file(GLOB_RECURSE WEB_SOURCES CONFIGURE_DEPENDS ${WEB_DIR}/src/*)
file(GLOB WEB_BUILD_FILES CONFIGURE_DEPENDS ${WEB_DIR}/*.mjs ${WEB_DIR}/*.json)
add_custom_command(
  OUTPUT ${WEB_OUT}/index.html
  COMMAND ${CMAKE_COMMAND} -E env DECONFLICT_WEB_OUT=${WEB_OUT} ${NPM_EXECUTABLE} run --silent build
  WORKING_DIRECTORY ${WEB_DIR}
  DEPENDS ${WEB_STAMP} ${WEB_SOURCES} ${WEB_BUILD_FILES}
  COMMENT "Building the web console into ${WEB_OUT}")
add_custom_target(web ALL DEPENDS ${WEB_OUT}/index.html)
install(DIRECTORY ${WEB_OUT}/ DESTINATION share/deconflict/web)

if(DECONFLICT_BUILD_TESTS)
  add_test(NAME web.unit COMMAND ${NPM_EXECUTABLE} test --silent WORKING_DIRECTORY ${WEB_DIR})
  add_test(NAME web.e2e COMMAND ${NODE_EXECUTABLE} test/e2e.mjs WORKING_DIRECTORY ${WEB_DIR})
  # The console's wire types (web/src/api-types.gen.ts) are generated from docs/openapi.json and
  # checked in: regenerated in memory and compared; stale → "run npm run gen:types in web/".
  add_test(NAME web.types COMMAND ${NODE_EXECUTABLE} gen-types.mjs --check WORKING_DIRECTORY ${WEB_DIR})
  set_tests_properties(web.unit web.e2e web.types PROPERTIES LABELS web)
  # RUN_SERIAL: a browser, the server and the test share 2 cores in CI; alone, the test's own
  # waits are not stretched by whatever else ctest runs in parallel.
  set_tests_properties(web.e2e PROPERTIES
    RUN_SERIAL TRUE
    TIMEOUT 300
    ENVIRONMENT "DECONFLICTD=$<TARGET_FILE:deconflictd>;DECONFLICT_CLI=$<TARGET_FILE:deconflict>;WEB_DIST=${WEB_OUT};SCREENSHOT_DIR=${PROJECT_BINARY_DIR}/screenshots")
endif()
