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
 * One entry of an agent's {@code tools}: a tool name and which of its versions, read leniently from
 * a spec.
 */
record ToolReference(String name, Version version) {

  /** Which version of the tool an agent uses. */
  sealed interface Version {
    /** A version number, fixed when the agent's version is written. */
    record Pinned(int number) implements Version {}

    /** {@code "active"}: whichever version is active when a run starts. */
    record FollowActive() implements Version {}
  }

  /** The reference an entry makes; empty when its name or version is malformed. */
  static Optional<ToolReference> read(JsonNode entry) {
    Optional<String> name =
        SpecFields.text(entry, "name").filter(text -> ToolSpecRules.NAME.matcher(text).matches());
    if (name.isEmpty()) {
      return Optional.empty();
    }
    if (SpecFields.text(entry, "version").filter("active"::equals).isPresent()) {
      return Optional.of(new ToolReference(name.get(), new Version.FollowActive()));
    }
    Optional<BigInteger> number = SpecFields.integer(entry, "version");
    if (number.isEmpty() || number.get().signum() <= 0) {
      return Optional.empty();
    }
    // A number beyond int is a version no tool has; MAX_VALUE keeps it unfindable.
    int pinned = number.get().bitLength() < 32 ? number.get().intValue() : Integer.MAX_VALUE;
    return Optional.of(new ToolReference(name.get(), new Version.Pinned(pinned)));
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
    return switch (version) {
      case Version.Pinned pinned -> Optional.ofNullable(versions.get(pinned.number()));
      case Version.FollowActive followActive -> {
        Optional<ToolVersionFacts> active = active(versions);
        if (active.isPresent() || purpose == ValidationPurpose.PROMOTION) {
          yield active;
        }
        yield versions.values().stream()
            .filter(Objects::nonNull)
            .max(Comparator.comparingInt(ToolVersionFacts::version));
      }
    };
  }
}
