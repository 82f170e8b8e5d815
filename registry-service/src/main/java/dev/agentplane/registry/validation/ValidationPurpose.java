package dev.agentplane.registry.validation;

/** Why a spec is validated: promotion is stricter, every referenced tool must be active. */
public enum ValidationPurpose {
  /** {@code :validate} on a draft; drafts may reference draft tools (debug runs use them). */
  CHECK,
  /** {@code :promote}: what production runs must only reference active versions. */
  PROMOTION
}
