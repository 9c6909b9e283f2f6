// Metrics: the registry (prometheus-cpp underneath) renders each type with the series
// names, labels and values it was given, and a running node serves every series
// docs/OPERATIONS.md names on GET /metrics.
#include "services/common/metrics.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "httplib.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/timebankd/node.h"
#include "tests/common/test_util.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/system/v1/system.grpc.pb.h"

namespace timebank {
namespace {

namespace lpb = ::timebank::ledger::v1;
namespace spb = ::timebank::system::v1;

bool HasLine(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(MetricsRegistryTest, RendersEachTypeWithItsNamesLabelsAndValues) {
  MetricsRegistry r;
  Counter* calls = r.GetCounter("t_calls_total", "Calls", {{"method", "/a.B/C"}, {"code", "0"}});
  calls->Add(3);
  r.GetGauge("t_depth", "Depth")->Set(-5);
  Histogram* h = r.GetHistogram("t_seconds", "Seconds", {}, {0.001, 0.0025, 1});
  h->Observe(0.002);
  h->Observe(7);
  r.AddGaugeCallback("t_head", "Head", [] { return 42.0; });
  const std::string text = r.Render();
  for (const char* line : {
           "# HELP t_calls_total Calls",
           "# TYPE t_calls_total counter",
           "t_calls_total{code=\"0\",method=\"/a.B/C\"} 3",
           "# TYPE t_depth gauge",
           "t_depth -5",
           "# TYPE t_seconds histogram",
           "t_seconds_bucket{le=\"0.001\"} 0",
           "t_seconds_bucket{le=\"0.0025\"} 1",
           "t_seconds_bucket{le=\"1\"} 1",
           "t_seconds_bucket{le=\"+Inf\"} 2",
           "t_seconds_count 2",
           "t_seconds_sum 7.002",
           "# TYPE t_head gauge",
           "t_head 42",
       }) {
    EXPECT_TRUE(HasLine(text, line)) << "missing line: " << line << "\nin:\n" << text;
  }
  EXPECT_EQ(calls->value(), 3u);
  EXPECT_EQ(h->count(), 2u);
}

TEST(MetricsRegistryTest, TheSameNameAndLabelsGiveTheSameSeriesInEitherLabelSyntax) {
  MetricsRegistry r;
  Counter* a = r.GetCounter("t_total", "T", MetricLabels{{"method", "/x.Y/Z"}, {"code", "5"}});
  Counter* b = r.GetCounter("t_total", "T", std::string("method=\"/x.Y/Z\",code=\"5\""));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, r.GetCounter("t_total", "T", MetricLabels{{"method", "/x.Y/Z"}, {"code", "6"}}));
  EXPECT_EQ(r.GetCounter("t_plain_total", "P"), r.GetCounter("t_plain_total", "P", ""));
  EXPECT_EQ(r.GetHistogram("t_h", "H", "", SizeBounds()),
            r.GetHistogram("t_h", "H", MetricLabels{}, SizeBounds()));
  a->Add();
  b->Add(2);
  EXPECT_TRUE(HasLine(r.Render(), "t_total{code=\"5\",method=\"/x.Y/Z\"} 3"));
}

TEST(MetricsRegistryDeathTest, ANameKeepsItsType) {
  MetricsRegistry r;
  r.GetCounter("t_x", "X");
  EXPECT_DEATH(r.GetGauge("t_x", "X"), "");
}

// Every series docs/OPERATIONS.md names, with its type, scraped over HTTP from a node.
TEST(NodeMetricsTest, ScrapeServesEveryDocumentedSeriesWithItsType) {
  testing::TempDir dir;
  NodeOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = dir.Sub("data");
  o.metrics_listen = "127.0.0.1:0";
  auto node = Node::Start(o);
  ASSERT_TRUE(node.ok()) << node.status();
  auto channel = auth::MakeTokenChannel((*node)->address(), (*node)->ServiceToken("test"));
  {
    grpc::ClientContext ctx;
    spb::PingResponse pong;
    ASSERT_TRUE(spb::SystemService::NewStub(channel)->Ping(&ctx, {}, &pong).ok());
  }
  {
    lpb::CreateAccountsRequest req;
    auto* a = req.add_accounts();
    a->set_id("c1.metrics");
    a->set_community_id(1);
    a->set_unit("TIME");
    a->set_owner_kind(lpb::OWNER_KIND_MEMBER);
    grpc::ClientContext ctx;
    lpb::CreateAccountsResponse resp;
    ASSERT_TRUE(lpb::LedgerService::NewStub(channel)->CreateAccounts(&ctx, req, &resp).ok());
  }
  httplib::Client http("127.0.0.1", (*node)->metrics_port());
  // The commit observer runs just after the call is answered: scrape until it has.
  std::string text;
  for (int attempt = 0; attempt < 100; ++attempt) {
    httplib::Result res = http.Get("/metrics");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    ASSERT_EQ(res->status, 200);
    EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
    text = res->body;
    if (HasLine(text, "timebank_ledger_entries_committed_total 1")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string ping = "method=\"/timebank.system.v1.SystemService/Ping\"";
  for (const std::string& line : {
           std::string("# TYPE timebank_rpc_requests_total counter"),
           "timebank_rpc_requests_total{code=\"0\"," + ping + "} 1",
           std::string("# TYPE timebank_rpc_latency_seconds histogram"),
           "timebank_rpc_latency_seconds_count{" + ping + "} 1",
           std::string("# TYPE timebank_ledger_commit_entries histogram"),
           std::string("# TYPE timebank_ledger_commit_requests histogram"),
           std::string("# TYPE timebank_ledger_commit_write_seconds histogram"),
           std::string("# TYPE timebank_ledger_entries_committed_total counter"),
           std::string("timebank_ledger_entries_committed_total 1"),
           std::string("# TYPE timebank_ledger_journal_head_seq gauge"),
           std::string("timebank_ledger_journal_head_seq 1"),
           std::string("# TYPE timebank_ledger_index_lag_entries gauge"),
       }) {
    EXPECT_TRUE(HasLine(text, line)) << "missing line: " << line << "\nin:\n" << text;
  }
  httplib::Result health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "ok\n");
  (*node)->Shutdown();
}

}  // namespace
}  // namespace timebank
