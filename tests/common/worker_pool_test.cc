// WorkerPool: every accepted task runs (on the pool's threads, including those still
// queued when the pool is destroyed), and beyond its bound TrySubmit refuses.
#include "services/common/worker_pool.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace timebank {
namespace {

TEST(WorkerPoolTest, RunsEveryAcceptedTaskOffTheCallersThreadAndDrainsOnDestruction) {
  std::atomic<int> ran{0};
  std::atomic<int> on_caller{0};
  const std::thread::id caller = std::this_thread::get_id();
  {
    WorkerPool pool(3, 1000);
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(pool.TrySubmit([&] {
        if (std::this_thread::get_id() == caller) on_caller.fetch_add(1);
        ran.fetch_add(1);
      }));
    }
  }  // the destructor finishes what was queued
  EXPECT_EQ(ran.load(), 500);
  EXPECT_EQ(on_caller.load(), 0);
}

TEST(WorkerPoolTest, RefusesBeyondItsBoundWhileItsThreadsAreBusyAndAcceptsAgainAfter) {
  WorkerPool pool(1, 2);
  absl::Notification started, release;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
    ran.fetch_add(1);
  }));
  started.WaitForNotification();  // the one thread is busy; the queue is empty
  EXPECT_TRUE(pool.TrySubmit([&] { ran.fetch_add(1); }));
  EXPECT_TRUE(pool.TrySubmit([&] { ran.fetch_add(1); }));
  EXPECT_FALSE(pool.TrySubmit([&] { ran.fetch_add(100); })) << "the queue holds 2";
  release.Notify();
  absl::Notification later;
  while (!pool.TrySubmit([&] { later.Notify(); })) std::this_thread::yield();
  later.WaitForNotification();
  EXPECT_EQ(ran.load(), 3) << "the refused task must never run";
}

}  // namespace
}  // namespace timebank
