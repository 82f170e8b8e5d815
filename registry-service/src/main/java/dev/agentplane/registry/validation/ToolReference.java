package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.registry.validation.RegistryLookup.ToolVersionFacts;
import dev.agentplane.registry.version.VersionStatus;
import java.math.BigInteger;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of an agent's {@code tools}: a tool name and either a version number or {@code
 * "active"}, read leniently from a spec.
 */
record ToolReference(String name, Optional<Integer> pinnedVersion) {

  /** The reference an entry makes; empty when its name or version is malformed. */
  static Optional<ToolReference> read(JsonNode entry) {
    Optional<String> name =
        SpecFields.text(entry, "name").filter(text -> ToolSpecRules.NAME.matcher(text).matches());
    if (name.isEmpty()) {
      return Optional.empty();
    }
    if (SpecFields.text(entry, "version").filter("active"::equals).isPresent()) {
      return Optional.of(new ToolReference(name.get(), Optional.empty()));
    }
    Optional<BigInteger> number = SpecFields.integer(entry, "version");
    if (number.isEmpty() || number.get().signum() <= 0) {
      return Optional.empty();
    }
    // A number beyond int is a version no tool has; MAX_VALUE keeps it unfindable.
    int version = number.get().bitLength() < 32 ? number.get().intValue() : Integer.MAX_VALUE;
    return Optional.of(new ToolReference(name.get(), Optional.of(version)));
  }

  boolean followsActive() {
    return pinnedVersion.isEmpty();
  }

  /** The version that is active, if any. */
  static Optional<ToolVersionFacts> active(Map<Integer, ToolVersionFacts> versions) {
    return versions.values().stream()
        .filter(Objects::nonNull)
        .filter(facts -> facts.status() == VersionStatus.ACTIVE)
        .max(Comparator.comparingInt(ToolVersionFacts::version));
  }

  /**
   * The version a run would use: the pinned one; else the active one; else, when only checking a
   * draft (whose debug runs may use drafts), the newest.
   */
  Optional<ToolVersionFacts> resolve(
      Map<Integer, ToolVersionFacts> versions, ValidationPurpose purpose) {
    if (pinnedVersion.isPresent()) {
      return Optional.ofNullable(versions.get(pinnedVersion.get()));
    }
    Optional<ToolVersionFacts> active = active(versions);
    if (active.isPresent() || purpose == ValidationPurpose.PROMOTION) {
      return active;
    }
    return versions.values().stream()
        .filter(Objects::nonNull)
        .max(Comparator.comparingInt(ToolVersionFacts::version));
  }
}
