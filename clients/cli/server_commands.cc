// tbctl's server commands: ping, info (version, uptime, hosted services) and
// backup (a consistent copy of every store and the keyring, on the server).
#include <chrono>
#include <cstdio>
#include <string>

#include "clients/cli/commands.h"

namespace timebank::cli {

namespace spb = ::timebank::system::v1;

int ServerCommand(Client& c, const std::string& cmd, const Args& args) {
  grpc::ClientContext ctx;
  c.Prepare(&ctx, cmd == "backup" ? 600 : 10);
  if (cmd == "ping") {
    spb::PingResponse resp;
    const auto start = std::chrono::steady_clock::now();
    grpc::Status s = c.system()->Ping(&ctx, spb::PingRequest(), &resp);
    if (!s.ok()) DieRpc(s);
    std::printf("pong from %s in %.2f ms\n", ServerAddress().c_str(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
    return 0;
  }
  if (cmd == "info") {
    spb::GetServerInfoResponse resp;
    grpc::Status s = c.system()->GetServerInfo(&ctx, spb::GetServerInfoRequest(), &resp);
    if (!s.ok()) DieRpc(s);
    if (Json()) {
      PrintJson(resp);
    } else {
      std::string services;
      for (const auto& x : resp.services()) services += (services.empty() ? "" : ", ") + x;
      std::printf("timebankd %s at %s, up %llds, services: %s\n", resp.version().c_str(),
                  ServerAddress().c_str(), static_cast<long long>(resp.uptime_s()),
                  services.c_str());
    }
    return 0;
  }
  // backup
  if (args.size() != 1) Die("usage: tbctl backup DIR (an absolute path on the server)");
  spb::CreateBackupRequest req;
  req.set_dir(args[0]);
  spb::CreateBackupResponse resp;
  grpc::Status s = c.system()->CreateBackup(&ctx, req, &resp);
  if (!s.ok()) DieRpc(s);
  for (const auto& p : resp.paths()) std::printf("backed up to %s\n", p.c_str());
  return 0;
}

}  // namespace timebank::cli
