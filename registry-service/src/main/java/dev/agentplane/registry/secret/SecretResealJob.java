package dev.agentplane.registry.secret;

import dev.agentplane.registry.secret.SecretResealing.Batch;
import dev.agentplane.registry.secret.SecretResealing.Position;
import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's trigger for a master key rotation: when the service starts with a new {@code
 * current-key-id}, it re-seals, in the background and batch by batch, every value still sealed with
 * an older key. Serving does not wait for it: both keys open while it runs.
 */
@Singleton
@Requires(property = "agentplane.registry.secrets.reseal.on-startup", notEquals = "false")
class SecretResealJob {

  private static final Logger LOG = LoggerFactory.getLogger(SecretResealJob.class);

  private final SecretResealing resealing;
  private final SecretResealSettings settings;
  private volatile boolean stopping;
  private volatile Thread worker;

  SecretResealJob(SecretResealing resealing, SecretResealSettings settings) {
    this.resealing = resealing;
    this.settings = settings;
  }

  @EventListener
  void onStartup(ServerStartupEvent event) {
    worker = Thread.ofVirtual().name("secret-reseal").start(this::resealAll);
  }

  /** One pass through the table; returns how many values it re-sealed. */
  int resealAll() {
    int resealed = 0;
    int unopenable = 0;
    try {
      Position from = Position.START;
      while (from != null && !stopping) {
        Batch batch = resealing.resealBatch(from, settings.batchSize());
        resealed += batch.resealed();
        unopenable += batch.unopenable();
        from = batch.next();
      }
      if (resealed > 0 || unopenable > 0) {
        Map<String, Long> byKey = resealing.countByKey();
        LOG.info(
            "Re-sealed {} secret values with the current key; {} did not open; values per key now:"
                + " {}",
            resealed,
            unopenable,
            byKey);
      }
    } catch (RuntimeException e) {
      // Committed batches stay done; the next start carries on from what is left.
      if (!stopping) {
        LOG.error("Re-sealing secret values stopped after {} values", resealed, e);
      }
    }
    return resealed;
  }

  @PreDestroy
  void stop() throws InterruptedException {
    stopping = true;
    Thread running = worker;
    if (running != null) {
      running.join(Duration.ofSeconds(10));
    }
  }
}
