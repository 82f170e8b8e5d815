package dev.agentplane.approval.webhook;

import dev.agentplane.kit.sealing.AesGcmSealer.Sealed;
import dev.agentplane.kit.sealing.ResealBatch;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The values of one re-sealing batch, re-sealed one by one and counted. A value that opens with no
 * configured key (its key was removed too early, or the row was tampered with) is logged — what it
 * is and why, never its content — and kept as it is: re-sealing cannot help it, and using it fails
 * the same way as before.
 */
public final class ResealTally {

  private static final Logger LOG = LoggerFactory.getLogger(ResealTally.class);

  private int resealed;
  private int unopenable;

  /**
   * The value on the current key, or as it is when it was already or does not open.
   *
   * @param resealing {@link WebhookSecrets}' re-sealing of this value (bound to its row)
   * @param what names the value in the log, e.g. "the signing secret of webhook … of tenant …"
   */
  public Sealed reseal(Sealed value, UnaryOperator<Sealed> resealing, Supplier<String> what) {
    try {
      Sealed fresh = resealing.apply(value);
      if (fresh != value) {
        resealed++;
      }
      return fresh;
    } catch (IllegalStateException e) {
      LOG.error("Could not re-seal {}: {}", what.get(), e.getMessage());
      unopenable++;
      return value;
    }
  }

  /** What the batch did; {@code next} is where the next batch starts, null when done. */
  public <P> ResealBatch<P> batch(P next) {
    return new ResealBatch<>(resealed, unopenable, next);
  }
}
