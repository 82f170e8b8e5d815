package dev.agentplane.approval.webhook;

import dev.agentplane.approval.webhook.DeliveryClaims.ClaimedDelivery;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.micronaut.transaction.TransactionOperations;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends due webhook deliveries, each attempt on its own virtual thread, at most {@code
 * max-concurrency} at a time per instance. Deliveries are claimed in short transactions with {@code
 * FOR UPDATE SKIP LOCKED}, so any number of instances dispatch side by side without sending a
 * delivery twice at once; all state is in PostgreSQL, so a restart (or a crash, once the claim's
 * lease runs out) picks up where the last run stopped. Committing a notice wakes it; otherwise it
 * polls.
 *
 * <p>Due deliveries are found and claimed across tenants, through the {@code jobs} datasource
 * ({@link DeliveryClaims}); each attempt then runs in its delivery's tenant ({@link
 * WebhookSender}).
 */
@Singleton
public class WebhookDispatcher implements ApplicationEventListener<ServerStartupEvent> {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);

  private final DeliveryClaims claims;
  private final WebhookSender sender;
  private final WebhookSettings settings;
  private final TransactionOperations<Connection> jobs;
  private final Semaphore slots;
  private final Semaphore wakeUps = new Semaphore(0);

  private volatile boolean stopRequested;
  private volatile Thread worker;
  private ExecutorService attempts;

  WebhookDispatcher(
      DeliveryClaims claims,
      WebhookSender sender,
      WebhookSettings settings,
      @Named(JobsDataSource.NAME) TransactionOperations<Connection> jobs) {
    this.claims = claims;
    this.sender = sender;
    this.settings = settings;
    this.jobs = jobs;
    this.slots = new Semaphore(settings.maxConcurrency());
  }

  @Override
  public void onApplicationEvent(ServerStartupEvent event) {
    if (settings.dispatcherEnabled()) {
      start();
    }
  }

  /** Starts dispatching on a virtual thread; does nothing when already running. */
  public synchronized void start() {
    if (worker != null && worker.isAlive()) {
      return;
    }
    stopRequested = false;
    attempts = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("webhook-", 0).factory());
    worker = Thread.ofVirtual().name("webhook-dispatcher").start(this::dispatchUntilStopped);
  }

  /**
   * Stops claiming and waits (up to the read timeout) for attempts in flight; an attempt cut short
   * stays claimed until its lease expires and is then made again.
   */
  @PreDestroy
  public void stop() {
    Thread current;
    ExecutorService inFlight;
    synchronized (this) {
      stopRequested = true;
      current = worker;
      inFlight = attempts;
      worker = null;
    }
    wakeUp();
    try {
      if (current != null && current != Thread.currentThread()) {
        current.join(Duration.ofSeconds(30));
      }
      if (inFlight != null) {
        inFlight.shutdown();
        if (!inFlight.awaitTermination(
            settings.readTimeout().plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
          inFlight.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Tells an idle dispatcher there may be work (a notice or redelivery committed). */
  public void wakeUp() {
    wakeUps.release();
  }

  /**
   * Claims what is due (up to the free concurrency) and makes those attempts, waiting for them;
   * returns how many were made. For tools and tests that drive dispatch by hand.
   */
  public int dispatchOnce() {
    List<ClaimedDelivery> claimed = claim(settings.maxConcurrency());
    try (ExecutorService once = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> running =
          claimed.stream().<Future<?>>map(d -> once.submit(() -> sender.attempt(d))).toList();
      for (Future<?> attempt : running) {
        try {
          attempt.get();
        } catch (Exception e) {
          LOG.warn("A webhook attempt failed unexpectedly", e);
        }
      }
    }
    return claimed.size();
  }

  private void dispatchUntilStopped() {
    while (!stopRequested) {
      try {
        int free = slots.availablePermits();
        List<ClaimedDelivery> claimed = free == 0 ? List.of() : claim(free);
        for (ClaimedDelivery delivery : claimed) {
          slots.acquireUninterruptibly();
          attempts.submit(() -> runAttempt(delivery));
        }
        if (claimed.isEmpty()) {
          awaitWork(settings.pollInterval());
        }
      } catch (RuntimeException e) {
        LOG.warn("Webhook dispatch cycle failed; retrying after {}", settings.pollInterval(), e);
        awaitWork(settings.pollInterval());
      }
    }
  }

  private void runAttempt(ClaimedDelivery delivery) {
    try {
      sender.attempt(delivery);
    } catch (RuntimeException e) {
      // Most likely the database: the claim expires and the attempt is made again.
      LOG.warn("Webhook delivery {} attempt {} failed", delivery.id(), delivery.attempt(), e);
    } finally {
      slots.release();
      wakeUp();
    }
  }

  private List<ClaimedDelivery> claim(int limit) {
    return jobs.executeWrite(status -> claims.claimDue(limit, settings.claimLease()));
  }

  private void awaitWork(Duration timeout) {
    try {
      if (wakeUps.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        wakeUps.drainPermits();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopRequested = true;
    }
  }
}
