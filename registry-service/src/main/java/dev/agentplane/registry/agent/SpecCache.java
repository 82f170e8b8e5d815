package dev.agentplane.registry.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Specs by (resource, version, revision). A version's spec only changes with its revision, so an
 * entry is never stale and nothing ever needs invalidating; size-bounded, least recently used
 * leaves first.
 */
@Singleton
class SpecCache {

  private record Key(UUID resourceId, int version, int revision) {}

  private final Cache<Key, JsonNode> specs;

  SpecCache(@Value("${agentplane.registry.spec-cache-size:10000}") long maximumSize) {
    this.specs = Caffeine.newBuilder().maximumSize(maximumSize).recordStats().build();
  }

  JsonNode get(UUID resourceId, int version, int revision, Supplier<JsonNode> load) {
    return specs.get(new Key(resourceId, version, revision), key -> load.get());
  }
}
