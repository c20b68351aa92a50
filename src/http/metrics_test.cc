#include "http/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace deconflict::http {
namespace {

TEST(Metrics, CounterRendersWithHelpTypeAndSortedLabels) {
  Metrics m;
  m.Counter("requests_total", "Requests.", {{"route", "/a"}, {"code", "200"}}).Add();
  m.Counter("requests_total", "ignored help", {{"code", "200"}, {"route", "/a"}}).Add(2);
  m.Counter("requests_total", "", {{"route", "/b"}, {"code", "404"}}).Add();
  EXPECT_EQ(m.Render(),
            "# HELP requests_total Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\",route=\"/a\"} 3\n"
            "requests_total{code=\"404\",route=\"/b\"} 1\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Metrics m;
  m.Counter("x_total", "a \\ b\nc", {{"v", "q\"uo\\te\nnl"}}).Add(0.5);
  EXPECT_EQ(m.Render(),
            "# HELP x_total a \\\\ b\\nc\n"
            "# TYPE x_total counter\n"
            "x_total{v=\"q\\\"uo\\\\te\\nnl\"} 0.5\n");
}

TEST(Metrics, HistogramIsCumulativeWithSumAndCount) {
  Metrics m;
  HistogramMetric& h =
      m.Histogram("latency_seconds", "Latency.", {{"route", "/r"}}, {0.25, 1, 0.5});
  h.Observe(0.125);
  h.Observe(0.25);  // le is inclusive
  h.Observe(0.75);
  h.Observe(3);
  EXPECT_EQ(m.Render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"/r\",le=\"0.25\"} 2\n"
            "latency_seconds_bucket{route=\"/r\",le=\"0.5\"} 2\n"
            "latency_seconds_bucket{route=\"/r\",le=\"1\"} 3\n"
            "latency_seconds_bucket{route=\"/r\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{route=\"/r\"} 4.125\n"
            "latency_seconds_count{route=\"/r\"} 4\n");
  const HistogramMetric::Snapshot s = h.snapshot();
  EXPECT_EQ(s.counts, (std::vector<uint64_t>{2, 0, 1, 1}));
}

TEST(Metrics, DefaultBucketsAndUnlabelledHistogram) {
  Metrics m;
  m.Histogram("d_seconds", "D.").Observe(0.003);
  const std::string text = m.Render();
  EXPECT_NE(text.find("d_seconds_bucket{le=\"0.0025\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"10\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_count 1\n"), std::string::npos) << text;
  EXPECT_EQ(HistogramMetric::DefaultBounds().size(), 14u);
}

TEST(Metrics, GaugeReadAtRenderAndFamiliesSortedByName) {
  Metrics m;
  double v = 1;
  m.Gauge("b_open", "Open things.", [&v] { return v; });
  m.Counter("a_total", "A.").Add();
  v = 5;
  EXPECT_EQ(m.Render(),
            "# HELP a_total A.\n"
            "# TYPE a_total counter\n"
            "a_total 1\n"
            "# HELP b_open Open things.\n"
            "# TYPE b_open gauge\n"
            "b_open 5\n");
}

TEST(Metrics, RejectsBadNamesAndTypeClashes) {
  Metrics m;
  EXPECT_THROW(m.Counter("9bad", "x"), std::invalid_argument);
  EXPECT_THROW(m.Counter("ok_total", "x", {{"bad-label", "v"}}), std::invalid_argument);
  EXPECT_THROW(m.Counter("ok_total", "x", {{"le", "v"}}), std::invalid_argument);
  m.Counter("c_total", "x");
  EXPECT_THROW(m.Histogram("c_total", "x"), std::invalid_argument);
  EXPECT_THROW(m.Gauge("c_total", "x", [] { return 0.0; }), std::invalid_argument);
}

TEST(Metrics, ReferencesStayValidAndCountersAreThreadSafe) {
  Metrics m;
  CounterMetric& c = m.Counter("n_total", "N.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 1000; ++i) {
        m.Counter("n_total", "N.").Add();
        m.Counter("other_total", "O.", {{"t", std::to_string(t)}}).Add();
        m.Histogram("h_seconds", "H.").Observe(0.01);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 4000);
  EXPECT_EQ(m.Histogram("h_seconds", "H.").snapshot().count, 4000u);
  EXPECT_NE(m.Render().find("n_total 4000\n"), std::string::npos);
}

}  // namespace
}  // namespace deconflict::http
