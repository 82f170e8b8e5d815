package dev.agentplane.registry.version;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentplane.kit.json.CanonicalJson;
import java.nio.charset.StandardCharsets;

/**
 * How specs become bytes: the stored JSON, and the canonical form (keys sorted, no whitespace)
 * whose SHA-256 is the version's {@code specHash}, so equal specs hash equally however their keys
 * were ordered.
 */
public final class SpecJson {

  /** Largest spec accepted, measured as canonical JSON. */
  public static final int MAX_SPEC_BYTES = 256 * 1024;

  private static final ObjectMapper PARSER = new ObjectMapper();

  private SpecJson() {}

  public static byte[] canonicalBytes(JsonNode spec) {
    return CanonicalJson.bytes(spec);
  }

  public static String canonical(JsonNode spec) {
    return new String(canonicalBytes(spec), StandardCharsets.UTF_8);
  }

  /** {@code sha256:<hex>} of the canonical form. */
  public static String hash(JsonNode spec) {
    return CanonicalJson.sha256(spec);
  }

  public static JsonNode parse(String json) {
    try {
      return PARSER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Stored spec is not JSON", e);
    }
  }
}
