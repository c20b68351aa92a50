#include "cli/store_access.h"

#include <filesystem>
#include <iostream>
#include <system_error>

#include "store/sqlite_store.h"

namespace deconflict::cli {

namespace fs = std::filesystem;

std::string KeyFilePath(const std::string& data_dir) {
  return (fs::path(data_dir) / kKeyFileName).string();
}

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir, bool create) {
  if (data_dir.empty()) return Status::InvalidArgument("--data: must not be empty");
  if (!create) {
    std::error_code ec;
    const std::string db = store::SqliteDatabasePath(data_dir);
    if (!fs::is_directory(data_dir, ec)) {
      return Status::NotFound("--data " + data_dir +
                              ": no such folder; create a store with: deconflict admin --data " +
                              data_dir + " init");
    }
    if (!fs::is_regular_file(db, ec)) {
      return Status::NotFound("--data " + data_dir + ": not a deconflict store (no " + db +
                              "); create one with: deconflict admin --data " + data_dir + " init");
    }
  }
  // OpenSqliteStore's messages name the database path. It makes the folder private (0700, files
  // 0600) and says what it tightened.
  return store::OpenSqliteStore({.dir = data_dir, .on_mode_tightened = [](const std::string& c) {
                                   std::cerr << "warning: the data folder was readable by others; "
                                                "mode restricted: "
                                             << c << "\n";
                                 }});
}

}  // namespace deconflict::cli
