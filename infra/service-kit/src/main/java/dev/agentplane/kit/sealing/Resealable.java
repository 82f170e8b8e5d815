package dev.agentplane.kit.sealing;

import java.util.Map;

/**
 * Values stored sealed with an {@link AesGcmSealer} that a master key rotation re-seals with the
 * current key, batch by batch, for {@link BackgroundResealing}. The SQL is the service's: an
 * implementation locks the next rows still on another key ({@code FOR UPDATE SKIP LOCKED}, so
 * instances re-sealing at once share the work), re-seals them and commits, one transaction per
 * batch; a value already on the current key is never touched.
 *
 * @param <P> where a pass has got to, e.g. the last primary key looked at
 */
public interface Resealable<P> {

  /** What is re-sealed, for the log line, e.g. {@code secret values}. */
  String description();

  /** Where a pass starts: before the first row. */
  P start();

  /** Re-seals up to {@code size} rows after {@code from} that are on another key, and commits. */
  ResealBatch<P> resealBatch(P from, int size);

  /** How many values each key id seals now, e.g. {@code {old=0, new=1234}} after a rotation. */
  Map<String, Long> countByKey();
}
