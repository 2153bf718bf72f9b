// The hold model on ns-3's own schedulers, for `make bench-peers`: the same
// parameters as bench/bench.c (1M pending, 5M holds, exponential increments
// of mean 1e6), timed the same way, best of three rounds. A scheduler that
// needs more than 20 s for a round is measured over the holds it completed
// (ns-3's calendar queue degenerates with a million pending events).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "ns3/calendar-scheduler.h"
#include "ns3/heap-scheduler.h"
#include "ns3/map-scheduler.h"
#include "ns3/priority-queue-scheduler.h"

using namespace ns3;

template <class S>
static double hold(uint64_t pending, uint64_t holds)
{
	std::mt19937_64 rng(1);
	std::exponential_distribution<double> exp(1e-6);
	std::vector<uint64_t> inc(holds);
	for (auto &x : inc)
		x = 1 + (uint64_t)exp(rng);
	Ptr<S> s = CreateObject<S>();
	uint32_t uid = 0;
	for (uint64_t i = 0; i < pending; i++) {
		Scheduler::Event ev;
		ev.impl = nullptr;
		ev.key.m_ts = (uint64_t)exp(rng);
		ev.key.m_uid = uid++;
		ev.key.m_context = 0;
		s->Insert(ev);
	}
	auto t0 = std::chrono::steady_clock::now();
	uint64_t done = 0;
	for (uint64_t i = 0; i < holds; i++) {
		Scheduler::Event ev = s->RemoveNext();
		ev.key.m_ts += inc[i];
		ev.key.m_uid = uid++;
		s->Insert(ev);
		done++;
		if ((i & 4095) == 4095 &&
		    std::chrono::steady_clock::now() - t0 > std::chrono::seconds(20))
			break;
	}
	std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
	return done / dt.count();
}

template <class S>
static void run(const char *name, int rounds)
{
	double best = 0;
	for (int k = 0; k < rounds; k++) {
		double r = hold<S>(1000000, 5000000);
		if (r > best)
			best = r;
	}
	std::printf("ns3-%s %.0f\n", name, best);
	std::fflush(stdout);
}

int main()
{
	run<HeapScheduler>("heap", 3);
	run<MapScheduler>("map", 3);
	run<PriorityQueueScheduler>("priority-queue", 3);
	run<CalendarScheduler>("calendar", 1);
	return 0;
}
