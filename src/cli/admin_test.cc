// Tests of `deconflict admin`: the validators in-process, the commands through the real binary
// on a store in a temporary folder.
#include "cli/admin.h"

#include <gtest/gtest.h>

#include <regex>

#include "cli/tool_runner.h"

namespace deconflict::cli {
namespace {

// --- Validators ---

TEST(ValidatePartyNameTest, AcceptsTheDocumentedAlphabet) {
  for (const char* ok : {"US", "RU", "a", "9", "UN-OCHA", "coalition_hq", "A0-_z"}) {
    EXPECT_TRUE(ValidatePartyName(ok).ok()) << ok;
  }
  EXPECT_TRUE(ValidatePartyName(std::string(64, 'x')).ok());
}

TEST(ValidatePartyNameTest, RejectsOthersNamingTheField) {
  for (const char* bad : {"", "-US", "_US", "U S", "US:1", "US,RU", "Ünited", "a/b"}) {
    const Status s = ValidatePartyName(bad, "NAME");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message().rfind("NAME: ", 0), 0u) << s.message();
  }
  EXPECT_FALSE(ValidatePartyName(std::string(65, 'x')).ok());
}

TEST(ValidateLanguageTagTest, AcceptsBcp47LikeTags) {
  for (const char* ok : {"en", "ar", "ru", "fil", "en-GB", "zh-Hant-TW", "es-419", "de-CH-1996"}) {
    EXPECT_TRUE(ValidateLanguageTag(ok).ok()) << ok;
  }
  for (const char* bad : {"", "e", "engl", "en-", "en_GB", "-en", "en-G", "en-abcdefghi", "1a"}) {
    const Status s = ValidateLanguageTag(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.message().rfind("--language: ", 0), 0u) << s.message();
  }
}

TEST(ValidateFreeTextTest, RejectsControlCharactersAndLongText) {
  EXPECT_TRUE(ValidateFreeText("Mon-Fri 06:00-18:00Z, ночь: дежурный", "--roster").ok());
  EXPECT_FALSE(ValidateFreeText("a\nb", "--roster").ok());
  EXPECT_FALSE(ValidateFreeText(std::string(201, 'a'), "--roster").ok());
}

TEST(NewApiTokenTest, HasThePrefixAndFortyEightHexDigits) {
  const std::string a = NewApiToken(), b = NewApiToken();
  EXPECT_TRUE(std::regex_match(a, std::regex("dcf_[0-9a-f]{48}"))) << a;
  EXPECT_NE(a, b);
}

// --- The binary ---

const std::regex kToken("dcf_[0-9a-f]{48}");

class AdminTest : public ToolTest {
 protected:
  void SetUp() override {
    ToolTest::SetUp();
    data_ = (dir() / "data").string();
  }
  // Runs `deconflict admin --data <data> args...`.
  ToolOutput Admin(std::vector<std::string> args) {
    args.insert(args.begin(), {"admin", "--data", data_});
    return RunTool(args);
  }
  std::string data_;
};

TEST_F(AdminTest, InitCreatesTheStoreAndKeyAndIsIdempotent) {
  const ToolOutput first = Admin({"init"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_TRUE(std::regex_match(first.LastLine(), std::regex("[0-9a-f]{64}"))) << first.out;
  EXPECT_TRUE(std::filesystem::exists(dir() / "data" / "server.key"));
  EXPECT_TRUE(std::filesystem::exists(dir() / "data" / "deconflict.db"));
  const ToolOutput second = Admin({"init"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(second.LastLine(), first.LastLine());
}

TEST_F(AdminTest, CommandsOtherThanInitNeedAStore) {
  const ToolOutput o = Admin({"party", "list"});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "admin --data " + data_ + " init");
  EXPECT_FALSE(std::filesystem::exists(data_)) << "a mistyped --data must not create a store";
}

TEST_F(AdminTest, PartyAddCreatesTheStoreIfMissing) {
  const ToolOutput o = Admin({"party", "add", "US"});  // the first step of docs/api.md
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(std::regex_match(o.LastLine(), kToken)) << o.out;
  EXPECT_CONTAINS(o.err, "note: created a new store in " + data_);
  EXPECT_EQ(Admin({"party", "add", "RU"}).err, "");
}

TEST_F(AdminTest, PartyAddPrintsTheTokenAsTheLastLine) {
  ASSERT_EQ(Admin({"init"}).code, 0);
  const ToolOutput o = Admin({"party", "add", "US", "--display-name", "US forces"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.out, "party US (party) created; API token tok_");
  EXPECT_CONTAINS(o.out, "(shown once, store it now):\n");
  EXPECT_TRUE(std::regex_match(o.LastLine(), kToken)) << o.out;

  const ToolOutput coordinator = Admin({"party", "add", "UN", "--role", "coordinator"});
  ASSERT_EQ(coordinator.code, 0) << coordinator.err;
  const ToolOutput silent = Admin({"party", "add", "RU", "--no-token"});
  ASSERT_EQ(silent.code, 0) << silent.err;
  EXPECT_EQ(silent.out.find("dcf_"), std::string::npos);

  const ToolOutput list = Admin({"party", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_CONTAINS(list.out, "NAME");
  EXPECT_CONTAINS(list.out, "ACTIVE TOKENS");
  EXPECT_TRUE(
      std::regex_search(list.out, std::regex("\nUS +party +US forces +20[0-9-]+T[0-9:]+Z +1\n")))
      << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("\nUN +coordinator +- +[0-9TZ:-]+ +1\n")))
      << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("\nRU +party +- +[0-9TZ:-]+ +0\n")))
      << list.out;
}

TEST_F(AdminTest, DataMayFollowTheSubcommand) {
  ASSERT_EQ(RunTool({"admin", "init", "--data", data_}).code, 0);
  const ToolOutput o = RunTool({"admin", "party", "add", "US", "--data", data_});
  EXPECT_EQ(o.code, 0) << o.err;
}

TEST_F(AdminTest, DuplicatePartyExitsTwo) {
  ASSERT_EQ(Admin({"init"}).code, 0);
  ASSERT_EQ(Admin({"party", "add", "US"}).code, 0);
  const ToolOutput o = Admin({"party", "add", "US"});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "party US already exists");
  EXPECT_EQ(o.out, "");
}

TEST_F(AdminTest, BadNameExitsTwoNamingTheField) {
  ASSERT_EQ(Admin({"init"}).code, 0);
  const ToolOutput o = Admin({"party", "add", "U S"});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "error: NAME: 'U S' may only contain");
  const ToolOutput role = Admin({"party", "add", "US", "--role", "king"});
  EXPECT_EQ(role.code, 2);
  EXPECT_CONTAINS(role.err, "--role");
}

TEST_F(AdminTest, UnknownPartyExitsTwo) {
  ASSERT_EQ(Admin({"init"}).code, 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"token", "add", "XYZ"},
        {"token", "list", "XYZ"},
        {"contact", "list", "XYZ"},
        {"webhook", "add", "XYZ", "https://example.org/hook"},
        {"contact", "add", "XYZ", "--name", "A", "--language", "en"}}) {
    const ToolOutput o = Admin(args);
    EXPECT_EQ(o.code, 2) << args[0] << " " << args[1];
    EXPECT_CONTAINS(o.err, "party XYZ does not exist");
  }
}

TEST_F(AdminTest, TokensAreAddedListedAndRevoked) {
  ASSERT_EQ(Admin({"init"}).code, 0);
  ASSERT_EQ(Admin({"party", "add", "US"}).code, 0);
  const ToolOutput added = Admin({"token", "add", "US"});
  ASSERT_EQ(added.code, 0) << added.err;
  EXPECT_TRUE(std::regex_match(added.LastLine(), kToken)) << added.out;
  std::smatch id;
  ASSERT_TRUE(std::regex_search(added.out, id, std::regex("tok_[0-9a-f]{12}"))) << added.out;

  const ToolOutput list = Admin({"token", "list", "US"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_CONTAINS(list.out, id.str());
  EXPECT_EQ(list.out.find("dcf_"), std::string::npos) << "secrets are never listed";

  const ToolOutput revoked = Admin({"token", "revoke", id.str()});
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  EXPECT_CONTAINS(revoked.out, "token " + id.str() + " of US revoked");
  EXPECT_TRUE(std::regex_search(Admin({"token", "list", "US"}).out,
                                std::regex(id.str() + " +[0-9TZ:-]+ +revoked 20")));
  EXPECT_TRUE(std::regex_search(Admin({"party", "list"}).out, std::regex("\nUS +party .* 1\n")));
  const ToolOutput again = Admin({"token", "revoke", id.str()});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_CONTAINS(again.out, "already revoked");

  const ToolOutput unknown = Admin({"token", "revoke", "tok_000000000000"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_CONTAINS(unknown.err, "token tok_000000000000 does not exist");
}

TEST_F(AdminTest, ContactsAreAddedListedAndRemoved) {
  ASSERT_EQ(Admin({"init"}).code, 0);
  ASSERT_EQ(Admin({"party", "add", "RU", "--no-token"}).code, 0);
  const ToolOutput primary =
      Admin({"contact", "add", "RU", "--name", "Дежурный офицер", "--language", "ru", "--roster",
             "24/7", "--webhook", "https://ru.example/escalate"});
  ASSERT_EQ(primary.code, 0) << primary.err;
  EXPECT_CONTAINS(primary.out, "primary contact 1 (Дежурный офицер, ru) added to RU");
  const ToolOutput backup =
      Admin({"contact", "add", "RU", "--name", "Liaison", "--language", "en-GB", "--backup"});
  ASSERT_EQ(backup.code, 0) << backup.err;

  const ToolOutput list = Admin({"contact", "list", "RU"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("\n1 +primary +Дежурный офицер +ru +24/7 +"
                                                     "https://ru.example/escalate\n")))
      << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("\n2 +backup +Liaison +en-GB +- +-\n")))
      << list.out;

  ASSERT_EQ(Admin({"contact", "remove", "RU", "1"}).code, 0);
  EXPECT_EQ(Admin({"contact", "list", "RU"}).out.find("primary"), std::string::npos);
  const ToolOutput missing = Admin({"contact", "remove", "RU", "1"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_CONTAINS(missing.err, "contact 1 of party RU does not exist");

  const ToolOutput language =
      Admin({"contact", "add", "RU", "--name", "X", "--language", "russian"});
  EXPECT_EQ(language.code, 2);
  EXPECT_CONTAINS(language.err, "--language: 'russian' is not a language tag");
  const ToolOutput hook =
      Admin({"contact", "add", "RU", "--name", "X", "--language", "ru", "--webhook", "ftp://x"});
  EXPECT_EQ(hook.code, 2);
  EXPECT_CONTAINS(hook.err, "--webhook");
}

TEST_F(AdminTest, WebhooksShowTheGeneratedSecretOnceAndNeverList) {
  ASSERT_EQ(Admin({"init"}).code, 0);
  ASSERT_EQ(Admin({"party", "add", "US", "--no-token"}).code, 0);
  const ToolOutput added = Admin({"webhook", "add", "US", "https://us.example/hook"});
  ASSERT_EQ(added.code, 0) << added.err;
  const std::string secret = added.LastLine();
  EXPECT_TRUE(std::regex_match(secret, std::regex("[0-9a-f]{64}"))) << added.out;
  const ToolOutput given =
      Admin({"webhook", "add", "US", "http://10.0.0.7:9000/in", "--secret", "s3cret-s3cret"});
  ASSERT_EQ(given.code, 0) << given.err;
  EXPECT_EQ(given.out.find("s3cret"), std::string::npos);

  const ToolOutput list = Admin({"webhook", "list", "US"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_CONTAINS(list.out, "https://us.example/hook");
  EXPECT_CONTAINS(list.out, "http://10.0.0.7:9000/in");
  EXPECT_EQ(list.out.find(secret), std::string::npos);
  EXPECT_EQ(list.out.find("s3cret"), std::string::npos);

  const ToolOutput bad = Admin({"webhook", "add", "US", "not a url"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_CONTAINS(bad.err, "URL: ");
  // The reasons are http::ParseWebUrl's.
  const ToolOutput ws = Admin({"webhook", "add", "US", "wss://us.example/hook"});
  EXPECT_EQ(ws.code, 2);
  EXPECT_CONTAINS(ws.err, "URL: 'wss://us.example/hook' is not an http:// or https:// URL");
  const ToolOutput crlf = Admin({"webhook", "add", "US", "https://us.example/a\r\nX-Injected: 1"});
  EXPECT_EQ(crlf.code, 2);
  EXPECT_CONTAINS(crlf.err, "URL: URL holds a control character 0x0D at offset 20");
  EXPECT_EQ(Admin({"webhook", "list", "US"}).out.find("us.example/a"), std::string::npos);
}

TEST_F(AdminTest, AuditExportRecordsEveryChangeWithoutSecrets) {
  ASSERT_EQ(Admin({"init"}).code, 0);
  const ToolOutput party = Admin({"party", "add", "US"});
  ASSERT_EQ(party.code, 0);
  const std::string token = party.LastLine();
  ASSERT_EQ(Admin({"contact", "add", "US", "--name", "Ops", "--language", "en"}).code, 0);
  ASSERT_EQ(Admin({"contact", "remove", "US", "1"}).code, 0);
  const ToolOutput hook = Admin({"webhook", "add", "US", "https://us.example/hook"});
  ASSERT_EQ(hook.code, 0);

  const ToolOutput o = Admin({"audit", "export"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.err, "exported 5 audit entries and 0 signed checkpoints");
  size_t lines = 0;
  for (char c : o.out) lines += c == '\n';
  EXPECT_EQ(lines, 5u) << o.out;
  for (const char* kind :
       {"party.created", "token.created", "contact.added", "contact.deleted", "webhook.added"}) {
    EXPECT_CONTAINS(o.out, std::string("\"kind\":\"") + kind + "\"");
  }
  EXPECT_CONTAINS(o.out, R"("parties":["US"])");
  EXPECT_EQ(o.out.find(token), std::string::npos) << "the token must never be recorded";
  EXPECT_EQ(o.out.find(token.substr(4)), std::string::npos);
  EXPECT_EQ(o.out.find(hook.LastLine()), std::string::npos) << "nor the webhook secret";

  const std::string file = (dir() / "audit.jsonl").string();
  ASSERT_EQ(Admin({"audit", "export", "--out", file}).code, 0);
  EXPECT_EQ(ReadFile(file), o.out);
}

TEST_F(AdminTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunTool({"admin", "party", "list"}).code, 2);  // no --data
  EXPECT_EQ(Admin({}).code, 2);
  EXPECT_EQ(Admin({"party"}).code, 2);
  const ToolOutput o = Admin({"party", "add"});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "Run 'deconflict admin party add --help' for usage.");
  EXPECT_EQ(RunTool({"admin", "--help"}).code, 0);
}

}  // namespace
}  // namespace deconflict::cli
