package dev.agentplane.bench.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A programmatic approver: every {@code pollEvery} it reads the tenant's pending approvals through
 * the approval API (pages of 100, newest first, until a page is short) and approves each on a pool
 * of eight threads, as the Flowable side completes its user tasks. Stops when closed.
 */
public final class Approver implements AutoCloseable {

  private static final int PAGE = 100;
  private static final int DECIDING_THREADS = 8;

  private final ServiceApi approvals;
  private final String token;
  private final Duration pollEvery;
  private final ExecutorService deciders = Executors.newFixedThreadPool(DECIDING_THREADS);
  private final Set<String> decided = ConcurrentHashMap.newKeySet();
  private final LongAdder refusals = new LongAdder();
  private final Thread poller;
  private volatile boolean running = true;

  private Approver(URI approvalService, String token, Duration pollEvery) {
    this.approvals = new ServiceApi(approvalService);
    this.token = token;
    this.pollEvery = pollEvery;
    this.poller = Thread.ofPlatform().name("approver").daemon().start(this::pollUntilClosed);
  }

  /** Starts approving {@code token}'s tenant's pending requests. */
  public static Approver start(URI approvalService, String token, Duration pollEvery) {
    return new Approver(approvalService, token, pollEvery);
  }

  public long decisions() {
    return decided.size();
  }

  /** Decisions the service refused (none is expected). */
  public long refusals() {
    return refusals.sum();
  }

  private void pollUntilClosed() {
    while (running) {
      long next = System.nanoTime() + pollEvery.toNanos();
      try {
        approveAllPending();
      } catch (RuntimeException e) {
        refusals.increment();
      }
      long wait;
      while (running && (wait = next - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  private void approveAllPending() {
    List<Future<?>> inFlight = new ArrayList<>();
    while (true) {
      Reply page = approvals.get("/v1/approvals?status=pending&limit=" + PAGE, token);
      if (page.status() != 200) {
        refusals.increment();
        return;
      }
      int fresh = 0;
      for (JsonNode item : page.body().path("items")) {
        String id = item.path("id").asText();
        if (decided.add(id)) {
          fresh++;
          inFlight.add(deciders.submit(() -> approve(id)));
        }
      }
      for (Future<?> decision : inFlight) {
        try {
          decision.get();
        } catch (Exception e) {
          refusals.increment();
        }
      }
      inFlight.clear();
      // Decided requests leave the pending list, so the next read starts on fresh ones; a page
      // with nothing new, or a short one, means the backlog is drained.
      if (fresh == 0 || page.body().path("items").size() < PAGE) {
        return;
      }
    }
  }

  private void approve(String approvalId) {
    Reply reply =
        approvals.post(
            "/v1/approvals/" + approvalId + "/decisions", token, "{\"decision\":\"approve\"}");
    if (reply.status() != 200) {
      refusals.increment();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    poller.join();
    deciders.shutdown();
  }
}
