package dev.agentplane.execution.loop;

import dev.agentplane.execution.run.EagerStart;
import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.run.RunAccepted;
import dev.agentplane.execution.run.TenantQuotas;
import dev.agentplane.execution.stream.RunNotifications;
import dev.agentplane.kit.correlation.Correlation;
import dev.agentplane.kit.tenancy.TenantRoundRobin;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs runs on virtual threads, at most {@code concurrency} at once on this instance. {@link
 * #offer} never blocks (the Kafka poll loop calls it): a run beyond the cap waits in a bounded
 * backlog that takes the tenants in turn ({@link TenantRoundRobin}), and beyond that it is left
 * queued in PostgreSQL for the sweeper to offer again.
 *
 * <p>No request carries a worker's thread: a run is offered with its tenant, and everything its
 * worker does (the claim, the loop, its model and tool calls, handing the tenant's next queued run
 * on) is scoped to that tenant ({@link TenantScope}), which row-level security holds its database
 * work to.
 */
@Singleton
public class RunWorkers implements EagerStart {

  private static final Logger LOG = LoggerFactory.getLogger(RunWorkers.class);

  /** A run offered here, with the tenant its claim and its work are scoped to. */
  private record Offer(String tenantId, UUID runId) {}

  private final RunJournal journal;
  private final TenantQuotas quotas;
  private final RunLoop loop;
  private final WorkerSettings settings;
  private final String owner;
  private final Semaphore slots;
  private final TenantRoundRobin<Offer> backlog;
  // Runs offered and not yet done with here, each with whether it was offered again meanwhile (a
  // decision that queued it again while its worker was still finishing): it is then offered once
  // more when that worker is done, since no dispatch message may follow to offer it later.
  private final Map<UUID, Boolean> offered = new ConcurrentHashMap<>();
  private final Map<UUID, ActiveRun> active = new ConcurrentHashMap<>();
  // Per tenant, the runs its running quota kept from a claim here, oldest first: each run of the
  // tenant that stops here hands its place to the first of them. Without it a held run waited for
  // the sweeper while newer runs took the places that came free.
  private final Map<String, SequencedSet<UUID>> heldByTenant = new ConcurrentHashMap<>();
  private volatile boolean accepting = true;
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("claim-retries").factory());

  RunWorkers(
      RunJournal journal,
      RunLoop loop,
      WorkerSettings settings,
      RunNotifications notifications,
      TenantQuotas quotas) {
    this.journal = journal;
    this.quotas = quotas;
    this.loop = loop;
    this.settings = settings;
    this.owner =
        ManagementFactory.getRuntimeMXBean().getName()
            + "/"
            + UUID.randomUUID().toString().substring(0, 8);
    this.slots = new Semaphore(settings.concurrency());
    this.backlog = new TenantRoundRobin<>(settings.backlog());
    notifications.onCancel(this::cancel);
  }

  /** This instance's name in leases. */
  public String owner() {
    return owner;
  }

  /**
   * Asks this instance to run the run of {@code tenantId}; returns at once. An offer naming another
   * tenant than the run's claims nothing (the sweeper offers the run again, rightly).
   */
  public void offer(String tenantId, UUID runId) {
    if (tenantId == null || tenantId.isBlank()) {
      LOG.debug("Run {} offered without a tenant; it waits for the sweeper", runId);
      return;
    }
    offer(new Offer(tenantId, runId));
  }

  private void offer(Offer offer) {
    if (!accepting || !firstOffer(offer.runId())) {
      return;
    }
    if (slots.tryAcquire()) {
      start(offer);
    } else if (!backlog.offer(offer.tenantId(), offer)) {
      offered.remove(offer.runId());
      LOG.debug("Backlog full; run {} waits for the sweeper", offer.runId());
    }
  }

  @Override
  public boolean startsHere() {
    return settings.eagerStart() && accepting && slots.availablePermits() > 0;
  }

  /** Records the offer; false when the run was already offered here (then marked offered again). */
  private boolean firstOffer(UUID runId) {
    boolean[] first = {false};
    offered.compute(
        runId,
        (id, earlier) -> {
          first[0] = earlier == null;
          return earlier != null;
        });
    return first[0];
  }

  /** Starts runs accepted on this instance at once (eager start), when so configured. */
  @EventListener
  void onAccepted(RunAccepted accepted) {
    if (settings.eagerStart()) {
      offer(accepted.tenantId(), accepted.runId());
    }
  }

  /** Stops a run executing here, if it is; its worker records the cancellation. */
  public void cancel(UUID runId) {
    ActiveRun run = active.get(runId);
    if (run != null) {
      run.requestStop(ActiveRun.Stop.CANCELLED);
    }
  }

  /**
   * Runs {@code wait} (a parent run waiting for its child run) after giving the run's concurrency
   * slot to the next run in the backlog. Parents waiting on children therefore never hold every
   * slot while their children queue behind them; the parent carries on without a slot afterwards,
   * briefly over the cap. Outside a worker (no active run of that id) it just waits.
   */
  public <T> T lendingSlot(UUID runId, Callable<T> wait) throws Exception {
    ActiveRun run = active.get(runId);
    if (run != null && run.giveUpSlot()) {
      startNextOrRelease();
    }
    return wait.call();
  }

  /** Whether the run executes on this instance now. */
  public boolean executing(UUID runId) {
    return active.containsKey(runId);
  }

  /** Extends the leases of the runs held here; a run whose lease was lost stops. */
  @Scheduled(fixedDelay = "${agentplane.execution.workers.renew-every:10s}")
  void renewLeases() {
    List<Lease> held = active.values().stream().map(ActiveRun::lease).toList();
    for (UUID lost : journal.renew(held, settings.leaseDuration())) {
      ActiveRun run = active.get(lost);
      if (run != null) {
        run.requestStop(ActiveRun.Stop.LEASE_LOST);
      }
    }
  }

  @PreDestroy
  void shutdown() {
    accepting = false;
    retries.shutdownNow();
    backlog.clear();
    List<ActiveRun> running = new ArrayList<>(active.values());
    running.forEach(run -> run.requestStop(ActiveRun.Stop.SHUTDOWN));
    journal.release(running.stream().map(ActiveRun::lease).toList());
  }

  private void start(Offer offer) {
    Thread.ofVirtual()
        .name("run-" + offer.runId())
        .start(
            () -> {
              boolean holdsSlot = true;
              try {
                holdsSlot = TenantScope.call(offer.tenantId(), () -> execute(offer));
              } finally {
                boolean offeredAgain = Boolean.TRUE.equals(offered.remove(offer.runId()));
                if (holdsSlot) {
                  startNextOrRelease();
                }
                if (offeredAgain) {
                  offer(offer);
                }
              }
            });
  }

  private void startNextOrRelease() {
    Offer next = accepting ? backlog.poll() : null;
    if (next != null) {
      start(next);
    } else {
      slots.release();
    }
  }

  /**
   * Keeps a run the tenant's running quota held back, in the order first held, for its next free
   * place; a run held again (offered by the sweeper, say) keeps its place.
   */
  private void holdForTenant(String tenantId, UUID runId) {
    SequencedSet<UUID> held = heldByTenant.computeIfAbsent(tenantId, id -> new LinkedHashSet<>());
    synchronized (held) {
      if (held.size() < settings.backlog()) {
        held.add(runId);
      }
    }
  }

  /**
   * A run of the tenant stopped running here: the run its running quota held back longest here may
   * start, or else the tenant's oldest queued run (held back on another instance, say).
   */
  private void offerNextQueuedOf(String tenantId) {
    SequencedSet<UUID> held = heldByTenant.get(tenantId);
    UUID next = null;
    if (held != null) {
      synchronized (held) {
        next = held.isEmpty() ? null : held.removeFirst();
      }
    }
    if (next != null) {
      offer(tenantId, next);
      return;
    }
    try {
      quotas.nextQueued(tenantId).ifPresent(runId -> offer(tenantId, runId));
    } catch (RuntimeException e) {
      LOG.warn("Could not look for the next queued run of a tenant; the sweeper will find it", e);
    }
  }

  /**
   * Executes the run if it can be claimed, in the scope of the offer's tenant; answers whether it
   * still holds its slot.
   */
  private boolean execute(Offer offer) {
    UUID runId = offer.runId();
    RunJournal.Claim claim;
    try {
      claim = journal.tryClaim(offer.tenantId(), runId, owner, settings.leaseDuration());
    } catch (RuntimeException e) {
      LOG.warn("Could not claim run {}; the sweeper will offer it again", runId, e);
      return true;
    }
    if (claim.contended()) {
      // The slot goes to the next run now; this one is offered again once the other claim of
      // its tenant has decided (the offer record is gone by then, or marks it offered again).
      retries.schedule(
          () -> offer(offer), RunJournal.CONTENDED_RETRY.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    }
    if (claim.run().isEmpty()) {
      if (claim.heldForTenant() != null) {
        holdForTenant(claim.heldForTenant(), runId);
      }
      return true;
    }
    Run run = claim.run().get();
    ActiveRun control =
        new ActiveRun(new Lease(run.id(), run.tenantId(), run.agentId(), owner, run.epoch()));
    active.put(runId, control);
    MDC.put(Correlation.MDC_TENANT_ID, run.tenantId());
    MDC.put("runId", run.id().toString());
    try {
      loop.drive(run, control);
    } catch (RuntimeException e) {
      LOG.error("Run {} stopped on an unexpected error; its lease will lapse", runId, e);
    } finally {
      active.remove(runId);
      MDC.clear();
    }
    if (run.parentRunId() == null) {
      offerNextQueuedOf(run.tenantId());
    }
    return control.holdsSlot();
  }
}
