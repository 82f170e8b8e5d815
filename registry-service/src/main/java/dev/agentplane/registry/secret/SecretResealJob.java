package dev.agentplane.registry.secret;

import dev.agentplane.kit.sealing.BackgroundResealing;
import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * The operator's trigger for a master key rotation: when the service starts with a new {@code
 * current-key-id}, it re-seals, in the background and batch by batch, every value still sealed with
 * an older key (the kit's {@link BackgroundResealing} over {@link SecretResealing}). Serving does
 * not wait for it: both keys open while it runs.
 */
@Singleton
@Requires(property = "agentplane.registry.secrets.reseal.on-startup", notEquals = "false")
class SecretResealJob {

  private final BackgroundResealing resealing;

  SecretResealJob(SecretResealing secrets, SecretResealSettings settings) {
    this.resealing =
        new BackgroundResealing("secret-reseal", settings.batchSize(), List.of(secrets));
  }

  @EventListener
  void onStartup(ServerStartupEvent event) {
    resealing.start();
  }

  /** One pass through the table; returns how many values it re-sealed. */
  int resealAll() {
    return resealing.resealAll();
  }

  @PreDestroy
  void stop() throws InterruptedException {
    resealing.stop();
  }
}
