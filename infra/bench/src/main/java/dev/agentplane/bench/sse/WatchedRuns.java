package dev.agentplane.bench.sse;

import dev.agentplane.bench.FixedRate;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * One phase of the SSE scenario: runs started at one target (the execution service or the gateway),
 * spread over a short ramp, each watched from its 202 on by the same number of event streams from
 * that target; then what those streams received, against what was committed.
 */
final class WatchedRuns {

  private final URI target;
  private final String token;
  private final int streamsPerRun;
  private final Set<UUID> runs = ConcurrentHashMap.newKeySet();
  private final Queue<EventStream> streams = new ConcurrentLinkedQueue<>();
  private final LongAdder refused = new LongAdder();
  private final AtomicReference<String> firstRefusal = new AtomicReference<>();
  private int stillOpen;

  private WatchedRuns(URI target, String token, int streamsPerRun) {
    this.target = target;
    this.token = token;
    this.streamsPerRun = streamsPerRun;
  }

  /**
   * Starts {@code runs} runs of {@code runRequest} at {@code target}, evenly over {@code ramp}, and
   * opens {@code streamsPerRun} streams of each as soon as it is accepted; returns once every run
   * was asked for.
   */
  static WatchedRuns start(
      URI target, String token, String runRequest, int runs, int streamsPerRun, Duration ramp)
      throws InterruptedException {
    WatchedRuns phase = new WatchedRuns(target, token, streamsPerRun);
    ServiceApi api = new ServiceApi(target);
    double perSecond = runs / (ramp.toNanos() / 1e9);
    List<Thread> requests =
        FixedRate.run(
            perSecond,
            ramp,
            (index, dueNanos, dueEpochMicros) -> {
              Reply reply = api.post("/v1/runs", token, runRequest);
              if (reply.status() != 202) {
                phase.refused.increment();
                phase.firstRefusal.compareAndSet(null, reply.status() + " " + reply.raw());
                return;
              }
              phase.watch(UUID.fromString(reply.body().path("id").asText()));
            });
    FixedRate.join(requests, ramp.plusSeconds(60));
    return phase;
  }

  private void watch(UUID run) {
    runs.add(run);
    for (int i = 0; i < streamsPerRun; i++) {
      streams.add(EventStream.open(target, run, token));
    }
  }

  /** Waits until every stream has ended, at most {@code within}. */
  void awaitEnded(Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    int open = 0;
    for (EventStream stream : streams) {
      if (!stream.await(deadline)) {
        open++;
      }
    }
    stillOpen = open;
  }

  /** Streams that had not ended when {@link #awaitEnded} gave up. */
  int stillOpen() {
    return stillOpen;
  }

  Set<UUID> runs() {
    return runs;
  }

  int streams() {
    return streams.size();
  }

  long refused() {
    return refused.sum();
  }

  String firstRefusal() {
    return firstRefusal.get();
  }

  /**
   * What the streams received of what was committed.
   *
   * @param streams streams opened
   * @param reachedTerminal streams that got a terminal event and ended after it
   * @param succeeded streams whose terminal event was {@code run.succeeded}
   * @param committed events committed for the streams' runs, counted once per stream
   * @param delivered events the streams received
   * @param dropped events committed for a stream's run that it did not receive
   * @param outOfOrder events whose number did not follow the previous one's on their stream
   * @param live events committed after their stream's response began, whose latency counts
   * @param latencyMicros commit → received of the live events
   * @param beforeCommit live events received before their recorded commit time (clock skew: counted
   *     as 0 in the histogram)
   * @param eventsPerSecond events received per second while every stream was open
   * @param firstFailure why the first broken stream broke, or null
   */
  record Delivery(
      int streams,
      int reachedTerminal,
      int succeeded,
      long committed,
      long delivered,
      long dropped,
      long outOfOrder,
      long live,
      Histogram latencyMicros,
      long beforeCommit,
      double eventsPerSecond,
      String firstFailure) {}

  Delivery delivery(EventCommits commits) {
    Histogram latency = new Histogram(3);
    int reachedTerminal = 0;
    int succeeded = 0;
    long committed = 0;
    long delivered = 0;
    long dropped = 0;
    long outOfOrder = 0;
    long beforeCommit = 0;
    String firstFailure = null;
    long allOpenMicros = Long.MIN_VALUE;
    long firstLastMicros = Long.MAX_VALUE;
    long earliestOpenMicros = Long.MAX_VALUE;
    long latestMicros = Long.MIN_VALUE;
    List<long[]> received = new ArrayList<>();
    for (EventStream stream : streams) {
      if (stream.reachedTerminal()) {
        reachedTerminal++;
      }
      if ("run.succeeded".equals(stream.terminal())) {
        succeeded++;
      }
      if (firstFailure == null && stream.failure() != null) {
        firstFailure = stream.failure();
      }
      outOfOrder += stream.outOfOrder();
      delivered += stream.received();
      long[] commitMicros = commits.of(stream.runId());
      long[] arrivals = new long[commitMicros.length];
      long lastMicros = Long.MIN_VALUE;
      for (int seq = 1; seq < commitMicros.length; seq++) {
        long committedAt = commitMicros[seq];
        if (committedAt == 0) {
          continue;
        }
        committed++;
        long receivedAt = stream.receivedMicros(seq);
        if (receivedAt == 0) {
          dropped++;
          continue;
        }
        arrivals[seq] = receivedAt;
        lastMicros = Math.max(lastMicros, receivedAt);
        if (committedAt != EventCommits.UNKNOWN && committedAt >= stream.openedMicros()) {
          if (receivedAt < committedAt) {
            beforeCommit++;
          }
          latency.recordValue(Math.max(0, receivedAt - committedAt));
        }
      }
      received.add(arrivals);
      allOpenMicros = Math.max(allOpenMicros, stream.openedMicros());
      earliestOpenMicros = Math.min(earliestOpenMicros, stream.openedMicros());
      firstLastMicros = Math.min(firstLastMicros, lastMicros);
      latestMicros = Math.max(latestMicros, lastMicros);
    }
    return new Delivery(
        streams.size(),
        reachedTerminal,
        succeeded,
        committed,
        delivered,
        dropped,
        outOfOrder,
        latency.getTotalCount(),
        latency,
        beforeCommit,
        eventsPerSecond(
            received, allOpenMicros, firstLastMicros, earliestOpenMicros, latestMicros, delivered),
        firstFailure);
  }

  /**
   * Events received per second while every stream was open (from the last stream's opening to the
   * first stream's last event); over the whole phase when that window is under a second (a quick
   * run's short replies).
   */
  private static double eventsPerSecond(
      List<long[]> received,
      long allOpenMicros,
      long firstLastMicros,
      long earliestOpenMicros,
      long latestMicros,
      long delivered) {
    if (firstLastMicros - allOpenMicros < 1_000_000) {
      return latestMicros > earliestOpenMicros
          ? delivered / ((latestMicros - earliestOpenMicros) / 1e6)
          : Double.NaN;
    }
    long inWindow = 0;
    for (long[] arrivals : received) {
      for (long at : arrivals) {
        if (at >= allOpenMicros && at <= firstLastMicros) {
          inWindow++;
        }
      }
    }
    return inWindow / ((firstLastMicros - allOpenMicros) / 1e6);
  }
}
