// The conformance suite of the Store interface (store.h): every backend instantiates it and must
// pass it unchanged. It covers every WriteTxn and Store method: round trips of every record with
// all fields, the documented orders and filters, transactions (commit, rollback, abort, one writer
// at a time, snapshot reads) and the audit chain (record::VerifyChain).
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreBackend{"sqlite", OpenMySqliteInDir}),
//                            StoreBackendName);
//
// Link the `deconflict_store_conformance` object library into the backend's test binary.
// Thread-safety: a test fixture; each test runs on one thread (some start their own).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/store.h"
#include "testsupport/temp_dir.h"

namespace deconflict::store {

// Opens the store kept in `dir` (an existing, initially empty directory, unique to the test):
// an empty store the first time, the same data when called again with the same dir (also while
// another Store on that dir is open: two handles, like two processes). Returns nullptr on
// failure (the suite then fails).
using StoreFactory = std::function<std::unique_ptr<Store>(const std::string& dir)>;

struct StoreBackend {
  std::string name;  // the instantiation's test-name suffix: [A-Za-z0-9_]+
  StoreFactory open;
};

// For INSTANTIATE_TEST_SUITE_P: names each instantiation after its backend.
std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info);

// A fresh directory, removed with its contents by the destructor (the one test temp-dir helper).
using TempDir = ::deconflict::testing::TempDir;

class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;     // makes dir_ and opens store_ in it
  void TearDown() override;  // closes store_ (the directory goes with dir_)

  // Another handle on the same data.
  std::unique_ptr<Store> OpenAnother();
  // Closes store_ and opens it again.
  void Reopen();

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace deconflict::store
