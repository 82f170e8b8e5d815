package dev.agentplane.registry.version;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Where a version of an agent or tool stands. The allowed moves live here and nowhere else: {@code
 * draft → pending_approval → active → archived}, {@code draft → active} when promotion needs no
 * review, {@code pending_approval → draft} when a review rejects it, and any non-archived version
 * may be archived.
 */
public enum VersionStatus {
  DRAFT,
  PENDING_APPROVAL,
  ACTIVE,
  ARCHIVED;

  /** Whether a version in this status may move to {@code target}. */
  public boolean canMoveTo(VersionStatus target) {
    return switch (this) {
      case DRAFT -> Set.of(PENDING_APPROVAL, ACTIVE, ARCHIVED).contains(target);
      case PENDING_APPROVAL -> Set.of(DRAFT, ACTIVE, ARCHIVED).contains(target);
      case ACTIVE -> target == ARCHIVED;
      case ARCHIVED -> false;
    };
  }

  /** Only drafts change; every other version is immutable. */
  public boolean isMutable() {
    return this == DRAFT;
  }

  /** The wire and column value, e.g. {@code pending_approval}. */
  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<VersionStatus> fromWire(String value) {
    for (VersionStatus status : values()) {
      if (status.wireValue().equals(value)) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }
}
