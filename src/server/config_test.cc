// deconflictd's configuration: flags > environment > config file > defaults, and every bad value
// refused with a message naming where it came from.
#include "server/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "testsupport/temp_dir.h"

namespace deconflict::server {
namespace {

namespace fs = std::filesystem;

// Runs LoadConfig on "deconflictd args...".
Result<Config> Load(std::vector<std::string> args) {
  args.insert(args.begin(), "deconflictd");
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (std::string& a : args) argv.push_back(a.data());
  return LoadConfig(static_cast<int>(argv.size()), argv.data());
}

// Clears every DECONFLICT_* variable for the test and restores none (tests set what they need).
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVars) unsetenv(v);
  }
  void TearDown() override {
    for (const char* v : kVars) unsetenv(v);
  }
  std::string File(const std::string& name, const std::string& text) {
    std::string p = tmp_.File(name);
    std::ofstream(p) << text;
    return p;
  }

  static constexpr const char* kVars[] = {"DECONFLICT_CONFIG",
                                          "DECONFLICT_DATA",
                                          "DECONFLICT_LISTEN",
                                          "DECONFLICT_RULES",
                                          "DECONFLICT_DEADLINES",
                                          "DECONFLICT_TLS_CERT",
                                          "DECONFLICT_TLS_KEY",
                                          "DECONFLICT_THREADS",
                                          "DECONFLICT_LOG_LEVEL",
                                          "DECONFLICT_WEB",
                                          "DECONFLICT_DISCLOSURE_CELL_M",
                                          "DECONFLICT_DISCLOSURE_TIME_S",
                                          "DECONFLICT_DRY_RUN_BURST",
                                          "DECONFLICT_DRY_RUN_PER_MINUTE",
                                          "DECONFLICT_MAX_AREA_KM2",
                                          "DECONFLICT_ZONES_NEED_APPROVAL",
                                          "DECONFLICT_ALLOW_PRIVATE_DESTINATIONS"};
  testing::TempDir tmp_{"deconflict_config"};
};

TEST_F(ConfigTest, DefaultsNeedOnlyTheDataFolder) {
  Result<Config> c = Load({"--data", "/srv/d"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data, "/srv/d");
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(c->threads, DefaultThreads());
  EXPECT_TRUE(c->tls_cert.empty());
  EXPECT_EQ(c->disclosure_cell_m, 2000);
  EXPECT_EQ(c->disclosure_time_s, 60);
  EXPECT_FALSE(c->exit_now);

  Result<Config> none = Load({});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("--data"), std::string::npos) << none.status().message();
}

TEST_F(ConfigTest, FlagsOverrideTheEnvironmentWhichOverridesTheFile) {
  const std::string file = File("d.json", R"({"data": "/from/file", "listen": "0.0.0.0:1",
      "threads": 3, "log_level": "debug", "rules": "/file/rules.json"})");
  // The file alone.
  Result<Config> c = Load({"--config", file});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data, "/from/file");
  EXPECT_EQ(c->listen, "0.0.0.0:1");
  EXPECT_EQ(c->threads, 3);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->rules, "/file/rules.json");

  // The environment over the file (the file named by DECONFLICT_CONFIG).
  setenv("DECONFLICT_CONFIG", file.c_str(), 1);
  setenv("DECONFLICT_LISTEN", "127.0.0.1:2", 1);
  setenv("DECONFLICT_THREADS", "5", 1);
  c = Load({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data, "/from/file");
  EXPECT_EQ(c->listen, "127.0.0.1:2");
  EXPECT_EQ(c->threads, 5);
  EXPECT_EQ(c->log_level, "debug");

  // Flags over both.
  c = Load({"--listen", "127.0.0.1:3", "--threads", "2", "--log-level", "warn"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data, "/from/file");
  EXPECT_EQ(c->listen, "127.0.0.1:3");
  EXPECT_EQ(c->threads, 2);
  EXPECT_EQ(c->log_level, "warn");
}

TEST_F(ConfigTest, DisclosureGranularityFromEverySourceWithinItsRange) {
  const std::string file =
      File("g.json", R"({"data": "/d", "disclosure_cell_m": 5000, "disclosure_time_s": 300})");
  Result<Config> c = Load({"--config", file});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->disclosure_cell_m, 5000);
  EXPECT_EQ(c->disclosure_time_s, 300);
  setenv("DECONFLICT_DISCLOSURE_CELL_M", "500", 1);
  c = Load({"--config", file, "--disclosure-time-s", "1"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->disclosure_cell_m, 500);
  EXPECT_EQ(c->disclosure_time_s, 1);
  unsetenv("DECONFLICT_DISCLOSURE_CELL_M");
  // Below the floor (a cell under 500 m, a step under 1 s) or absurd: refused, naming the field.
  for (const auto& [args, name] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--data", "/d", "--disclosure-cell-m", "499"}, "--disclosure-cell-m"},
           {{"--data", "/d", "--disclosure-cell-m", "100001"}, "--disclosure-cell-m"},
           {{"--data", "/d", "--disclosure-time-s", "0"}, "--disclosure-time-s"},
           {{"--data", "/d", "--disclosure-time-s", "3601"}, "--disclosure-time-s"}}) {
    Result<Config> bad = Load(args);
    ASSERT_FALSE(bad.ok()) << args.back();
    EXPECT_NE(bad.status().message().find(name + ": expected an integer from"), std::string::npos)
        << bad.status().message();
  }
  Result<Config> bad =
      Load({"--config", File("b.json", R"({"data": "/d", "disclosure_cell_m": 10})")});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(
      bad.status().message().find("disclosure_cell_m: expected an integer from 500 to 100000"),
      std::string::npos)
      << bad.status().message();
}

TEST_F(ConfigTest, BadValuesNameTheirSource) {
  struct Case {
    std::vector<std::string> args;
    std::string env, env_value;
    std::string names;  // must appear in the message
  };
  const std::string unknown = File("u.json", R"({"data": "/d", "colour": "red"})");
  const std::string wrong_type = File("t.json", R"({"data": "/d", "threads": "four"})");
  const std::string not_json = File("n.json", R"({"data": )");
  const std::string not_object = File("a.json", R"(["data"])");
  const std::vector<Case> cases = {
      {{"--config", unknown}, "", "", "colour"},
      {{"--config", wrong_type}, "", "", "threads"},
      {{"--config", not_json}, "", "", "n.json"},
      {{"--config", not_object}, "", "", "JSON object"},
      {{"--config", tmp_.File("missing.json")}, "", "", "cannot read"},
      {{"--data", "/d"}, "DECONFLICT_THREADS", "0", "DECONFLICT_THREADS"},
      {{"--data", "/d"}, "DECONFLICT_THREADS", "2x", "DECONFLICT_THREADS"},
      {{"--data", "/d", "--threads", "65"}, "", "", "--threads"},
      {{"--data", "/d", "--log-level", "loud"}, "", "", "--log-level"},
      {{"--data", "/d", "--tls-cert", "/c.pem"}, "", "", "--tls-key"},
      {{"--data", "/d"}, "DECONFLICT_TLS_KEY", "/k.pem", "--tls-cert"},
      {{"--data", "/d", "--max-streams-per-party", "-1"}, "", "", "--max-streams-per-party"},
      {{"--data", "/d"}, "DECONFLICT_MAX_CONNECTIONS_PER_ADDRESS", "lots", "CONNECTIONS"},
      {{"--data", "/d", "--ws-auth-timeout", "0"}, "", "", "from 1 to 600"},
      {{"--data", "/d", "--listen", "127.0.0.1:80", "--metrics-listen", "127.0.0.1:80"},
       "",
       "",
       "--metrics-listen"},
  };
  for (const Case& k : cases) {
    if (!k.env.empty()) setenv(k.env.c_str(), k.env_value.c_str(), 1);
    Result<Config> c = Load(k.args);
    if (!k.env.empty()) unsetenv(k.env.c_str());
    std::string what = k.args.back() + " " + k.env + "=" + k.env_value;
    ASSERT_FALSE(c.ok()) << what;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << what;
    EXPECT_NE(c.status().message().find(k.names), std::string::npos)
        << what << ": " << c.status().message();
  }
}

TEST_F(ConfigTest, ProbingLimitsHaveDefaultsAndAreValidated) {
  Result<Config> d = Load({"--data", "/d"});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->dry_run_burst, 30);
  EXPECT_EQ(d->dry_run_per_minute, 30);
  EXPECT_EQ(d->max_area_km2, 10000);
  EXPECT_TRUE(d->zones_need_approval);
  const std::string file = File("c.json", R"({"data": "/d", "dry_run_burst": 5,
      "zones_need_approval": false})");
  setenv("DECONFLICT_MAX_AREA_KM2", "2500", 1);
  Result<Config> c = Load({"--config", file, "--dry-run-per-minute", "600"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->dry_run_burst, 5);
  EXPECT_EQ(c->dry_run_per_minute, 600);
  EXPECT_EQ(c->max_area_km2, 2500);
  EXPECT_FALSE(c->zones_need_approval);
  EXPECT_TRUE(Load({"--data", "/d", "--zones-need-approval", "true"})->zones_need_approval);
  unsetenv("DECONFLICT_MAX_AREA_KM2");
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"--dry-run-burst", "0"},
                                             {"--dry-run-per-minute", "600001"},
                                             {"--max-area-km2", "-5"},
                                             {"--zones-need-approval", "yes"}}) {
    std::vector<std::string> args = {"--data", "/d"};
    args.insert(args.end(), bad.begin(), bad.end());
    Result<Config> r = Load(args);
    ASSERT_FALSE(r.ok()) << bad[0];
    EXPECT_NE(r.status().message().find(bad[0]), std::string::npos) << r.status().message();
  }
  Result<Config> wrong =
      Load({"--config", File("b.json", R"({"data": "/d", "zones_need_approval": 1})")});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("expected true or false"), std::string::npos);
}

// allow_private_destinations (docs/security.md §14): off by default; a flag, a JSON boolean in
// the file, true/false/1/0 in the environment.
TEST_F(ConfigTest, AllowPrivateDestinationsIsAnOffByDefaultSwitch) {
  EXPECT_FALSE(Load({"--data", "/d"})->allow_private_destinations);
  EXPECT_TRUE(Load({"--data", "/d", "--allow-private-destinations"})->allow_private_destinations);
  const std::string on = File("on.json", R"({"data": "/d", "allow_private_destinations": true})");
  EXPECT_TRUE(Load({"--config", on})->allow_private_destinations);
  const std::string bad = File("bad.json", R"({"data": "/d", "allow_private_destinations": 1})");
  EXPECT_NE(Load({"--config", bad}).status().message().find("allow_private_destinations"),
            std::string::npos);
  setenv("DECONFLICT_ALLOW_PRIVATE_DESTINATIONS", "1", 1);
  EXPECT_TRUE(Load({"--data", "/d"})->allow_private_destinations);
  setenv("DECONFLICT_ALLOW_PRIVATE_DESTINATIONS", "false", 1);
  EXPECT_FALSE(Load({"--config", on})->allow_private_destinations);  // the environment wins
  setenv("DECONFLICT_ALLOW_PRIVATE_DESTINATIONS", "yes", 1);
  EXPECT_NE(Load({"--data", "/d"}).status().message().find("DECONFLICT_ALLOW_PRIVATE"),
            std::string::npos);
}

// The limits and the metrics options of docs/security.md §12, with their defaults.
TEST_F(ConfigTest, SessionLimitsAndMetricsOptions) {
  Result<Config> c = Load({"--data", "/d"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_connections_per_address, 64);
  EXPECT_EQ(c->max_streams_per_party, 16);
  EXPECT_EQ(c->ws_auth_timeout_s, 10);
  EXPECT_TRUE(c->metrics_token_file.empty());
  EXPECT_TRUE(c->metrics_listen.empty());
  const std::string file = File("m.json", R"({"data": "/d", "max_streams_per_party": 0,
      "metrics_listen": "127.0.0.1:9464", "metrics_token_file": "/etc/d/metrics"})");
  c = Load({"--config", file, "--max-connections-per-address", "200", "--ws-auth-timeout", "3"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_streams_per_party, 0);  // no limit
  EXPECT_EQ(c->max_connections_per_address, 200);
  EXPECT_EQ(c->ws_auth_timeout_s, 3);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:9464");
  EXPECT_EQ(c->metrics_token_file, "/etc/d/metrics");
}

TEST_F(ConfigTest, TlsNeedsBothFiles) {
  setenv("DECONFLICT_TLS_CERT", "/etc/d/cert.pem", 1);
  setenv("DECONFLICT_TLS_KEY", "/etc/d/key.pem", 1);
  Result<Config> c = Load({"--data", "/d"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tls_cert, "/etc/d/cert.pem");
  EXPECT_EQ(c->tls_key, "/etc/d/key.pem");
}

TEST_F(ConfigTest, HelpAndUnknownFlagsExitAtOnce) {
  Result<Config> help = Load({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->exit_now);
  EXPECT_EQ(help->exit_code, 0);
  Result<Config> bad = Load({"--data", "/d", "--colour", "red"});
  ASSERT_TRUE(bad.ok());
  EXPECT_TRUE(bad->exit_now);
  EXPECT_EQ(bad->exit_code, 2);
}

}  // namespace
}  // namespace deconflict::server
