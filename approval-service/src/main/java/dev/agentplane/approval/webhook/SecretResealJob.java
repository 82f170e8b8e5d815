package dev.agentplane.approval.webhook;

import dev.agentplane.kit.sealing.BackgroundResealing;
import dev.agentplane.kit.sealing.Resealable;
import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * The operator's trigger for a rotation of the webhook secrets' master key: when the service starts
 * with a new {@code current-secret-key-id}, it re-seals, in the background and batch by batch,
 * every secret still sealed with an older key — every {@link Resealable} of the service: the
 * subscriptions' signing secrets ({@link SubscriptionSecretResealing}) and the tenants' inbound
 * decision secrets (the inbound package's). Serving does not wait: every configured key opens.
 */
@Singleton
@Requires(property = "agentplane.approval.webhooks.reseal.on-startup", notEquals = "false")
class SecretResealJob {

  private final BackgroundResealing resealing;

  SecretResealJob(List<Resealable<?>> sealedSecrets, SecretResealSettings settings) {
    this.resealing =
        new BackgroundResealing("webhook-secret-reseal", settings.batchSize(), sealedSecrets);
  }

  @EventListener
  void onStartup(ServerStartupEvent event) {
    resealing.start();
  }

  /** One pass through every table; returns how many secrets it re-sealed. */
  int resealAll() {
    return resealing.resealAll();
  }

  @PreDestroy
  void stop() throws InterruptedException {
    resealing.stop();
  }
}
