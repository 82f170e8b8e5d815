package dev.agentplane.kit.sealing;

/**
 * What one committed batch of a re-sealing pass did.
 *
 * @param resealed values now sealed with the current key
 * @param unopenable values that did not open with any configured key (left as they are)
 * @param next where the next batch starts, or null when the pass is complete
 * @param <P> the position type of the {@link Resealable}
 */
public record ResealBatch<P>(int resealed, int unopenable, P next) {}
