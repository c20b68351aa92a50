#include "store/store_conformance.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/time.h"
#include "record/chain.h"
#include "testsupport/status_macros.h"

namespace deconflict::store {

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void StoreConformanceTest::SetUp() {
  ASSERT_FALSE(dir_.path().empty());
  store_ = GetParam().open(dir_.path());
  ASSERT_NE(store_, nullptr) << "the " << GetParam().name << " factory failed";
}

void StoreConformanceTest::TearDown() { store_.reset(); }

std::unique_ptr<Store> StoreConformanceTest::OpenAnother() { return GetParam().open(dir_.path()); }

void StoreConformanceTest::Reopen() {
  store_.reset();
  store_ = GetParam().open(dir_.path());
  ASSERT_NE(store_, nullptr);
}

namespace {

using ::deconflict::testing::internal::StatusOf;

#define CONF_CONCAT_INNER(a, b) a##b
#define CONF_CONCAT(a, b) CONF_CONCAT_INNER(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(CONF_CONCAT(conf_result_, __LINE__), lhs, expr)
// `tmp` is a fresh name and `lhs` a declaration or an lvalue: neither can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
#define EXPECT_CODE(expr, expected_code) EXPECT_EQ(StatusOf(expr).code(), StatusCode::expected_code)

// Some JSON exactly as a client might send it: white space, escapes, non-ASCII text. The store
// must give back these bytes.
const std::string kOddJson =
    "{ \"type\" : \"Feature\",\n\t\"properties\": {\"note\": \"Конвой \\u00e9 \\\"quoted\\\" "
    "تعارض\", \"n\": 1.50}  }";

// An instant `ms` milliseconds after the epoch (the store keeps whole milliseconds).
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

PartyRecord Party(const std::string& name, Role role = Role::kParty) {
  return PartyRecord{
      .name = PartyId(name), .role = role, .display_name = "Display " + name, .created = Ms(1000)};
}

PlanRecord Plan(const std::string& party, const std::string& id, int64_t version,
                PlanStatus status = PlanStatus::kActive) {
  return PlanRecord{.party = PartyId(party),
                    .id = PlanId(id),
                    .version = version,
                    .status = status,
                    .feature_json = "{\"id\":\"" + id + "\",\"v\":" + std::to_string(version) + "}",
                    .created = Ms(5000 + version)};
}

ConflictRecord Conflict(const std::string& id, const std::string& party_a,
                        const std::string& plan_a, const std::string& party_b,
                        const std::string& plan_b, int64_t window_start_ms,
                        ConflictStatus status = ConflictStatus::kOpen) {
  ConflictRecord c;
  c.id = ConflictId(id);
  c.party_a = PartyId(party_a);
  c.plan_a = PlanId(plan_a);
  c.party_b = PartyId(party_b);
  c.plan_b = PlanId(plan_b);
  c.version_a = 1;
  c.version_b = 2;
  c.status = status;
  c.detail_json = "{\"min_distance_m\":120}";
  c.window_start = Ms(window_start_ms);
  c.window_end = Ms(window_start_ms + 600000);
  c.deadline = Ms(window_start_ms - 3600000);
  c.created = Ms(100);
  c.updated = Ms(100);
  return c;
}

ReceiptRecord Receipt(const std::string& recipient, int64_t event_seq, ReceiptChannel channel,
                      ReceiptKind kind, TimePoint at = TimePoint()) {
  return {.recipient = PartyId(recipient),
          .event_seq = event_seq,
          .channel = channel,
          .kind = kind,
          .at = at};
}

AuditEntry Audit(const std::string& kind, std::vector<std::string> parties,
                 const std::string& body = "{}", int64_t at_ms = 7000) {
  AuditEntry e;
  e.at = Ms(at_ms);
  e.kind = kind;
  for (std::string& p : parties) e.parties.emplace_back(std::move(p));
  e.body_json = body;
  return e;
}

void ExpectSamePlan(const PlanRecord& a, const PlanRecord& b) {
  EXPECT_EQ(a.party, b.party);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.feature_json, b.feature_json);
  EXPECT_EQ(a.created, b.created);
}

void ExpectSameConflict(const ConflictRecord& a, const ConflictRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.party_a, b.party_a);
  EXPECT_EQ(a.plan_a, b.plan_a);
  EXPECT_EQ(a.party_b, b.party_b);
  EXPECT_EQ(a.plan_b, b.plan_b);
  EXPECT_EQ(a.version_a, b.version_a);
  EXPECT_EQ(a.version_b, b.version_b);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.resolution, b.resolution);
  EXPECT_EQ(a.detail_json, b.detail_json);
  EXPECT_EQ(a.window_start, b.window_start);
  EXPECT_EQ(a.window_end, b.window_end);
  EXPECT_EQ(a.deadline, b.deadline);
  EXPECT_EQ(a.ack_a, b.ack_a);
  EXPECT_EQ(a.ack_b, b.ack_b);
  EXPECT_EQ(a.accept_a, b.accept_a);
  EXPECT_EQ(a.accept_b, b.accept_b);
  EXPECT_EQ(a.escalated_a, b.escalated_a);
  EXPECT_EQ(a.escalated_b, b.escalated_b);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.updated, b.updated);
  EXPECT_EQ(a.resolved, b.resolved);
}

template <typename T, typename F>
std::vector<std::string> Keys(const std::vector<T>& v, F key) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const T& x : v) {
    if constexpr (std::is_same_v<decltype(key(x)), std::string>) {
      out.push_back(key(x));
    } else {
      out.push_back(key(x).value());  // an id
    }
  }
  return out;
}

std::vector<int64_t> Seqs(const std::vector<EventRecord>& v) {
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (const EventRecord& e : v) out.push_back(e.seq);
  return out;
}

std::vector<int64_t> Seqs(const std::vector<AuditEntry>& v) {
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (const AuditEntry& e : v) out.push_back(e.seq);
  return out;
}

using Seq = std::vector<int64_t>;
using Names = std::vector<std::string>;

// Parties alpha, bravo, charlie (party) and un (observer).
void AddParties(Store* s) {
  auto t = s->Begin();
  ASSERT_OK(t);
  for (const char* name : {"alpha", "bravo", "charlie"}) ASSERT_OK((*t)->PutParty(Party(name)));
  ASSERT_OK((*t)->PutParty(Party("un", Role::kObserver)));
  ASSERT_OK((*t)->Commit());
}

// ---------------------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, EmptyStoreReadsNothing) {
  EXPECT_FALSE(store_->GetParty(PartyId("alpha"))->has_value());
  EXPECT_TRUE(store_->ListParties()->empty());
  EXPECT_FALSE(store_->FindToken("00")->has_value());
  EXPECT_TRUE(store_->ListTokens(PartyId("alpha"))->empty());
  EXPECT_TRUE(store_->ListContacts(PartyId("alpha"))->empty());
  EXPECT_TRUE(store_->ListWebhooks(PartyId())->empty());
  EXPECT_FALSE(store_->GetPlan(PartyId("alpha"), PlanId("p1"))->has_value());
  EXPECT_TRUE(store_->ListPlans(PartyId(), std::nullopt)->empty());
  EXPECT_TRUE(store_->PlanHistory(PartyId("alpha"), PlanId("p1"))->empty());
  EXPECT_FALSE(store_->GetConflict(ConflictId("c1"))->has_value());
  EXPECT_TRUE(store_->ListConflicts({})->empty());
  EXPECT_TRUE(store_->ListMessages(ConflictId("c1"))->empty());
  EXPECT_TRUE(store_->EventsAfter(PartyId("alpha"), 0, 0)->empty());
  EXPECT_EQ(*store_->LastEventSeq(PartyId("alpha")), 0);
  EXPECT_TRUE(store_->ListReceipts(PartyId("alpha"), 0)->empty());
  EXPECT_TRUE(store_->DueWebhookJobs(TimePoint::InfiniteFuture(), 0)->empty());
  EXPECT_TRUE(store_->DueContactPages(TimePoint::InfiniteFuture(), 0)->empty());
  EXPECT_TRUE(store_->ListContactPages(PartyId())->empty());
  EXPECT_TRUE(store_->AuditAfter(0, 0)->empty());
  EXPECT_FALSE(store_->LastAudit()->has_value());
  EXPECT_TRUE(store_->ListCheckpoints()->empty());
}

TEST_P(StoreConformanceTest, PartiesRoundTripInNameOrder) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutParty(Party("charlie")));
    ASSERT_OK(txn->PutParty(PartyRecord{.name = PartyId("alpha"),
                                        .role = Role::kCoordinator,
                                        .display_name = "Alpha HQ — ألفا",
                                        .created = Ms(42)}));
    ASSERT_OK(txn->PutParty(Party("bravo", Role::kObserver)));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::optional<PartyRecord> a, store_->GetParty(PartyId("alpha")));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, PartyId("alpha"));
  EXPECT_EQ(a->role, Role::kCoordinator);
  EXPECT_EQ(a->display_name, "Alpha HQ — ألفا");
  EXPECT_EQ(a->created, Ms(42));
  EXPECT_FALSE(store_->GetParty(PartyId("delta"))->has_value());
  ASSERT_OK_AND_ASSIGN(std::vector<PartyRecord> all, store_->ListParties());
  EXPECT_EQ(Keys(all, [](const PartyRecord& p) { return p.name; }),
            Names({"alpha", "bravo", "charlie"}));
  EXPECT_EQ(all[1].role, Role::kObserver);
}

TEST_P(StoreConformanceTest, DuplicatePartyIsAlreadyExistsAndKeepsTheTransaction) {
  AddParties(store_.get());
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  EXPECT_CODE(txn->PutParty(Party("alpha", Role::kObserver)), kAlreadyExists);
  // The failed write changed nothing; the transaction goes on.
  ASSERT_OK(txn->PutParty(Party("delta")));
  ASSERT_OK(txn->Commit());
  EXPECT_EQ(store_->GetParty(PartyId("alpha"))->value().role, Role::kParty);
  EXPECT_TRUE(store_->GetParty(PartyId("delta"))->has_value());
}

TEST_P(StoreConformanceTest, TokensFindListRevoke) {
  AddParties(store_.get());
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(
        txn->PutToken({.id = "tok_b", .party = PartyId("alpha"), .hash = "h2", .created = Ms(20)}));
    ASSERT_OK(
        txn->PutToken({.id = "tok_a", .party = PartyId("alpha"), .hash = "h1", .created = Ms(10)}));
    ASSERT_OK(
        txn->PutToken({.id = "tok_c", .party = PartyId("bravo"), .hash = "h3", .created = Ms(5)}));
    ASSERT_OK(txn->PutToken({.id = "tok_old",
                             .party = PartyId("bravo"),
                             .hash = "h4",
                             .created = Ms(1),
                             .revoked = Ms(2)}));
    EXPECT_CODE(txn->PutToken({.id = "tok_a", .party = PartyId("bravo"), .hash = "h9"}),
                kAlreadyExists);
    EXPECT_CODE(txn->PutToken({.id = "tok_x", .party = PartyId("nobody"), .hash = "h9"}),
                kNotFound);
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::optional<TokenRecord> t, store_->FindToken("h1"));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->id, "tok_a");
  EXPECT_EQ(t->party, PartyId("alpha"));
  EXPECT_EQ(t->hash, "h1");
  EXPECT_EQ(t->created, Ms(10));
  EXPECT_EQ(t->revoked, std::nullopt);
  EXPECT_FALSE(store_->FindToken("h4")->has_value());  // stored revoked
  EXPECT_FALSE(store_->FindToken("h9")->has_value());

  EXPECT_EQ(Keys(*store_->ListTokens(PartyId("alpha")), [](const TokenRecord& x) { return x.id; }),
            Names({"tok_a", "tok_b"}));
  EXPECT_EQ(Keys(*store_->ListTokens(PartyId()), [](const TokenRecord& x) { return x.id; }),
            Names({"tok_old", "tok_c", "tok_a", "tok_b"}));

  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->RevokeToken("tok_a", Ms(99)));
    ASSERT_OK(txn->RevokeToken("tok_a", Ms(150)));  // keeps the first time
    EXPECT_CODE(txn->RevokeToken("tok_none", Ms(99)), kNotFound);
    ASSERT_OK(txn->Commit());
  }
  EXPECT_FALSE(store_->FindToken("h1")->has_value());
  EXPECT_TRUE(store_->FindToken("h2")->has_value());
  {  // h1 revoked, h4 stored revoked, h-none unknown, a quote never matches
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> active,
                         store_->ActiveTokenHashes({"h1", "h2", "h4", "h-none", "h\"2"}));
    EXPECT_EQ(active, std::vector<std::string>({"h2"}));
    EXPECT_TRUE(store_->ActiveTokenHashes({})->empty());
  }
  std::vector<TokenRecord> alpha = *store_->ListTokens(PartyId("alpha"));
  ASSERT_EQ(alpha.size(), 2u);
  EXPECT_EQ(alpha[0].revoked, Ms(99));  // still listed
}

TEST_P(StoreConformanceTest, ContactsInsertUpdateDelete) {
  AddParties(store_.get());
  int64_t id1 = 0, id2 = 0, id3 = 0;
  ContactRecord c{.party = PartyId("alpha"),
                  .name = "Maj. Ivanova",
                  .language = "ru",
                  .role = ContactRole::kPrimary,
                  .roster = "Mon-Fri 06:00-18:00Z",
                  .webhook_url = "https://alpha.example/hook",
                  .created = Ms(11)};
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(id1, txn->PutContact(c));
    ContactRecord backup = c;
    backup.name = "Capt. Hassan";
    backup.language = "ar";
    backup.role = ContactRole::kBackup;
    ASSERT_OK_AND_ASSIGN(id2, txn->PutContact(backup));
    ContactRecord other = c;
    other.party = PartyId("bravo");
    ASSERT_OK_AND_ASSIGN(id3, txn->PutContact(other));
    ContactRecord orphan = c;
    orphan.party = PartyId("nobody");
    EXPECT_CODE(txn->PutContact(orphan), kNotFound);
    ASSERT_OK(txn->Commit());
  }
  EXPECT_NE(id1, 0);
  EXPECT_NE(id1, id2);
  EXPECT_NE(id2, id3);
  std::vector<ContactRecord> alpha = *store_->ListContacts(PartyId("alpha"));
  ASSERT_EQ(alpha.size(), 2u);
  EXPECT_EQ(alpha[0].id, std::min(id1, id2));
  const ContactRecord& first = alpha[0].id == id1 ? alpha[0] : alpha[1];
  EXPECT_EQ(first.party, PartyId("alpha"));
  EXPECT_EQ(first.name, "Maj. Ivanova");
  EXPECT_EQ(first.language, "ru");
  EXPECT_EQ(first.role, ContactRole::kPrimary);
  EXPECT_EQ(first.roster, "Mon-Fri 06:00-18:00Z");
  EXPECT_EQ(first.webhook_url, "https://alpha.example/hook");
  EXPECT_EQ(first.created, Ms(11));
  EXPECT_EQ(store_->ListContacts(PartyId())->size(), 3u);

  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ContactRecord update = c;
    update.id = id1;
    update.roster = "24/7";
    ASSERT_OK_AND_ASSIGN(int64_t same, txn->PutContact(update));
    EXPECT_EQ(same, id1);
    // Another party's contact is neither moved nor overwritten.
    ContactRecord steal = c;
    steal.id = id3;
    EXPECT_CODE(txn->PutContact(steal), kNotFound);
    EXPECT_CODE(txn->DeleteContact(PartyId("alpha"), id3), kNotFound);
    EXPECT_CODE(txn->DeleteContact(PartyId("alpha"), 999999), kNotFound);
    ASSERT_OK(txn->DeleteContact(PartyId("alpha"), id2));
    ASSERT_OK(txn->Commit());
  }
  alpha = *store_->ListContacts(PartyId("alpha"));
  ASSERT_EQ(alpha.size(), 1u);
  EXPECT_EQ(alpha[0].id, id1);
  EXPECT_EQ(alpha[0].roster, "24/7");
  std::vector<ContactRecord> bravo = *store_->ListContacts(PartyId("bravo"));
  ASSERT_EQ(bravo.size(), 1u);
  EXPECT_EQ(bravo[0].party, PartyId("bravo"));
}

TEST_P(StoreConformanceTest, WebhooksInsertUpdateDeleteAndJobsGoWithThem) {
  AddParties(store_.get());
  int64_t w1 = 0, w2 = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(w1, txn->PutWebhook({.party = PartyId("bravo"),
                                              .url = "https://bravo.example/h",
                                              .secret = "s3cr3t",
                                              .active = true,
                                              .created = Ms(3)}));
    ASSERT_OK_AND_ASSIGN(w2, txn->PutWebhook({.party = PartyId("alpha"),
                                              .url = "http://alpha.example/h",
                                              .secret = "k",
                                              .active = false,
                                              .created = Ms(4)}));
    EXPECT_CODE(txn->PutWebhook({.party = PartyId("nobody"), .url = "http://x"}), kNotFound);
    ASSERT_OK(txn->PutWebhookJob({.webhook_id = w1,
                                  .recipient = PartyId("bravo"),
                                  .event_seq = 1,
                                  .next_attempt = Ms(10),
                                  .state = DeliveryState::kPending}));
    ASSERT_OK(txn->Commit());
  }
  std::vector<WebhookRecord> all = *store_->ListWebhooks(PartyId());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, std::min(w1, w2));
  std::vector<WebhookRecord> bravo = *store_->ListWebhooks(PartyId("bravo"));
  ASSERT_EQ(bravo.size(), 1u);
  EXPECT_EQ(bravo[0].id, w1);
  EXPECT_EQ(bravo[0].party, PartyId("bravo"));
  EXPECT_EQ(bravo[0].url, "https://bravo.example/h");
  EXPECT_EQ(bravo[0].secret, "s3cr3t");
  EXPECT_TRUE(bravo[0].active);
  EXPECT_EQ(bravo[0].created, Ms(3));
  EXPECT_FALSE(store_->ListWebhooks(PartyId("alpha"))->at(0).active);

  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(int64_t same, txn->PutWebhook({.id = w2,
                                                        .party = PartyId("alpha"),
                                                        .url = "https://alpha.example/h2",
                                                        .secret = "k2",
                                                        .active = true,
                                                        .created = Ms(4)}));
    EXPECT_EQ(same, w2);
    EXPECT_CODE(txn->PutWebhook({.id = w1, .party = PartyId("alpha"), .url = "http://evil"}),
                kNotFound);
    EXPECT_CODE(txn->DeleteWebhook(PartyId("alpha"), w1), kNotFound);
    ASSERT_OK(txn->DeleteWebhook(PartyId("bravo"), w1));
    EXPECT_CODE(txn->PutWebhookJob({.webhook_id = w1,
                                    .recipient = PartyId("bravo"),
                                    .event_seq = 2,
                                    .state = DeliveryState::kPending}),
                kNotFound);
    ASSERT_OK(txn->Commit());
  }
  all = *store_->ListWebhooks(PartyId());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].url, "https://alpha.example/h2");
  EXPECT_EQ(all[0].secret, "k2");
  EXPECT_TRUE(all[0].active);
  EXPECT_TRUE(
      store_->DueWebhookJobs(TimePoint::InfiniteFuture(), 0)->empty());  // deleted with the webhook
}

TEST_P(StoreConformanceTest, PlanVersionsHistoryAndNewest) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    PlanRecord v1 = Plan("alpha", "convoy-7", 1);
    v1.feature_json = kOddJson;
    ASSERT_OK(txn->PutPlan(v1));
    ASSERT_OK(txn->PutPlan(Plan("alpha", "convoy-7", 2)));
    ASSERT_OK(txn->PutPlan(Plan("alpha", "convoy-7", 3, PlanStatus::kCancelled)));
    ASSERT_OK(txn->PutPlan(Plan("bravo", "convoy-7", 1)));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::optional<PlanRecord> newest,
                       store_->GetPlan(PartyId("alpha"), PlanId("convoy-7")));
  ASSERT_TRUE(newest.has_value());
  ExpectSamePlan(*newest, Plan("alpha", "convoy-7", 3, PlanStatus::kCancelled));
  ASSERT_OK_AND_ASSIGN(std::optional<PlanRecord> v1,
                       store_->GetPlan(PartyId("alpha"), PlanId("convoy-7"), 1));
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->feature_json, kOddJson);  // byte for byte
  EXPECT_EQ(v1->version, 1);
  EXPECT_FALSE(store_->GetPlan(PartyId("alpha"), PlanId("convoy-7"), 4)->has_value());
  EXPECT_FALSE(store_->GetPlan(PartyId("alpha"), PlanId("convoy-8"))->has_value());
  EXPECT_FALSE(store_->GetPlan(PartyId("charlie"), PlanId("convoy-7"))->has_value());

  ASSERT_OK_AND_ASSIGN(std::vector<PlanRecord> history,
                       store_->PlanHistory(PartyId("alpha"), PlanId("convoy-7")));
  ASSERT_EQ(history.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(history[i].version, i + 1);
  ExpectSamePlan(history[1], Plan("alpha", "convoy-7", 2));
  EXPECT_EQ(store_->PlanHistory(PartyId("bravo"), PlanId("convoy-7"))->size(), 1u);
}

TEST_P(StoreConformanceTest, DuplicatePlanVersionIsAlreadyExists) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutPlan(Plan("alpha", "p1", 1)));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  PlanRecord again = Plan("alpha", "p1", 1, PlanStatus::kCancelled);
  EXPECT_CODE(txn->PutPlan(again), kAlreadyExists);
  ASSERT_OK(txn->PutPlan(Plan("alpha", "p1", 2)));
  ASSERT_OK(txn->Commit());
  EXPECT_EQ(store_->GetPlan(PartyId("alpha"), PlanId("p1"), 1)->value().status,
            PlanStatus::kActive);
  EXPECT_EQ(store_->GetPlan(PartyId("alpha"), PlanId("p1"))->value().version, 2);
}

// A zone waiting for a coordinator (pending), rejected, then approved: each status is kept and
// filtered on, and the history keeps every one (the channel finds the version in force in it).
TEST_P(StoreConformanceTest, PendingAndRejectedPlanStatusesRoundTrip) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutPlan(Plan("alpha", "z", 1, PlanStatus::kPending)));
    ASSERT_OK(txn->PutPlan(Plan("alpha", "y", 1, PlanStatus::kPending)));
    ASSERT_OK(txn->PutPlan(Plan("alpha", "y", 2, PlanStatus::kRejected)));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<PlanRecord> pending,
                       store_->ListPlans(PartyId("alpha"), PlanStatus::kPending));
  ASSERT_EQ(pending.size(), 1u);
  ExpectSamePlan(pending[0], Plan("alpha", "z", 1, PlanStatus::kPending));
  EXPECT_EQ(store_->ListPlans(PartyId(), PlanStatus::kRejected)->size(), 1u);
  Reopen();
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutPlan(Plan("alpha", "z", 2, PlanStatus::kActive)));
    ASSERT_OK(txn->Commit());
  }
  EXPECT_TRUE(store_->ListPlans(PartyId(), PlanStatus::kPending)->empty());
  ASSERT_OK_AND_ASSIGN(std::vector<PlanRecord> history,
                       store_->PlanHistory(PartyId("alpha"), PlanId("z")));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].status, PlanStatus::kPending);
  EXPECT_EQ(history[1].status, PlanStatus::kActive);
}

TEST_P(StoreConformanceTest, ListPlansFiltersOnTheNewestVersion) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutPlan(Plan("bravo", "b2", 1)));
    ASSERT_OK(txn->PutPlan(Plan("alpha", "a2", 1)));
    ASSERT_OK(txn->PutPlan(Plan("alpha", "a2", 2, PlanStatus::kCancelled)));  // newest cancelled
    ASSERT_OK(txn->PutPlan(Plan("alpha", "a1", 1, PlanStatus::kCancelled)));
    ASSERT_OK(txn->PutPlan(Plan("alpha", "a1", 2)));  // newest active
    ASSERT_OK(txn->PutPlan(Plan("bravo", "b1", 1)));
    ASSERT_OK(txn->Commit());
  }
  auto ids = [](const std::vector<PlanRecord>& v) {
    return Keys(v, [](const PlanRecord& p) { return p.party + "/" + p.id; });
  };
  ASSERT_OK_AND_ASSIGN(std::vector<PlanRecord> all, store_->ListPlans(PartyId(), std::nullopt));
  EXPECT_EQ(ids(all), Names({"alpha/a1", "alpha/a2", "bravo/b1", "bravo/b2"}));
  EXPECT_EQ(all[0].version, 2);
  EXPECT_EQ(all[1].version, 2);
  ExpectSamePlan(all[1], Plan("alpha", "a2", 2, PlanStatus::kCancelled));
  EXPECT_EQ(ids(*store_->ListPlans(PartyId(), PlanStatus::kActive)),
            Names({"alpha/a1", "bravo/b1", "bravo/b2"}));
  EXPECT_EQ(ids(*store_->ListPlans(PartyId(), PlanStatus::kCancelled)), Names({"alpha/a2"}));
  EXPECT_EQ(ids(*store_->ListPlans(PartyId("alpha"), std::nullopt)),
            Names({"alpha/a1", "alpha/a2"}));
  EXPECT_EQ(ids(*store_->ListPlans(PartyId("alpha"), PlanStatus::kActive)), Names({"alpha/a1"}));
  EXPECT_EQ(ids(*store_->ListPlans(PartyId("bravo"), PlanStatus::kCancelled)), Names({}));
  EXPECT_TRUE(store_->ListPlans(PartyId("charlie"), std::nullopt)->empty());

  // A newer version changes what the filters see.
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutPlan(Plan("alpha", "a2", 3, PlanStatus::kActive)));
    ASSERT_OK(txn->Commit());
  }
  EXPECT_EQ(ids(*store_->ListPlans(PartyId("alpha"), PlanStatus::kActive)),
            Names({"alpha/a1", "alpha/a2"}));
  EXPECT_EQ(store_->ListPlans(PartyId("alpha"), PlanStatus::kActive)->at(1).version, 3);
}

TEST_P(StoreConformanceTest, TimesRoundTripExactly) {
  // Instants with milliseconds (whole ones: what a store keeps), some before the epoch; optional
  // times absent and present. A revocation at t0 + 60 s reads back as whole milliseconds.
  const TimePoint t0 = Ms(1795000000123);  // 2026-11-18
  ConflictRecord absent = Conflict("c-absent", "alpha", "a1", "bravo", "b1", 1795000600001);
  absent.created = absent.updated = t0;
  ConflictRecord present = Conflict("c-present", "alpha", "a2", "bravo", "b2", -86400999);
  present.ack_a = Ms(1795000000124);
  present.ack_b = Ms(1795000001623);
  present.accept_a = Ms(1795000000999);
  present.accept_b = Ms(7258118399999);  // 2199-12-31T23:59:59.999Z
  present.resolved = Ms(-1);
  TokenRecord token{.id = "tok_t", .party = PartyId("alpha"), .hash = "ht", .created = t0};
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutParty(Party("alpha")));
    ASSERT_OK(txn->PutToken(token));
    ASSERT_OK(txn->PutConflict(absent));
    ASSERT_OK(txn->PutConflict(present));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::optional<ConflictRecord> got, store_->GetConflict(absent.id));
  ASSERT_TRUE(got.has_value());
  ExpectSameConflict(*got, absent);
  EXPECT_FALSE(got->ack_a.has_value());
  EXPECT_FALSE(got->resolved.has_value());
  got = *store_->GetConflict(present.id);
  ASSERT_TRUE(got.has_value());
  ExpectSameConflict(*got, present);
  EXPECT_EQ(got->window_start, Ms(-86400999));
  EXPECT_EQ(got->accept_b, Ms(7258118399999));

  ASSERT_OK_AND_ASSIGN(std::vector<TokenRecord> tokens, store_->ListTokens(PartyId("alpha")));
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].created, t0);
  EXPECT_FALSE(tokens[0].revoked.has_value());
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->RevokeToken("tok_t", t0 + Seconds(60)));
    ASSERT_OK(txn->Commit());
  }
  tokens = *store_->ListTokens(PartyId("alpha"));
  EXPECT_EQ(tokens[0].revoked, Ms(1795000060123));
}

TEST_P(StoreConformanceTest, ConflictRoundTripAndReplace) {
  ConflictRecord c = Conflict("c-1", "alpha", "a1", "bravo", "b1", 1000);
  c.detail_json = kOddJson;
  c.resolution = Resolution::kNone;
  c.ack_a = Ms(11);
  c.ack_b = Ms(12);
  c.accept_a = Ms(13);
  c.accept_b = Ms(14);
  c.escalated_a = 2;
  c.escalated_b = 1;
  c.resolved = std::nullopt;
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutConflict(c));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::optional<ConflictRecord> got, store_->GetConflict(ConflictId("c-1")));
  ASSERT_TRUE(got.has_value());
  ExpectSameConflict(*got, c);
  EXPECT_FALSE(store_->GetConflict(ConflictId("c-2"))->has_value());

  c.status = ConflictStatus::kResolved;
  c.resolution = Resolution::kAmended;
  c.version_a = 2;
  c.updated = Ms(500);
  c.resolved = Ms(500);
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->AppendMessage(
        {.conflict_id = ConflictId("c-1"), .party = PartyId("alpha"), .kind = MessageKind::kText}));
    ASSERT_OK(txn->PutConflict(c));  // replacing keeps the conflict's thread
    ASSERT_OK(txn->Commit());
  }
  got = *store_->GetConflict(ConflictId("c-1"));
  ExpectSameConflict(*got, c);
  EXPECT_EQ(store_->ListConflicts({})->size(), 1u);
  EXPECT_EQ(store_->ListMessages(ConflictId("c-1"))->size(), 1u);
}

TEST_P(StoreConformanceTest, ListConflictsFiltersAndOrder) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    // Put out of order: the list is by window_start_ms, then id.
    ASSERT_OK(txn->PutConflict(
        Conflict("c-5", "bravo", "b2", "charlie", "c1", 3000, ConflictStatus::kExpired)));
    ASSERT_OK(txn->PutConflict(Conflict("c-2", "alpha", "a1", "bravo", "b1", 2000)));
    ASSERT_OK(txn->PutConflict(
        Conflict("c-1", "alpha", "a1", "charlie", "c1", 2000, ConflictStatus::kAcknowledged)));
    ASSERT_OK(txn->PutConflict(
        Conflict("c-4", "charlie", "c2", "alpha", "a2", 1000, ConflictStatus::kResolved)));
    ASSERT_OK(txn->PutConflict(Conflict("c-3", "bravo", "b1", "alpha", "a1", 4000)));
    ASSERT_OK(txn->Commit());
  }
  auto ids = [this](const ConflictFilter& f) {
    Result<std::vector<ConflictRecord>> r = store_->ListConflicts(f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return Names();
    return Keys(*r, [](const ConflictRecord& c) { return c.id; });
  };
  EXPECT_EQ(ids({}), Names({"c-4", "c-1", "c-2", "c-5", "c-3"}));
  EXPECT_EQ(ids({.party = PartyId("alpha")}), Names({"c-4", "c-1", "c-2", "c-3"}));
  EXPECT_EQ(ids({.party = PartyId("charlie")}), Names({"c-4", "c-1", "c-5"}));
  EXPECT_EQ(ids({.party = PartyId("un")}), Names({}));
  // Plan filter: that plan on either side.
  EXPECT_EQ(ids({.plan_party = PartyId("alpha"), .plan = PlanId("a1")}),
            Names({"c-1", "c-2", "c-3"}));
  EXPECT_EQ(ids({.plan_party = PartyId("bravo"), .plan = PlanId("b1")}), Names({"c-2", "c-3"}));
  EXPECT_EQ(ids({.plan_party = PartyId("bravo"), .plan = PlanId("a1")}), Names({}));
  // Statuses.
  EXPECT_EQ(ids({.statuses = {ConflictStatus::kOpen}}), Names({"c-2", "c-3"}));
  EXPECT_EQ(ids({.statuses = {ConflictStatus::kOpen, ConflictStatus::kAcknowledged}}),
            Names({"c-1", "c-2", "c-3"}));
  EXPECT_EQ(ids({.statuses = {ConflictStatus::kResolved, ConflictStatus::kExpired}}),
            Names({"c-4", "c-5"}));
  // Combined, and limited.
  EXPECT_EQ(ids({.party = PartyId("alpha"), .statuses = {ConflictStatus::kOpen}}),
            Names({"c-2", "c-3"}));
  EXPECT_EQ(
      ids({.party = PartyId("charlie"), .plan_party = PartyId("alpha"), .plan = PlanId("a1")}),
      Names({"c-1"}));
  EXPECT_EQ(ids({.party = PartyId("bravo"),
                 .plan_party = PartyId("alpha"),
                 .plan = PlanId("a1"),
                 .statuses = {ConflictStatus::kOpen}}),
            Names({"c-2", "c-3"}));
  EXPECT_EQ(ids({.limit = 2}), Names({"c-4", "c-1"}));
  EXPECT_EQ(ids({.party = PartyId("alpha"),
                 .statuses = {ConflictStatus::kOpen, ConflictStatus::kResolved},
                 .limit = 2}),
            Names({"c-4", "c-2"}));
  EXPECT_CODE(store_->ListConflicts({.plan = PlanId("a1")}), kInvalidArgument);
  EXPECT_CODE(store_->ListConflicts({.plan_party = PartyId("alpha")}), kInvalidArgument);
}

TEST_P(StoreConformanceTest, MessagesNumberedPerConflict) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutConflict(Conflict("c-1", "alpha", "a1", "bravo", "b1", 0)));
    ASSERT_OK(txn->PutConflict(Conflict("c-2", "alpha", "a1", "bravo", "b2", 0)));
    ASSERT_OK_AND_ASSIGN(MessageRecord m1, txn->AppendMessage({.conflict_id = ConflictId("c-1"),
                                                               .party = PartyId("alpha"),
                                                               .kind = MessageKind::kPropose,
                                                               .body_json = kOddJson,
                                                               .language = "ru",
                                                               .at = Ms(77)}));
    EXPECT_EQ(m1.seq, 1);
    EXPECT_EQ(m1.body_json, kOddJson);
    ASSERT_OK_AND_ASSIGN(MessageRecord m2, txn->AppendMessage({.conflict_id = ConflictId("c-2"),
                                                               .party = PartyId("bravo"),
                                                               .kind = MessageKind::kText}));
    EXPECT_EQ(m2.seq, 1);
    ASSERT_OK_AND_ASSIGN(MessageRecord m3, txn->AppendMessage({.seq = 99,  // ignored
                                                               .conflict_id = ConflictId("c-1"),
                                                               .party = PartyId("bravo"),
                                                               .kind = MessageKind::kAccept}));
    EXPECT_EQ(m3.seq, 2);
    EXPECT_CODE(txn->AppendMessage({.conflict_id = ConflictId("c-none"),
                                    .party = PartyId("bravo"),
                                    .kind = MessageKind::kText}),
                kNotFound);
    ASSERT_OK(txn->Commit());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(MessageRecord m4, txn->AppendMessage({.conflict_id = ConflictId("c-1"),
                                                               .party = PartyId("alpha"),
                                                               .kind = MessageKind::kText}));
    EXPECT_EQ(m4.seq, 3);
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<MessageRecord> thread, store_->ListMessages(ConflictId("c-1")));
  ASSERT_EQ(thread.size(), 3u);
  EXPECT_EQ(thread[0].seq, 1);
  EXPECT_EQ(thread[0].conflict_id, ConflictId("c-1"));
  EXPECT_EQ(thread[0].party, PartyId("alpha"));
  EXPECT_EQ(thread[0].kind, MessageKind::kPropose);
  EXPECT_EQ(thread[0].body_json, kOddJson);
  EXPECT_EQ(thread[0].language, "ru");
  EXPECT_EQ(thread[0].at, Ms(77));
  EXPECT_EQ(thread[1].kind, MessageKind::kAccept);
  EXPECT_EQ(thread[2].seq, 3);
  EXPECT_EQ(store_->ListMessages(ConflictId("c-2"))->size(), 1u);
}

TEST_P(StoreConformanceTest, EventStreamsPerRecipient) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    for (int i = 0; i < 5; ++i) {
      ASSERT_OK_AND_ASSIGN(EventRecord e, txn->AppendEvent({.recipient = PartyId("alpha"),
                                                            .type = EventType::kConflictOpened,
                                                            .data_json = kOddJson,
                                                            .at = Ms(100 + i)}));
      EXPECT_EQ(e.seq, i + 1);
      if (i % 2 == 0) {
        ASSERT_OK_AND_ASSIGN(EventRecord b,
                             txn->AppendEvent({.recipient = PartyId("bravo"),
                                               .type = EventType::kConflictEscalated}));
        EXPECT_EQ(b.seq, i / 2 + 1);
      }
    }
    ASSERT_OK(txn->Commit());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(EventRecord e,
                         txn->AppendEvent({.recipient = PartyId("alpha"),
                                           .seq = 42,  // ignored
                                           .type = EventType::kConflictAcknowledged}));
    EXPECT_EQ(e.seq, 6);
    ASSERT_OK(txn->Commit());
  }
  EXPECT_EQ(*store_->LastEventSeq(PartyId("alpha")), 6);
  EXPECT_EQ(*store_->LastEventSeq(PartyId("bravo")), 3);
  EXPECT_EQ(*store_->LastEventSeq(PartyId("charlie")), 0);
  ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> all, store_->EventsAfter(PartyId("alpha"), 0, 0));
  EXPECT_EQ(Seqs(all), Seq({1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(all[2].recipient, PartyId("alpha"));
  EXPECT_EQ(all[2].type, EventType::kConflictOpened);
  EXPECT_EQ(all[2].data_json, kOddJson);
  EXPECT_EQ(all[2].at, Ms(102));
  EXPECT_EQ(all[5].type, EventType::kConflictAcknowledged);
  EXPECT_EQ(Seqs(*store_->EventsAfter(PartyId("alpha"), 2, 0)), Seq({3, 4, 5, 6}));
  EXPECT_EQ(Seqs(*store_->EventsAfter(PartyId("alpha"), 2, 3)), Seq({3, 4, 5}));
  EXPECT_EQ(Seqs(*store_->EventsAfter(PartyId("alpha"), 6, 0)), Seq({}));
  EXPECT_EQ(Seqs(*store_->EventsAfter(PartyId("bravo"), 1, 0)), Seq({2, 3}));
  EXPECT_TRUE(store_->EventsAfter(PartyId("charlie"), 0, 0)->empty());
}

TEST_P(StoreConformanceTest, ReceiptsDeduplicated) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(
        txn->PutReceipt(Receipt("alpha", 2, ReceiptChannel::kSse, ReceiptKind::kDelivered, Ms(5))));
    ASSERT_OK(txn->PutReceipt(
        Receipt("alpha", 1, ReceiptChannel::kWebhook, ReceiptKind::kDelivered, Ms(3))));
    ASSERT_OK(
        txn->PutReceipt(Receipt("alpha", 2, ReceiptChannel::kApi, ReceiptKind::kRead, Ms(9))));
    ASSERT_OK(
        txn->PutReceipt(Receipt("bravo", 2, ReceiptChannel::kSse, ReceiptKind::kDelivered, Ms(6))));
    // The same delivery reported again: ignored, the first time kept.
    ASSERT_OK(
        txn->PutReceipt(Receipt("alpha", 2, ReceiptChannel::kSse, ReceiptKind::kDelivered, Ms(8))));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ReceiptRecord> all, store_->ListReceipts(PartyId("alpha"), 0));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].event_seq, 1);
  EXPECT_EQ(all[0].channel, ReceiptChannel::kWebhook);
  EXPECT_EQ(all[1].channel, ReceiptChannel::kApi);
  EXPECT_EQ(all[1].kind, ReceiptKind::kRead);
  EXPECT_EQ(all[2].recipient, PartyId("alpha"));
  EXPECT_EQ(all[2].event_seq, 2);
  EXPECT_EQ(all[2].channel, ReceiptChannel::kSse);
  EXPECT_EQ(all[2].kind, ReceiptKind::kDelivered);
  EXPECT_EQ(all[2].at, Ms(5));
  EXPECT_EQ(store_->ListReceipts(PartyId("alpha"), 2)->size(), 2u);
  EXPECT_EQ(store_->ListReceipts(PartyId("alpha"), 3)->size(), 0u);
  EXPECT_EQ(store_->ListReceipts(PartyId("bravo"), 0)->size(), 1u);
}

TEST_P(StoreConformanceTest, ContactPagesAreKeptUntilDeliveredOrFailed) {
  AddParties(store_.get());
  auto page = [](const std::string& party, int64_t contact, int64_t next) {
    return ContactPage{.party = PartyId(party),
                       .contact_id = contact,
                       .url = "https://pager/" + party,
                       .event = EventType::kConflictEscalated,
                       .conflict = ConflictId("c-1"),
                       .level = 1,
                       .body_json = "{\"n\":" + std::to_string(contact) + "}",
                       .next_attempt = Ms(next),
                       .state = DeliveryState::kPending,
                       .created = Ms(7)};
  };
  int64_t a1 = 0, a2 = 0, b1 = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(a1, txn->PutContactPage(page("alpha", 11, 300)));
    ASSERT_OK_AND_ASSIGN(a2, txn->PutContactPage(page("alpha", 12, 100)));
    ASSERT_OK_AND_ASSIGN(b1, txn->PutContactPage(page("bravo", 21, 100)));
    ASSERT_OK(txn->Commit());
  }
  EXPECT_NE(a1, a2);
  EXPECT_NE(a2, b1);
  auto ids = [](const Result<std::vector<ContactPage>>& r) {
    std::vector<int64_t> out;
    for (const ContactPage& p : *r) out.push_back(p.id);
    return out;
  };
  EXPECT_EQ(ids(store_->DueContactPages(Ms(300), 0)), (std::vector<int64_t>{a2, b1, a1}));
  EXPECT_EQ(ids(store_->DueContactPages(Ms(299), 0)), (std::vector<int64_t>{a2, b1}));
  EXPECT_EQ(ids(store_->DueContactPages(Ms(300), 1)), (std::vector<int64_t>{a2}));
  EXPECT_TRUE(store_->DueContactPages(Ms(99), 0)->empty());
  EXPECT_EQ(ids(store_->ListContactPages(PartyId("alpha"))), (std::vector<int64_t>{a1, a2}));
  EXPECT_EQ(ids(store_->ListContactPages(PartyId())), (std::vector<int64_t>{a1, a2, b1}));
  const ContactPage got = store_->ListContactPages(PartyId("bravo"))->front();
  EXPECT_EQ(got.contact_id, 21);
  EXPECT_EQ(got.url, "https://pager/bravo");
  EXPECT_EQ(got.event, EventType::kConflictEscalated);
  EXPECT_EQ(got.conflict, ConflictId("c-1"));
  EXPECT_EQ(got.level, 1);
  EXPECT_EQ(got.body_json, "{\"n\":21}");
  EXPECT_EQ(got.created, Ms(7));

  // An attempt updates the state; only pending pages are due. Updating an unknown id fails.
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ContactPage retry = page("alpha", 12, 100);
    retry.id = a2;
    retry.attempts = 1;
    retry.next_attempt = Ms(1000);
    retry.last_error = "HTTP 503";
    ASSERT_OK(txn->PutContactPage(retry));
    ContactPage done = page("bravo", 21, 100);
    done.id = b1;
    done.attempts = 1;
    done.state = DeliveryState::kDelivered;
    ASSERT_OK(txn->PutContactPage(done));
    ContactPage unknown = page("bravo", 21, 100);
    unknown.id = b1 + a1 + a2 + 100;
    EXPECT_CODE(txn->PutContactPage(unknown).status(), kNotFound);
    ASSERT_OK(txn->Commit());
  }
  EXPECT_EQ(ids(store_->DueContactPages(Ms(999), 0)), (std::vector<int64_t>{a1}));
  EXPECT_EQ(ids(store_->DueContactPages(Ms(1000), 0)), (std::vector<int64_t>{a1, a2}));
  const ContactPage retried = store_->ListContactPages(PartyId("alpha"))->back();
  EXPECT_EQ(retried.attempts, 1);
  EXPECT_EQ(retried.last_error, "HTTP 503");
  EXPECT_EQ(store_->ListContactPages(PartyId("bravo"))->front().state, DeliveryState::kDelivered);
}

TEST_P(StoreConformanceTest, DueWebhookJobsOrderAndTimeFilter) {
  AddParties(store_.get());
  int64_t w1 = 0, w2 = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(w1, txn->PutWebhook({.party = PartyId("alpha"), .url = "https://a/1"}));
    ASSERT_OK_AND_ASSIGN(w2, txn->PutWebhook({.party = PartyId("bravo"), .url = "https://b/1"}));
    auto job = [](int64_t w, const std::string& r, int64_t seq, int64_t next, DeliveryState state) {
      return WebhookJob{.webhook_id = w,
                        .recipient = PartyId(r),
                        .event_seq = seq,
                        .attempts = 0,
                        .next_attempt = Ms(next),
                        .state = state};
    };
    ASSERT_OK(txn->PutWebhookJob(job(w1, "alpha", 3, 300, DeliveryState::kPending)));
    ASSERT_OK(txn->PutWebhookJob(job(w2, "bravo", 1, 100, DeliveryState::kPending)));
    ASSERT_OK(txn->PutWebhookJob(job(w1, "alpha", 1, 200, DeliveryState::kPending)));
    ASSERT_OK(txn->PutWebhookJob(job(w1, "alpha", 2, 50, DeliveryState::kDelivered)));
    ASSERT_OK(txn->PutWebhookJob(job(w2, "bravo", 2, 60, DeliveryState::kFailed)));
    ASSERT_OK(txn->PutWebhookJob(job(w1, "alpha", 4, 1000, DeliveryState::kPending)));
    ASSERT_OK(txn->Commit());
  }
  auto keys = [](const std::vector<WebhookJob>& v) {
    return Keys(
        v, [](const WebhookJob& j) { return j.recipient + "/" + std::to_string(j.event_seq); });
  };
  EXPECT_EQ(keys(*store_->DueWebhookJobs(Ms(300), 0)), Names({"bravo/1", "alpha/1", "alpha/3"}));
  EXPECT_EQ(keys(*store_->DueWebhookJobs(Ms(299), 0)), Names({"bravo/1", "alpha/1"}));
  EXPECT_EQ(keys(*store_->DueWebhookJobs(Ms(99), 0)), Names({}));
  EXPECT_EQ(keys(*store_->DueWebhookJobs(Ms(5000), 2)), Names({"bravo/1", "alpha/1"}));
  EXPECT_EQ(keys(*store_->DueWebhookJobs(Ms(5000), 0)),
            Names({"bravo/1", "alpha/1", "alpha/3", "alpha/4"}));

  // Replace: a failed attempt reschedules the job; a delivery removes it from the due list.
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutWebhookJob({.webhook_id = w2,
                                  .recipient = PartyId("bravo"),
                                  .event_seq = 1,
                                  .attempts = 1,
                                  .next_attempt = Ms(400),
                                  .state = DeliveryState::kPending,
                                  .last_error = "HTTP 503"}));
    ASSERT_OK(txn->PutWebhookJob({.webhook_id = w1,
                                  .recipient = PartyId("alpha"),
                                  .event_seq = 1,
                                  .attempts = 1,
                                  .next_attempt = Ms(200),
                                  .state = DeliveryState::kDelivered}));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<WebhookJob> due, store_->DueWebhookJobs(Ms(5000), 0));
  EXPECT_EQ(keys(due), Names({"alpha/3", "bravo/1", "alpha/4"}));
  const WebhookJob& retried = due[1];
  EXPECT_EQ(retried.webhook_id, w2);
  EXPECT_EQ(retried.attempts, 1);
  EXPECT_EQ(retried.next_attempt, Ms(400));
  EXPECT_EQ(retried.state, DeliveryState::kPending);
  EXPECT_EQ(retried.last_error, "HTTP 503");
}

TEST_P(StoreConformanceTest, AuditAppendAssignsSeqAndChains) {
  AuditEntry first, second;
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    AuditEntry e = Audit("plan.submitted", {"bravo", "alpha"}, kOddJson, 1234);
    e.seq = 77;  // assigned by the store
    e.prev_hash = "junk";
    e.hash = "junk";
    ASSERT_OK_AND_ASSIGN(first, txn->AppendAudit(e));
    ASSERT_OK_AND_ASSIGN(second, txn->AppendAudit(Audit("notice.sent", {})));
    ASSERT_OK(txn->Commit());
  }
  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(first.prev_hash, record::GenesisHash());
  EXPECT_EQ(first.hash, record::EntryHash(first));
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(second.prev_hash, first.hash);
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(AuditEntry third, txn->AppendAudit(Audit("receipt.delivered", {"alpha"})));
    EXPECT_EQ(third.seq, 3);
    EXPECT_EQ(third.prev_hash, second.hash);
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> all, store_->AuditAfter(0, 0));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].seq, 1);
  EXPECT_EQ(all[0].at, Ms(1234));
  EXPECT_EQ(all[0].kind, "plan.submitted");
  EXPECT_EQ(all[0].parties, (std::vector<PartyId>{PartyId("bravo"),
                                                  PartyId("alpha")}));  // order kept: it is hashed
  EXPECT_EQ(all[0].body_json, kOddJson);
  EXPECT_EQ(all[0].prev_hash, record::GenesisHash());
  EXPECT_EQ(all[0].hash, first.hash);
  EXPECT_TRUE(all[1].parties.empty());
  ASSERT_OK_AND_ASSIGN(std::optional<AuditEntry> last, store_->LastAudit());
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->seq, 3);
  EXPECT_EQ(last->hash, all[2].hash);
  record::ChainReport r = record::VerifyChain(all, {});
  EXPECT_TRUE(r.ok()) << r.problems[0];
  EXPECT_EQ(r.last_seq, 3);
}

TEST_P(StoreConformanceTest, AuditRejectsAmbiguousFieldsAndKeepsTheTransaction) {
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  EXPECT_CODE(txn->AppendAudit(Audit("bad\nkind", {})), kInvalidArgument);
  EXPECT_CODE(txn->AppendAudit(Audit("k", {"a,b"})), kInvalidArgument);
  EXPECT_CODE(txn->AppendAudit(Audit("", {})), kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(AuditEntry e, txn->AppendAudit(Audit("k", {"a"})));
  EXPECT_EQ(e.seq, 1);
  ASSERT_OK(txn->Commit());
}

TEST_P(StoreConformanceTest, AuditAfterPagesAndFiltersByParty) {
  const Names parties = {"alpha", "bravo", "charlie", "delta", "echo"};
  std::vector<Seq> expected(parties.size());
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    for (int64_t i = 1; i <= 600; ++i) {
      Names visible;
      for (size_t p = 0; p < parties.size(); ++p) {
        if (i % static_cast<int64_t>(p + 2) == 0) {
          visible.push_back(parties[p]);
          expected[p].push_back(i);
        }
      }
      ASSERT_OK(txn->AppendAudit(Audit("k", visible, "{\"i\":" + std::to_string(i) + "}")));
    }
    ASSERT_OK(txn->Commit());
  }
  for (size_t p = 0; p < parties.size(); ++p) {
    EXPECT_EQ(Seqs(*store_->AuditAfter(0, 0, PartyId(parties[p]))), expected[p]) << parties[p];
  }
  // Paging through one party's entries.
  Seq paged;
  int64_t after = 0;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> page,
                         store_->AuditAfter(after, 7, PartyId("charlie")));
    if (page.empty()) break;
    EXPECT_LE(page.size(), 7u);
    for (const AuditEntry& e : page) {
      paged.push_back(e.seq);
      EXPECT_NE(std::find(e.parties.begin(), e.parties.end(), PartyId("charlie")), e.parties.end());
    }
    after = page.back().seq;
  }
  EXPECT_EQ(paged, expected[2]);
  EXPECT_EQ(Seqs(*store_->AuditAfter(595, 0)), Seq({596, 597, 598, 599, 600}));
  EXPECT_EQ(Seqs(*store_->AuditAfter(10, 3)), Seq({11, 12, 13}));
  EXPECT_TRUE(store_->AuditAfter(0, 0, PartyId("nobody"))->empty());
  EXPECT_TRUE(record::VerifyChain(*store_->AuditAfter(0, 0), {}).ok());
}

TEST_P(StoreConformanceTest, CheckpointsStoredAndVerified) {
  record::KeyPair key = record::GenerateKeyPair();
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    AuditEntry last;
    for (int i = 0; i < 10; ++i) {
      ASSERT_OK_AND_ASSIGN(last, txn->AppendAudit(Audit("k", {"alpha"})));
      if (last.seq == 4) {
        ASSERT_OK(txn->PutCheckpoint(record::MakeCheckpoint(key, last.seq, last.hash, Ms(50))));
      }
    }
    ASSERT_OK(txn->PutCheckpoint(record::MakeCheckpoint(key, last.seq, last.hash, Ms(60))));
    EXPECT_CODE(txn->PutCheckpoint(record::MakeCheckpoint(key, last.seq, last.hash, Ms(61))),
                kAlreadyExists);
    EXPECT_CODE(txn->PutCheckpoint(record::MakeCheckpoint(key, 11, last.hash, Ms(61))), kNotFound);
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Checkpoint> cps, store_->ListCheckpoints());
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_EQ(cps[0].seq, 4);
  EXPECT_EQ(cps[1].seq, 10);
  EXPECT_EQ(cps[1].at, Ms(60));
  EXPECT_EQ(cps[1].public_key, key.public_key_hex);
  EXPECT_EQ(cps[1].hash, store_->LastAudit()->value().hash);
  record::ChainReport r = record::VerifyChain(*store_->AuditAfter(0, 0), cps, key.public_key_hex);
  EXPECT_TRUE(r.ok()) << r.problems[0];
  EXPECT_EQ(r.checkpoints, 2);
}

TEST_P(StoreConformanceTest, DestroyedTransactionLeavesNothing) {
  AddParties(store_.get());
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutParty(Party("delta")));
    ASSERT_OK(txn->PutToken({.id = "t", .party = PartyId("alpha"), .hash = "h"}));
    ASSERT_OK(txn->PutContact({.party = PartyId("alpha"), .name = "x"}));
    ASSERT_OK_AND_ASSIGN(int64_t w,
                         txn->PutWebhook({.party = PartyId("alpha"), .url = "http://x"}));
    ASSERT_OK(txn->PutWebhookJob({.webhook_id = w,
                                  .recipient = PartyId("alpha"),
                                  .event_seq = 1,
                                  .state = DeliveryState::kPending}));
    ASSERT_OK(txn->PutPlan(Plan("alpha", "p", 1)));
    ASSERT_OK(txn->PutConflict(Conflict("c", "alpha", "p", "bravo", "q", 0)));
    ASSERT_OK(txn->AppendMessage(
        {.conflict_id = ConflictId("c"), .party = PartyId("alpha"), .kind = MessageKind::kText}));
    ASSERT_OK(
        txn->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened}));
    ASSERT_OK(txn->PutReceipt(Receipt("alpha", 1, ReceiptChannel::kSse, ReceiptKind::kDelivered)));
    ASSERT_OK_AND_ASSIGN(AuditEntry e, txn->AppendAudit(Audit("k", {"alpha"})));
    ASSERT_OK(txn->PutCheckpoint(
        record::MakeCheckpoint(record::GenerateKeyPair(), e.seq, e.hash, Ms(1))));
    // No Commit.
  }
  EXPECT_FALSE(store_->GetParty(PartyId("delta"))->has_value());
  EXPECT_EQ(store_->ListParties()->size(), 4u);
  EXPECT_FALSE(store_->FindToken("h")->has_value());
  EXPECT_TRUE(store_->ListContacts(PartyId())->empty());
  EXPECT_TRUE(store_->ListWebhooks(PartyId())->empty());
  EXPECT_TRUE(store_->DueWebhookJobs(TimePoint::InfiniteFuture(), 0)->empty());
  EXPECT_TRUE(store_->ListPlans(PartyId(), std::nullopt)->empty());
  EXPECT_TRUE(store_->ListConflicts({})->empty());
  EXPECT_TRUE(store_->ListMessages(ConflictId("c"))->empty());
  EXPECT_EQ(*store_->LastEventSeq(PartyId("alpha")), 0);
  EXPECT_TRUE(store_->ListReceipts(PartyId("alpha"), 0)->empty());
  EXPECT_FALSE(store_->LastAudit()->has_value());
  EXPECT_TRUE(store_->ListCheckpoints()->empty());

  // No sequence number was consumed.
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  ASSERT_OK_AND_ASSIGN(EventRecord ev, txn->AppendEvent({.recipient = PartyId("alpha"),
                                                         .type = EventType::kConflictOpened}));
  EXPECT_EQ(ev.seq, 1);
  ASSERT_OK_AND_ASSIGN(AuditEntry a, txn->AppendAudit(Audit("k", {"alpha"})));
  EXPECT_EQ(a.seq, 1);
  EXPECT_EQ(a.prev_hash, record::GenesisHash());
  ASSERT_OK(txn->Commit());
  EXPECT_TRUE(record::VerifyChain(*store_->AuditAfter(0, 0), {}).ok());
}

TEST_P(StoreConformanceTest, CommitTwiceAndWritesAfterCommitFail) {
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  ASSERT_OK(txn->PutParty(Party("alpha")));
  ASSERT_OK(txn->Commit());
  EXPECT_CODE(txn->Commit(), kFailedPrecondition);
  EXPECT_CODE(txn->PutParty(Party("bravo")), kFailedPrecondition);
  EXPECT_CODE(txn->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened}),
              kFailedPrecondition);
  EXPECT_CODE(txn->AppendAudit(Audit("k", {})), kFailedPrecondition);
  txn.reset();
  EXPECT_TRUE(store_->GetParty(PartyId("alpha"))->has_value());
  EXPECT_FALSE(store_->GetParty(PartyId("bravo"))->has_value());
  // The store accepts the next transaction (Commit released the writer).
  ASSERT_OK_AND_ASSIGN(auto next, store_->Begin());
  ASSERT_OK(next->PutParty(Party("bravo")));
  ASSERT_OK(next->Commit());
}

TEST_P(StoreConformanceTest, ReadsSeeOnlyCommittedWrites) {
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  ASSERT_OK(txn->PutPlan(Plan("alpha", "p1", 1)));
  ASSERT_OK(txn->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened}));
  ASSERT_OK(txn->AppendAudit(Audit("k", {"alpha"})));
  // Reads outside the transaction, while it is open, see the last committed state.
  EXPECT_FALSE(store_->GetPlan(PartyId("alpha"), PlanId("p1"))->has_value());
  EXPECT_EQ(*store_->LastEventSeq(PartyId("alpha")), 0);
  EXPECT_FALSE(store_->LastAudit()->has_value());
  ASSERT_OK(txn->Commit());
  EXPECT_TRUE(store_->GetPlan(PartyId("alpha"), PlanId("p1"))->has_value());
  EXPECT_EQ(*store_->LastEventSeq(PartyId("alpha")), 1);
  EXPECT_TRUE(store_->LastAudit()->has_value());
}

TEST_P(StoreConformanceTest, BeginWaitsForTheOpenTransaction) {
  ASSERT_OK_AND_ASSIGN(auto first, store_->Begin());
  ASSERT_OK(first->AppendAudit(Audit("first", {})));
  std::atomic<bool> begun{false};
  Status second_status;
  std::thread other([&] {
    Result<std::unique_ptr<WriteTxn>> second = store_->Begin();
    begun = true;
    if (!second.ok()) {
      second_status = second.status();
      return;
    }
    Result<AuditEntry> e = (*second)->AppendAudit(Audit("second", {}));
    second_status = e.ok() ? (*second)->Commit() : e.status();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(begun.load());
  ASSERT_OK(first->Commit());
  first.reset();
  other.join();
  EXPECT_TRUE(begun.load());
  EXPECT_OK(second_status);
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> all, store_->AuditAfter(0, 0));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].kind, "first");
  EXPECT_EQ(all[1].kind, "second");
  EXPECT_TRUE(record::VerifyChain(all, {}).ok());
}

TEST_P(StoreConformanceTest, TwoHandlesOnTheSameDataKeepOneChain) {
  std::unique_ptr<Store> other = OpenAnother();
  ASSERT_NE(other, nullptr);
  for (int round = 0; round < 10; ++round) {
    Store* s = round % 2 == 0 ? store_.get() : other.get();
    ASSERT_OK_AND_ASSIGN(auto txn, s->Begin());
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(txn->AppendAudit(Audit("round." + std::to_string(round), {"alpha"})));
      ASSERT_OK(
          txn->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened}));
    }
    ASSERT_OK(txn->Commit());
  }
  for (Store* s : {store_.get(), other.get()}) {
    ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> all, s->AuditAfter(0, 0));
    EXPECT_EQ(all.size(), 30u);
    record::ChainReport r = record::VerifyChain(all, {});
    EXPECT_TRUE(r.ok()) << r.problems[0];
    EXPECT_EQ(Seqs(*s->EventsAfter(PartyId("alpha"), 27, 0)), Seq({28, 29, 30}));
  }
}

TEST_P(StoreConformanceTest, ProbesCountedPerVictimAndProber) {
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    for (int64_t at : {10, 20, 30}) {
      ASSERT_OK(
          txn->PutProbe({.victim = PartyId("alpha"), .prober = PartyId("bravo"), .at = Ms(at)}));
    }
    ASSERT_OK(
        txn->PutProbe({.victim = PartyId("alpha"), .prober = PartyId("charlie"), .at = Ms(5)}));
    ASSERT_OK(
        txn->PutProbe({.victim = PartyId("bravo"), .prober = PartyId("alpha"), .at = Ms(40)}));
    ASSERT_OK(txn->Commit());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ProbeCount> alpha,
                       store_->ProbeCounts(PartyId("alpha"), Ms(20)));
  ASSERT_EQ(alpha.size(), 2u);
  EXPECT_EQ(alpha[0].prober, PartyId("bravo"));
  EXPECT_EQ(alpha[0].total, 3);
  EXPECT_EQ(alpha[0].recent, 2);  // at or after 20
  EXPECT_EQ(alpha[1].prober, PartyId("charlie"));
  EXPECT_EQ(alpha[1].total, 1);
  EXPECT_EQ(alpha[1].recent, 0);
  EXPECT_TRUE(store_->ProbeCounts(PartyId("charlie"), Ms(0))->empty());
  ASSERT_OK_AND_ASSIGN(std::vector<ProbeCount> all, store_->ProbeCounts(PartyId(), Ms(0)));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].victim, PartyId("bravo"));
  Reopen();
  EXPECT_EQ(store_->ProbeCounts(PartyId("alpha"), Ms(0))->size(), 2u);
}

TEST_P(StoreConformanceTest, ReopenKeepsEverything) {
  AddParties(store_.get());
  record::KeyPair key = record::GenerateKeyPair();
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->PutToken({.id = "t", .party = PartyId("alpha"), .hash = "h", .created = Ms(1)}));
    ASSERT_OK(txn->PutContact({.party = PartyId("alpha"), .name = "x"}));
    ASSERT_OK_AND_ASSIGN(int64_t w,
                         txn->PutWebhook({.party = PartyId("alpha"), .url = "http://x"}));
    ASSERT_OK(txn->PutWebhookJob({.webhook_id = w,
                                  .recipient = PartyId("alpha"),
                                  .event_seq = 1,
                                  .state = DeliveryState::kPending}));
    PlanRecord p = Plan("alpha", "p", 1);
    p.feature_json = kOddJson;
    ASSERT_OK(txn->PutPlan(p));
    ASSERT_OK(txn->PutConflict(Conflict("c", "alpha", "p", "bravo", "q", 0)));
    ASSERT_OK(txn->AppendMessage(
        {.conflict_id = ConflictId("c"), .party = PartyId("alpha"), .kind = MessageKind::kText}));
    ASSERT_OK(
        txn->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened}));
    ASSERT_OK(txn->PutReceipt(Receipt("alpha", 1, ReceiptChannel::kSse, ReceiptKind::kDelivered)));
    ASSERT_OK_AND_ASSIGN(AuditEntry e, txn->AppendAudit(Audit("k", {"alpha", "bravo"})));
    ASSERT_OK(txn->PutCheckpoint(record::MakeCheckpoint(key, e.seq, e.hash, Ms(1))));
    ASSERT_OK(txn->Commit());
  }
  Reopen();
  EXPECT_EQ(store_->ListParties()->size(), 4u);
  EXPECT_TRUE(store_->FindToken("h")->has_value());
  EXPECT_EQ(store_->ListContacts(PartyId("alpha"))->size(), 1u);
  EXPECT_EQ(store_->ListWebhooks(PartyId("alpha"))->size(), 1u);
  EXPECT_EQ(store_->DueWebhookJobs(TimePoint::InfiniteFuture(), 0)->size(), 1u);
  EXPECT_EQ(store_->GetPlan(PartyId("alpha"), PlanId("p"))->value().feature_json, kOddJson);
  EXPECT_TRUE(store_->GetConflict(ConflictId("c"))->has_value());
  EXPECT_EQ(store_->ListMessages(ConflictId("c"))->size(), 1u);
  EXPECT_EQ(*store_->LastEventSeq(PartyId("alpha")), 1);
  EXPECT_EQ(store_->ListReceipts(PartyId("alpha"), 1)->size(), 1u);
  EXPECT_EQ(store_->AuditAfter(0, 0, PartyId("bravo"))->size(), 1u);
  EXPECT_TRUE(
      record::VerifyChain(*store_->AuditAfter(0, 0), *store_->ListCheckpoints(), key.public_key_hex)
          .ok());
  // Numbering continues after the reopen.
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  EXPECT_EQ(
      txn->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened})->seq,
      2);
  EXPECT_EQ(txn->AppendMessage({.conflict_id = ConflictId("c"),
                                .party = PartyId("bravo"),
                                .kind = MessageKind::kText})
                ->seq,
            2);
  EXPECT_EQ(txn->AppendAudit(Audit("k", {}))->seq, 2);
  ASSERT_OK(txn->Commit());
}

// ----- Archiving (store.h: what TakeArchive moves).

// Keeps what TakeArchive streams; fails with IoError at the `fail_at`-th row when set.
class RecordingSink final : public ArchiveSink {
 public:
  Status Entry(const AuditEntry& e) override { return Keep(&entries, e); }
  Status CheckpointRow(const Checkpoint& c) override { return Keep(&checkpoints, c); }
  Status Plan(const PlanRecord& p) override { return Keep(&plans, p); }
  Status Conflict(const ConflictRecord& c) override { return Keep(&conflicts, c); }
  Status Message(const MessageRecord& m) override { return Keep(&messages, m); }
  Status Event(const EventRecord& e) override { return Keep(&events, e); }
  Status Receipt(const ReceiptRecord& r) override { return Keep(&receipts, r); }
  Status Job(const WebhookJob& j) override { return Keep(&jobs, j); }
  Status Page(const ContactPage& p) override { return Keep(&pages, p); }

  int fail_at = 0;
  std::vector<AuditEntry> entries;
  std::vector<Checkpoint> checkpoints;
  std::vector<PlanRecord> plans;
  std::vector<ConflictRecord> conflicts;
  std::vector<MessageRecord> messages;
  std::vector<EventRecord> events;
  std::vector<ReceiptRecord> receipts;
  std::vector<WebhookJob> jobs;
  std::vector<ContactPage> pages;

 private:
  template <typename T>
  Status Keep(std::vector<T>* v, const T& row) {
    if (++rows_ == fail_at) return Status::IoError("disk full");
    v->push_back(row);
    return Status::Ok();
  }
  int rows_ = 0;
};

constexpr int64_t kCutMs = 10000;  // the archives' `before` in the tests below

PlanRecord PlanAt(const std::string& party, const std::string& id, int64_t version,
                  PlanStatus status, int64_t created_ms) {
  PlanRecord p = Plan(party, id, version, status);
  p.created = Ms(created_ms);
  return p;
}

// Live and closed history on both sides of kCutMs; audit entries 1..10 with checkpoints at 4
// (before the cut) and 8 (after it).
void AddHistory(Store* s, const record::KeyPair& key) {
  ASSERT_OK_AND_ASSIGN(auto txn, s->Begin());
  const auto plan = [&](const char* party, const char* id, int64_t v, PlanStatus st, int64_t ms) {
    ASSERT_OK(txn->PutPlan(PlanAt(party, id, v, st, ms)));
  };
  plan("alpha", "a", 1, PlanStatus::kActive, 100);  // superseded: moved
  plan("alpha", "a", 2, PlanStatus::kActive, 200);  // superseded: moved
  plan("alpha", "a", 3, PlanStatus::kActive, 300);  // current: stays
  plan("alpha", "c", 1, PlanStatus::kActive, 100);  // cancelled before the cut: all moved
  plan("alpha", "c", 2, PlanStatus::kCancelled, 200);
  plan("bravo", "p", 1, PlanStatus::kActive, 100);          // in force under a pending head: stays
  plan("bravo", "p", 2, PlanStatus::kPending, 200);         // superseded pending: moved
  plan("bravo", "p", 3, PlanStatus::kPending, 300);         // current: stays
  plan("bravo", "late", 1, PlanStatus::kActive, 100);       // superseded: moved
  plan("bravo", "late", 2, PlanStatus::kCancelled, 20000);  // closed after the cut: stays
  plan("charlie", "r", 1, PlanStatus::kRejected, 100);      // rejected before the cut: moved
  ConflictRecord resolved =
      Conflict("c-res", "alpha", "a", "bravo", "p", 0, ConflictStatus::kResolved);
  ConflictRecord late = Conflict("c-late", "alpha", "a", "bravo", "p", 0, ConflictStatus::kExpired);
  late.updated = Ms(20000);
  for (const ConflictRecord& c :
       {resolved, late, Conflict("c-open", "alpha", "a", "bravo", "p", 0),
        Conflict("c-ack", "alpha", "a", "bravo", "p", 0, ConflictStatus::kAcknowledged)}) {
    ASSERT_OK(txn->PutConflict(c));
    ASSERT_OK(txn->AppendMessage({.conflict_id = c.id, .party = PartyId("alpha"), .at = Ms(50)}));
  }
  for (int64_t at : {100, 200, 300, 20000}) {
    ASSERT_OK(txn->AppendEvent({.recipient = PartyId("alpha"), .at = Ms(at)}));
  }
  for (int64_t at : {100, 200})
    ASSERT_OK(txn->AppendEvent({.recipient = PartyId("bravo"), .at = Ms(at)}));
  ASSERT_OK_AND_ASSIGN(int64_t hook,
                       txn->PutWebhook({.party = PartyId("alpha"), .url = "http://x"}));
  const auto job = [&](int64_t seq, DeliveryState st) {
    ASSERT_OK(txn->PutWebhookJob(
        {.webhook_id = hook, .recipient = PartyId("alpha"), .event_seq = seq, .state = st}));
  };
  job(1, DeliveryState::kPending);    // event 1 stays for it
  job(2, DeliveryState::kDelivered);  // moved with event 2
  for (int64_t seq : {2, 4}) {
    ASSERT_OK(
        txn->PutReceipt(Receipt("alpha", seq, ReceiptChannel::kSse, ReceiptKind::kDelivered)));
  }
  for (auto [state, created] :
       {std::pair{DeliveryState::kDelivered, 100}, std::pair{DeliveryState::kPending, 100},
        std::pair{DeliveryState::kFailed, 20000}}) {
    ASSERT_OK(txn->PutContactPage({.party = PartyId("alpha"),
                                   .url = "https://pager",
                                   .conflict = ConflictId("c-res"),
                                   .state = state,
                                   .created = Ms(created)}));
  }
  for (int i = 1; i <= 10; ++i) {
    ASSERT_OK_AND_ASSIGN(AuditEntry e, txn->AppendAudit(Audit("k", {"alpha"}, "{}", 100 * i)));
    if (i == 4 || i == 8) {
      ASSERT_OK(
          txn->PutCheckpoint(record::MakeCheckpoint(key, e.seq, e.hash, Ms(i == 4 ? 500 : 20000))));
    }
  }
  ASSERT_OK(txn->Commit());
}

std::vector<std::string> PlanKeys(const std::vector<PlanRecord>& plans) {
  return Keys(plans, [](const PlanRecord& p) {
    return p.party.value() + "/" + p.id.value() + "/" + std::to_string(p.version);
  });
}

TEST_P(StoreConformanceTest, ArchiveMovesClosedHistoryOnly) {
  AddParties(store_.get());
  record::KeyPair key = record::GenerateKeyPair();
  AddHistory(store_.get(), key);
  RecordingSink sink;
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(ArchiveCounts n, txn->TakeArchive(Ms(kCutMs), sink));
    EXPECT_EQ(n.first_seq, 1);
    EXPECT_EQ(n.last_seq, 4);
    EXPECT_EQ(n.entries, 4);
    EXPECT_EQ(n.plans, 7);
    EXPECT_EQ(n.events, 3);
    ASSERT_OK(txn->Commit());
  }
  EXPECT_EQ(Seqs(sink.entries), (Seq{1, 2, 3, 4}));
  ASSERT_EQ(sink.checkpoints.size(), 1u);
  EXPECT_EQ(sink.checkpoints[0].seq, 4);
  EXPECT_EQ(PlanKeys(sink.plans), (Names{"alpha/a/1", "alpha/a/2", "alpha/c/1", "alpha/c/2",
                                         "bravo/late/1", "bravo/p/2", "charlie/r/1"}));
  EXPECT_EQ(Keys(sink.conflicts, [](const ConflictRecord& c) { return c.id; }), (Names{"c-res"}));
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].conflict_id, ConflictId("c-res"));
  EXPECT_EQ(Keys(sink.events,
                 [](const EventRecord& e) { return e.recipient.value() + std::to_string(e.seq); }),
            (Names{"alpha2", "alpha3", "bravo1"}));
  ASSERT_EQ(sink.receipts.size(), 1u);
  EXPECT_EQ(sink.receipts[0].event_seq, 2);
  ASSERT_EQ(sink.jobs.size(), 1u);
  EXPECT_EQ(sink.jobs[0].state, DeliveryState::kDelivered);
  ASSERT_EQ(sink.pages.size(), 1u);
  EXPECT_EQ(sink.pages[0].state, DeliveryState::kDelivered);

  // What stays: every live thing, the anchor entry 4 and its checkpoint.
  EXPECT_EQ(PlanKeys(*store_->ListPlans(PartyId(), std::nullopt)),
            (Names{"alpha/a/3", "bravo/late/2", "bravo/p/3"}));
  EXPECT_EQ(PlanKeys(*store_->PlanHistory(PartyId("bravo"), PlanId("p"))),
            (Names{"bravo/p/1", "bravo/p/3"}));
  EXPECT_FALSE(store_->GetPlan(PartyId("alpha"), PlanId("c"))->has_value());
  EXPECT_EQ(store_->ListConflicts({})->size(), 3u);
  EXPECT_FALSE(store_->GetConflict(ConflictId("c-res"))->has_value());
  EXPECT_EQ(store_->ListMessages(ConflictId("c-late"))->size(), 1u);
  EXPECT_EQ(Seqs(*store_->EventsAfter(PartyId("alpha"), 0, 0)), (Seq{1, 4}));
  EXPECT_EQ(Seqs(*store_->EventsAfter(PartyId("bravo"), 0, 0)), (Seq{2}));
  EXPECT_EQ(store_->ListReceipts(PartyId("alpha"), 0)->size(), 1u);
  EXPECT_EQ(store_->DueWebhookJobs(TimePoint::InfiniteFuture(), 0)->size(), 1u);
  EXPECT_EQ(store_->ListContactPages(PartyId())->size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> live, store_->AuditAfter(0, 0));
  EXPECT_EQ(live.front().seq, 4);
  EXPECT_EQ(store_->AuditAfter(0, 0, PartyId("alpha"))->front().seq, 4);
  ASSERT_OK_AND_ASSIGN(std::vector<Checkpoint> cps, store_->ListCheckpoints());
  record::ChainReport r = record::VerifyChain(live, cps, key.public_key_hex);
  EXPECT_TRUE(r.ok()) << r.problems[0];
  EXPECT_EQ(r.anchor_seq, 4);
  // The archived part verifies on its own, from genesis.
  EXPECT_TRUE(record::VerifyChain(sink.entries, sink.checkpoints, key.public_key_hex).ok());

  // Numbering goes on where it was.
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  EXPECT_EQ(txn->AppendEvent({.recipient = PartyId("bravo")})->seq, 3);
  EXPECT_EQ(txn->AppendAudit(Audit("k", {}))->seq, 11);
  ASSERT_OK(txn->Commit());
}

TEST_P(StoreConformanceTest, ArchiveTwiceStartsAtTheCutAndMarkersRoundTrip) {
  AddParties(store_.get());
  record::KeyPair key = record::GenerateKeyPair();
  AddHistory(store_.get(), key);
  {
    RecordingSink sink;
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->TakeArchive(Ms(kCutMs), sink));
    ASSERT_OK_AND_ASSIGN(int64_t id, txn->PutArchiveMarker({.audit_seq = 4,
                                                            .audit_hash = sink.entries.back().hash,
                                                            .before = Ms(kCutMs),
                                                            .at = Ms(kCutMs + 1),
                                                            .archive_sha256 = "ab"}));
    EXPECT_EQ(id, 1);
    ASSERT_OK(txn->Commit());
  }
  {  // Nothing more before the same date.
    RecordingSink sink;
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK_AND_ASSIGN(ArchiveCounts n, txn->TakeArchive(Ms(kCutMs), sink));
    EXPECT_EQ(n.entries + n.plans + n.conflicts + n.events + n.pages, 0);
  }
  RecordingSink sink;
  ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
  ASSERT_OK_AND_ASSIGN(ArchiveCounts n, txn->TakeArchive(Ms(30000), sink));
  // The second archive starts at the first one's cut (entry 4 and its checkpoint, again).
  EXPECT_EQ(n.first_seq, 4);
  EXPECT_EQ(n.last_seq, 8);
  EXPECT_EQ(Seqs(sink.entries), (Seq{4, 5, 6, 7, 8}));
  EXPECT_EQ(sink.checkpoints.size(), 2u);
  record::ChainReport r = record::VerifyChain(sink.entries, sink.checkpoints, key.public_key_hex);
  EXPECT_TRUE(r.ok()) << r.problems[0];
  EXPECT_EQ(r.anchor_seq, 4);
  EXPECT_EQ(PlanKeys(sink.plans), (Names{"bravo/late/2"}));
  EXPECT_EQ(Keys(sink.conflicts, [](const ConflictRecord& c) { return c.id; }), (Names{"c-late"}));
  ASSERT_OK(txn->PutArchiveMarker({.audit_seq = 8, .before = Ms(30000), .archive_sha256 = "cd"}));
  ASSERT_OK(txn->Commit());
  ASSERT_OK_AND_ASSIGN(std::vector<ArchiveMarker> markers, store_->ListArchiveMarkers());
  ASSERT_EQ(markers.size(), 2u);
  EXPECT_EQ(markers[0].audit_seq, 4);
  EXPECT_EQ(markers[0].audit_hash, sink.entries.front().hash);
  EXPECT_EQ(markers[0].before, Ms(kCutMs));
  EXPECT_EQ(markers[0].at, Ms(kCutMs + 1));
  EXPECT_EQ(markers[0].archive_sha256, "ab");
  EXPECT_EQ(markers[1].id, 2);
  EXPECT_EQ(store_->AuditAfter(0, 0)->front().seq, 8);
  // Live conflicts and current plans are still there.
  EXPECT_EQ(store_->ListConflicts({})->size(), 2u);
  EXPECT_EQ(store_->ListPlans(PartyId(), std::nullopt)->size(), 2u);
}

TEST_P(StoreConformanceTest, ArchiveIsUndoneWithItsTransaction) {
  AddParties(store_.get());
  record::KeyPair key = record::GenerateKeyPair();
  AddHistory(store_.get(), key);
  {  // Not committed.
    RecordingSink sink;
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    ASSERT_OK(txn->TakeArchive(Ms(kCutMs), sink));
  }
  {  // The sink fails: its status comes back and the transaction is aborted.
    RecordingSink sink;
    sink.fail_at = 6;
    ASSERT_OK_AND_ASSIGN(auto txn, store_->Begin());
    EXPECT_CODE(txn->TakeArchive(Ms(kCutMs), sink), kIoError);
    EXPECT_FALSE(txn->Commit().ok());
  }
  EXPECT_EQ(store_->AuditAfter(0, 0)->front().seq, 1);
  EXPECT_EQ(store_->PlanHistory(PartyId("alpha"), PlanId("a"))->size(), 3u);
  EXPECT_TRUE(store_->GetConflict(ConflictId("c-res"))->has_value());
  EXPECT_EQ(store_->ListCheckpoints()->size(), 2u);
  EXPECT_TRUE(store_->ListArchiveMarkers()->empty());
}

}  // namespace
}  // namespace deconflict::store
