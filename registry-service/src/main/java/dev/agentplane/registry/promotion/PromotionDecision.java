package dev.agentplane.registry.promotion;

import java.util.List;

/** What promoting a valid draft does: activate it now, or wait for a human review. */
public sealed interface PromotionDecision {

  /** Nothing risky: the version becomes active at once. */
  record ActivateNow() implements PromotionDecision {}

  /**
   * The version waits in {@code pending_approval}.
   *
   * @param reasons why, one line each, shown to the reviewer
   */
  record AwaitReview(List<String> reasons) implements PromotionDecision {
    public AwaitReview {
      reasons = List.copyOf(reasons);
    }
  }
}
