// The demo of `deconflictd --demo`: demo parties with tokens, and the seed scenario
// (scenarios/qahtaniyah-2022-10-08.geojson) moved to start shortly after now and submitted
// through the channel like any other plans, except the Russian crossing patrol, which is left for
// the person trying the demo to submit (the README's curl lines).
//
//   Result<DemoInfo> info = SetUpDemo(channel.get(), store, data_dir, scenario_path);
//
// Thread-safety: call once at start-up, before serving.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <string>

#include "base/status.h"
#include "channel/channel.h"

namespace deconflict::server {

// Moves every time of a plan Feature (properties.times[], start, end) by `seconds`.
// Returns InvalidArgument naming the field if a time does not parse.
Status ShiftFeatureTimes(boost::json::value* feature, double seconds);

struct DemoInfo {
  std::map<std::string, std::string> tokens;  // party -> token (only parties created now)
  std::string tokens_file;                    // DATA/demo-tokens.env
  std::string held_back_file;                 // the RU crossing patrol, ready to POST
  int plans_loaded = 0;
  double shift_s = 0;
};

// Creates parties US, RU, COORD (role party) and JCC (coordinator) with tokens if missing
// (tokens written to DATA/demo-tokens.env, mode 0600), then, if the store has no plans, loads the
// scenario shifted so that its first time is 30 minutes from now.
Result<DemoInfo> SetUpDemo(channel::Channel* channel, const std::string& data_dir,
                           const std::string& scenario_path);

// Token for a new party: "dcf_" + 48 hex characters; and its stored record.
std::string NewToken();

}  // namespace deconflict::server
