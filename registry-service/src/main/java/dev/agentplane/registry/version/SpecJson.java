package dev.agentplane.registry.version;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How specs become bytes: the stored JSON, and the canonical form (keys sorted, no whitespace)
 * whose SHA-256 is the version's {@code specHash}, so equal specs hash equally however their keys
 * were ordered.
 */
public final class SpecJson {

  /** Largest spec accepted, measured as canonical JSON. */
  public static final int MAX_SPEC_BYTES = 256 * 1024;

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private SpecJson() {}

  public static byte[] canonicalBytes(JsonNode spec) {
    try {
      return CANONICAL.writeValueAsBytes(spec);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String canonical(JsonNode spec) {
    return new String(canonicalBytes(spec), StandardCharsets.UTF_8);
  }

  /** {@code sha256:<hex>} of the canonical form. */
  public static String hash(JsonNode spec) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonicalBytes(spec));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  public static JsonNode parse(String json) {
    try {
      return CANONICAL.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Stored spec is not JSON", e);
    }
  }
}
