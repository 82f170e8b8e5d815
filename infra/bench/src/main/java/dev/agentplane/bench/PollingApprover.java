package dev.agentplane.bench;

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
 * The programmatic approver both engines of the peer scenario get, so that neither is favoured by
 * its human: every {@code pollEvery} it reads the pending requests a page of 100 at a time,
 * approves each on a pool of eight threads, waits for the batch, and reads on until a page is short
 * or brings nothing new. Stops when closed.
 */
public final class PollingApprover implements AutoCloseable {

  public static final int PAGE = 100;
  public static final int DECIDING_THREADS = 8;

  /** Where the pending requests are and how one is approved. */
  public interface Inbox {

    /**
     * The ids of the first {@code size} pending requests; decided ones leave the list.
     *
     * @throws RuntimeException when they cannot be read (counted as a failure)
     */
    List<String> pending(int size);

    /**
     * Approves one request.
     *
     * @throws RuntimeException when the approval is refused (counted as a failure)
     */
    void approve(String id);
  }

  private final Inbox inbox;
  private final Duration pollEvery;
  private final ExecutorService deciders = Executors.newFixedThreadPool(DECIDING_THREADS);
  private final Set<String> decided = ConcurrentHashMap.newKeySet();
  private final LongAdder failures = new LongAdder();
  private final Thread poller;
  private volatile boolean running = true;

  private PollingApprover(Inbox inbox, Duration pollEvery) {
    this.inbox = inbox;
    this.pollEvery = pollEvery;
    this.poller = Thread.ofPlatform().name("approver").daemon().start(this::pollUntilClosed);
  }

  public static PollingApprover start(Inbox inbox, Duration pollEvery) {
    return new PollingApprover(inbox, pollEvery);
  }

  public long decisions() {
    return decided.size();
  }

  /** Reads or approvals that failed (none is expected). */
  public long failures() {
    return failures.sum();
  }

  private void pollUntilClosed() {
    while (running) {
      long next = System.nanoTime() + pollEvery.toNanos();
      try {
        approveAllPending();
      } catch (RuntimeException e) {
        failures.increment();
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
      List<String> page = inbox.pending(PAGE);
      for (String id : page) {
        if (decided.add(id)) {
          inFlight.add(deciders.submit(() -> inbox.approve(id)));
        }
      }
      int fresh = inFlight.size();
      for (Future<?> decision : inFlight) {
        try {
          decision.get();
        } catch (Exception e) {
          failures.increment();
        }
      }
      inFlight.clear();
      // Decided requests leave the pending list, so the next read starts on fresh ones; a page
      // with nothing new, or a short one, means the backlog is drained.
      if (fresh == 0 || page.size() < PAGE) {
        return;
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    poller.join();
    deciders.shutdown();
  }
}
