#include "record/crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "testsupport/status_macros.h"
#include "testsupport/temp_dir.h"

namespace deconflict::record {
namespace {

std::string Hex(std::string_view hex) { return *FromHex(hex); }

TEST(RecordHexTest, RoundTripAndErrors) {
  std::string bytes("\x00\x01\x7f\x80\xff", 5);
  EXPECT_EQ(ToHex(bytes), "00017f80ff");
  EXPECT_EQ(*FromHex("00017f80ff"), bytes);
  EXPECT_EQ(*FromHex("00017F80FF"), bytes);
  EXPECT_EQ(*FromHex(""), "");
  EXPECT_EQ(FromHex("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FromHex("zz").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsLowerHex("00ff", 2));
  EXPECT_FALSE(IsLowerHex("00FF", 2));
  EXPECT_FALSE(IsLowerHex("00ff", 3));
}

TEST(RecordSha256Test, KnownVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(RecordHmacSha256Test, Rfc4231) {
  // Test case 2: a short key.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1.
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(RecordConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(RecordRandomHexTest, LengthAndVariety) {
  std::string a = RandomHex(16), b = RandomHex(16);
  EXPECT_TRUE(IsLowerHex(a, 16));
  EXPECT_NE(a, b);
  EXPECT_EQ(RandomHex(0), "");
}

TEST(RecordEd25519Test, Rfc8032TestVector1) {
  KeyPair k;
  k.public_key_hex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  k.secret_key = Hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") +
                 Hex(k.public_key_hex);
  const std::string sig =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
      "b4"
      "6bd25bf5f0595bbe24655141438e7a100b";
  EXPECT_EQ(Sign(k, ""), sig);
  EXPECT_TRUE(Verify(k.public_key_hex, "", sig));
}

TEST(RecordEd25519Test, SignVerifyRoundTripAndTamper) {
  KeyPair k = GenerateKeyPair();
  EXPECT_TRUE(IsLowerHex(k.public_key_hex, 32));
  ASSERT_EQ(k.secret_key.size(), 64u);
  const std::string msg = "deconflict-checkpoint-v1\n7\nabc\n1700000000000";
  std::string sig = Sign(k, msg);
  EXPECT_TRUE(IsLowerHex(sig, 64));
  EXPECT_TRUE(Verify(k.public_key_hex, msg, sig));

  // A changed message, a changed signature, another key: all rejected.
  std::string other_msg = msg;
  other_msg[5] ^= 1;
  EXPECT_FALSE(Verify(k.public_key_hex, other_msg, sig));
  for (size_t i = 0; i < sig.size(); i += 7) {
    std::string bad = sig;
    bad[i] = bad[i] == '0' ? '1' : '0';
    EXPECT_FALSE(Verify(k.public_key_hex, msg, bad)) << i;
  }
  EXPECT_FALSE(Verify(GenerateKeyPair().public_key_hex, msg, sig));
  // Malformed input is false, never a crash.
  EXPECT_FALSE(Verify("", msg, sig));
  EXPECT_FALSE(Verify(k.public_key_hex, msg, "zz"));
  EXPECT_FALSE(Verify(k.public_key_hex, msg, sig.substr(2)));
  KeyPair broken;
  EXPECT_EQ(Sign(broken, msg), "");
}

class RecordKeyFileTest : public ::testing::Test {
 protected:
  const testing::TempDir tmp_{"deconflict_key"};
  const std::string dir_ = tmp_.path().string();
};

TEST_F(RecordKeyFileTest, CreatesPrivateFileAndReloadsSameKey) {
  const std::string path = dir_ + "/server.key";
  Result<KeyPair> a = LoadOrCreateKeyPair(path);
  ASSERT_OK(a);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // One line of hex.
  std::ifstream in(path);
  std::string line, rest;
  std::getline(in, line);
  EXPECT_EQ(line, ToHex(a->secret_key));
  EXPECT_FALSE(std::getline(in, rest));
  // No temporary file left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            1);

  Result<KeyPair> b = LoadOrCreateKeyPair(path);
  ASSERT_OK(b);
  EXPECT_EQ(b->public_key_hex, a->public_key_hex);
  EXPECT_EQ(b->secret_key, a->secret_key);
  EXPECT_TRUE(Verify(a->public_key_hex, "x", Sign(*b, "x")));
}

TEST_F(RecordKeyFileTest, RejectsFilesThatAreNotKeys) {
  const std::string path = dir_ + "/bad.key";
  std::ofstream(path) << "not a key\n";
  EXPECT_EQ(LoadOrCreateKeyPair(path).status().code(), StatusCode::kInvalidArgument);

  // Right length, but the public half does not belong to the seed.
  KeyPair k = GenerateKeyPair();
  std::string sk = k.secret_key;
  sk[40] ^= 1;
  std::ofstream(path, std::ios::trunc) << ToHex(sk) << "\n";
  EXPECT_EQ(LoadOrCreateKeyPair(path).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RecordKeyFileTest, IoErrorWhenDirectoryMissing) {
  EXPECT_EQ(LoadOrCreateKeyPair(dir_ + "/no/such/dir/server.key").status().code(),
            StatusCode::kIoError);
}

}  // namespace
}  // namespace deconflict::record
