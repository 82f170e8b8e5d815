package dev.agentplane.kit.sealing;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of a master key rotation: takes each {@link Resealable} from its start, one committed
 * batch at a time, until it is done or the service stops, then logs how many values it re-sealed
 * and how many each key seals now (counts and key ids, never a value). A service's start-up job
 * decides whether and when it runs. A store that fails is logged and left for the next start (its
 * committed batches stay done); the others still run.
 */
public final class BackgroundResealing {

  private static final Logger LOG = LoggerFactory.getLogger(BackgroundResealing.class);
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private final String threadName;
  private final int batchSize;
  private final List<Resealable<?>> stores;
  private volatile boolean stopping;
  private volatile Thread worker;

  /**
   * @param threadName names the virtual thread {@link #start()} runs the pass on
   * @param batchSize rows re-sealed (and committed) per transaction
   * @param stores what to re-seal, in this order
   */
  public BackgroundResealing(
      String threadName, int batchSize, List<? extends Resealable<?>> stores) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, is " + batchSize);
    }
    this.threadName = threadName;
    this.batchSize = batchSize;
    this.stores = List.copyOf(stores);
  }

  /** Runs {@link #resealAll()} on a virtual thread; serving does not wait for it. */
  public void start() {
    worker = Thread.ofVirtual().name(threadName).start(this::resealAll);
  }

  /** One pass through every store; returns how many values it re-sealed. */
  public int resealAll() {
    int resealed = 0;
    for (Resealable<?> store : stores) {
      if (stopping) {
        break;
      }
      resealed += pass(store);
    }
    return resealed;
  }

  private <P> int pass(Resealable<P> store) {
    int resealed = 0;
    int unopenable = 0;
    try {
      P from = store.start();
      while (from != null && !stopping) {
        ResealBatch<P> batch = store.resealBatch(from, batchSize);
        resealed += batch.resealed();
        unopenable += batch.unopenable();
        from = batch.next();
      }
      if (resealed > 0 || unopenable > 0) {
        LOG.info(
            "Re-sealed {} {} with the current key; {} did not open; values per key now: {}",
            resealed,
            store.description(),
            unopenable,
            store.countByKey());
      }
    } catch (RuntimeException e) {
      // Committed batches stay done; the next start carries on from what is left.
      if (!stopping) {
        LOG.error("Re-sealing {} stopped after {} values", store.description(), resealed, e);
      }
    }
    return resealed;
  }

  /** Asks a running pass to stop after its current batch, and waits a little for it. */
  public void stop() throws InterruptedException {
    stopping = true;
    Thread running = worker;
    if (running != null) {
      running.join(STOP_WAIT);
    }
  }
}
